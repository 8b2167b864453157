package emulator

import (
	"net/http"
	"testing"
)

// TestIAMErrorsUseIAMCodes checks that the token operation refuses with the
// IAM document's statuses and codes, not FunctionGraph's.
func TestIAMErrorsUseIAMCodes(t *testing.T) {
	te := startTest(t)
	te.strict = false // some requests break the spec on purpose
	login := func(project map[string]any) map[string]any {
		return map[string]any{"auth": map[string]any{
			"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
				"user": map[string]any{"name": DefaultUser, "password": DefaultPassword, "domain": map[string]any{"name": "d"}}}},
			"scope": map[string]any{"project": project}}}
	}
	cases := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"malformed JSON", `{"auth":`, http.StatusBadRequest, codeIAMBadRequest},
		{"schema violation", map[string]any{"auth": map[string]any{}}, http.StatusBadRequest, codeIAMBadRequest},
		{"project that does not exist", login(map[string]any{"id": "0f0e0d0c0b0a09080706050403020100"}), http.StatusNotFound, codeIAMNotFound},
		{"project of this endpoint", login(map[string]any{"id": te.project()}), http.StatusCreated, ""},
	}
	for _, c := range cases {
		r := te.do(http.MethodPost, "/v3/auth/tokens", c.body, "X-Auth-Token", "")
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d: %.300s", c.name, r.status, c.status, r.body)
			continue
		}
		if c.code != "" {
			if code := r.errorCode(t); code != c.code {
				t.Errorf("%s: error_code %s, want %s", c.name, code, c.code)
			}
		}
	}
}
