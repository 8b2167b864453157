package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/spec"
)

// testEmulator is a started emulator with a client that checks every
// exchange against the spec.
type testEmulator struct {
	t      *testing.T
	local  *Local
	client *http.Client
	spec   *spec.Spec
	// strict makes every exchange's spec violations fail the test.
	strict bool
}

func startTest(t *testing.T, mutate ...func(*Config)) *testEmulator {
	t.Helper()
	cfg := DefaultConfig()
	for _, m := range mutate {
		m(&cfg)
	}
	l, err := StartLocal(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	te := &testEmulator{t: t, local: l, client: &http.Client{Timeout: 30 * time.Second}, spec: sp, strict: true}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		te.client.CloseIdleConnections()
		if err := l.Close(ctx); err != nil {
			t.Errorf("close emulator: %v", err)
		}
	})
	return te
}

func (te *testEmulator) project() string { return te.local.Config.ProjectID }

func (te *testEmulator) fnURN(name string) string {
	return "urn:fss:" + te.local.Config.Region + ":" + te.project() + ":function:default:" + name + ":latest"
}

func (te *testEmulator) path(format string) string {
	return "/v2/" + te.project() + format
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Code string `json:"error_code"`
		Msg  string `json:"error_msg"`
	}
	r.decode(t, &e)
	if e.Code == "" || len(e.Msg) < 2 {
		t.Fatalf("not an Error body: %s", r.body)
	}
	return e.Code
}

// expectError fails t unless r is the Error body with status and code.
func (r response) expectError(t *testing.T, what string, status int, code string) {
	t.Helper()
	if r.status != status || r.errorCode(t) != code {
		t.Fatalf("%s: %d %s, want %d %s", what, r.status, r.body, status, code)
	}
}

// do sends a request with the static token and validates the exchange.
func (te *testEmulator) do(method, path string, body any, header ...string) response {
	te.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			te.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, te.local.URL+path, bytes.NewReader(raw))
	if err != nil {
		te.t.Fatal(err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Auth-Token", te.local.Config.Token)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	return te.send(req, raw)
}

func (te *testEmulator) send(req *http.Request, raw []byte) response {
	te.t.Helper()
	resp, err := te.client.Do(req)
	if err != nil {
		te.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		te.t.Fatal(err)
	}
	if te.strict && !strings.HasPrefix(req.URL.Path, AdminPrefix) { // admin endpoints are not FunctionGraph's
		check, _ := http.NewRequest(req.Method, req.URL.String(), bytes.NewReader(raw))
		check.Header = req.Header.Clone()
		if vs := te.spec.ValidateExchange(check, raw, resp, got); len(vs) > 0 {
			te.t.Errorf("%s %s → %d: spec violations:\n%s\nbody: %.400s", req.Method, req.URL.Path, resp.StatusCode, spec.Violations(vs), got)
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: got}
}

// createSleeper creates a function whose every run sleeps d (FGH_SLEEP)
// and returns its path.
func (te *testEmulator) createSleeper(name, d string) string {
	te.t.Helper()
	te.createFunction(name, map[string]any{"user_data": `{"FGH_HANDLER":"sleep","FGH_SLEEP":"` + d + `"}`})
	return te.path("/fgs/functions/" + esc(te.fnURN(name)))
}

func (te *testEmulator) createFunction(name string, extra map[string]any) map[string]any {
	te.t.Helper()
	body := map[string]any{
		"func_name": name, "package": "default", "runtime": "Python3.9", "timeout": 30,
		"handler": "index.handler", "memory_size": 256, "code_type": "inline",
		"func_code": map[string]string{"file": "aW1wb3J0IGpzb24K"},
	}
	for k, v := range extra {
		body[k] = v
	}
	r := te.do("POST", te.path("/fgs/functions"), body)
	if r.status != 200 {
		te.t.Fatalf("create %s: %d %s", name, r.status, r.body)
	}
	var out map[string]any
	r.decode(te.t, &out)
	return out
}

// postForString POSTs body to path, fails the test unless the answer is
// want, and returns the answer's string member field.
func (te *testEmulator) postForString(what, path string, body any, want int, field string) string {
	te.t.Helper()
	r := te.do("POST", path, body)
	if r.status != want {
		te.t.Fatalf("%s: %d %s", what, r.status, r.body)
	}
	var out map[string]any
	r.decode(te.t, &out)
	v, ok := out[field].(string)
	if !ok {
		te.t.Fatalf("%s: no string %s in %s", what, field, r.body)
	}
	return v
}

// statusCheck returns a check that fails t unless an answer has the status want.
func statusCheck(t *testing.T) func(r response, want int) {
	return func(r response, want int) {
		t.Helper()
		if r.status != want {
			t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
		}
	}
}

func esc(s string) string { return url.PathEscape(s) }
