package emulator

import (
	"testing"
)

// TestWorkflowErrorsCarryRequestID: the workflow pages document request_id
// in their error bodies; other operations' errors stay without one.
func TestWorkflowErrorsCarryRequestID(t *testing.T) {
	te := startTest(t)
	te.strict = false // the requests break the spec on purpose
	requestID := func(r response) string {
		t.Helper()
		var e struct {
			RequestID string `json:"request_id"`
		}
		r.decode(t, &e)
		return e.RequestID
	}
	for _, c := range []struct {
		name, method, path string
		body               any
	}{
		{"create without states", "POST", te.path("/fgs/workflows"), map[string]any{"name": "w"}},
		{"list unknown mode", "GET", te.path("/fgs/workflows?mode=TURBO"), nil},
		{"batch delete nothing", "DELETE", te.path("/fgs/workflows"), map[string]any{"workflow_urns": []string{}}},
	} {
		r := te.do(c.method, c.path, c.body)
		if r.status != 400 {
			t.Errorf("%s: status %d, want 400: %s", c.name, r.status, r.body)
			continue
		}
		r.errorCode(t)
		if id := requestID(r); id == "" || r.header.Get("X-Request-Id") != id {
			t.Errorf("%s: request_id %q, X-Request-Id %q: want the same non-empty ID in both", c.name, id, r.header.Get("X-Request-Id"))
		}
	}
	r := te.do("GET", te.path("/fgs/functions?marker=abc"), nil)
	if r.status != 400 || requestID(r) != "" {
		t.Errorf("listFunctions bad marker: status %d, body %s: want 400 without request_id", r.status, r.body)
	}
}
