package evidence

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
)

const (
	testToken = "tok-SECRET-1234567890"
	testSK    = "sk-SECRET-abcdefghij"
)

func sampleExchange(t *testing.T) Exchange {
	t.Helper()
	body := []byte(`{"auth":{"identity":{"password":{"user":{"name":"u","password":"pw-SECRET-999"}}}},"echo":"` + testToken + `"}`)
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:9/v2/p1/fgs/functions?marker=0&sig="+testSK, bytes.NewReader(body))
	req.Header.Set("X-Auth-Token", testToken)
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=abcdef")
	req.Header.Set("X-Sdk-Date", "20260101T000000Z")
	req.Header.Set("Content-Type", "application/json")
	resp := &http.Response{StatusCode: 500, Header: http.Header{"X-Subject-Token": {"issued-token-value"}, "Content-Type": {"application/json"}}}
	ex := FromHTTP(req, body, resp, []byte(`{"error_msg":"bad token `+testToken+`"}`))
	ex.Operation, ex.Started, ex.Duration = fgs.OpCreateFunction, time.Unix(1700000000, 0), 3*time.Millisecond
	return ex
}

func TestRecordRedactsEverySecret(t *testing.T) {
	r := NewRecorder(Run{Target: "http://127.0.0.1:9"}, WithSecrets(testToken, testSK), KeepExchanges(true))
	id := r.Record(sampleExchange(t))
	if id != "x1" {
		t.Fatalf("first exchange id %q, want x1", id)
	}
	var buf bytes.Buffer
	if err := WriteHAR(&buf, "test", r.Exchanges()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, secret := range []string{testToken, testSK, "pw-SECRET-999", "issued-token-value", "Signature=abcdef"} {
		if strings.Contains(out, secret) {
			t.Errorf("HAR holds the secret %q", secret)
		}
	}
	if !strings.Contains(out, "20260101T000000Z") {
		t.Error("X-Sdk-Date is no secret and should stay")
	}
}

func TestHARHasTheRequiredShape(t *testing.T) {
	r := NewRecorder(Run{}, KeepExchanges(true))
	r.Record(sampleExchange(t))
	r.Record(Exchange{Operation: "x", Request: Request{Method: "GET", URL: "http://127.0.0.1:9/a"}, Error: "connection refused"})
	var buf bytes.Buffer
	if err := WriteHAR(&buf, "test", r.Exchanges()); err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(buf.Bytes(), &h); err != nil {
		t.Fatalf("HAR is not JSON: %v", err)
	}
	log, _ := h["log"].(map[string]any)
	if log["version"] != "1.2" {
		t.Fatalf("log.version = %v", log["version"])
	}
	entries, _ := log["entries"].([]any)
	if len(entries) != 2 {
		t.Fatalf("%d entries, want 2", len(entries))
	}
	for i, e := range entries {
		em := e.(map[string]any)
		for _, k := range []string{"startedDateTime", "time", "request", "response", "cache", "timings"} {
			if _, ok := em[k]; !ok {
				t.Errorf("entry %d lacks %s", i, k)
			}
		}
		req := em["request"].(map[string]any)
		for _, k := range []string{"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"} {
			if _, ok := req[k]; !ok {
				t.Errorf("entry %d request lacks %s", i, k)
			}
		}
		resp := em["response"].(map[string]any)
		for _, k := range []string{"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize"} {
			if _, ok := resp[k]; !ok {
				t.Errorf("entry %d response lacks %s", i, k)
			}
		}
	}
}

func TestFailureIDsAreStableAndDistinct(t *testing.T) {
	mk := func(loc string) Failure {
		return Failure{Operation: fgs.OpCreateFunction, Check: "schema", Rule: "r", Violation: Violation{Location: loc}}
	}
	a, b := NewRecorder(Run{}), NewRecorder(Run{})
	id1, id2 := a.Fail(mk("body /runtime")), b.Fail(mk("body /runtime"))
	if id1 != id2 || !strings.HasPrefix(id1, "f") || len(id1) != 9 {
		t.Fatalf("ids %q and %q: want one stable f+8hex id", id1, id2)
	}
	if again := a.Fail(mk("body /runtime")); again != id1+"-2" {
		t.Errorf("repeat id %q, want %s-2", again, id1)
	}
	if other := a.Fail(mk("body /handler")); other == id1 {
		t.Error("another location got the same id")
	}
}

func TestRecheck(t *testing.T) {
	f := Failure{Violation: Violation{Status: 500, Location: "body /request_id"}, Expect: Expect{Status: []string{"2xx", "404"}, Spec: true, BodyLacks: "gone-alias"}}
	ok := &Response{Status: 404, Body: NewBody([]byte(`{}`))}
	if broken := f.Recheck(ok, nil); len(broken) != 0 {
		t.Errorf("healthy answer judged broken: %v", broken)
	}
	bad := &Response{Status: 500, Body: NewBody([]byte(`{"aliases":["gone-alias"]}`))}
	broken := f.Recheck(bad, []Violation{{Status: 500, Location: "body /request_id"}})
	if len(broken) != 3 {
		t.Errorf("want status, spec and body broken, got %v", broken)
	}
	if broken := f.Recheck(ok, []Violation{{Status: 404, Location: "header X"}}); len(broken) != 0 {
		t.Errorf("a violation elsewhere reproduced the failure: %v", broken)
	}
}

func TestRunRoundTrip(t *testing.T) {
	dir := t.TempDir()
	seed := int64(7)
	r := NewRecorder(Run{Target: "http://127.0.0.1:9", Auth: "token", Seed: &seed}, WithSecrets(testToken))
	ex := sampleExchange(t)
	id := r.Fail(Failure{Operation: fgs.OpCreateFunction, Check: "status", Rule: "never a 5xx", Request: ex.Request, Response: ex.Response, Expect: Expect{Status: []string{"2xx", "4xx"}}, Shrunk: true})
	if err := r.WriteFailures(dir); err != nil {
		t.Fatal(err)
	}
	run, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := run.Failure(id)
	if !ok || f.Seed == nil || *f.Seed != 7 || !f.Shrunk || f.Request.Header.Get("X-Auth-Token") != Redacted {
		t.Fatalf("failure did not survive the round trip: %+v", f)
	}
	if !bytes.Contains(f.Request.Body.Bytes(), []byte(`"name":"u"`)) {
		t.Error("the body lost its non-secret members")
	}
}

func TestBinaryBody(t *testing.T) {
	raw := []byte{0xff, 0x00, 0x10}
	b := NewBody(raw)
	if b.Encoding != "base64" || !bytes.Equal(b.Bytes(), raw) {
		t.Fatalf("binary body %+v does not round-trip", b)
	}
}

func TestCurlReadsTheTokenFromTheEnvironment(t *testing.T) {
	ex := NewRedactor(testToken).Exchange(sampleExchange(t))
	c := Curl(ex.Request)
	if strings.Contains(c, testToken) || strings.Contains(c, "Authorization") || strings.Contains(c, "X-Sdk-Date") {
		t.Errorf("curl carries credentials or signature headers:\n%s", c)
	}
	if !strings.Contains(c, `-H "X-Auth-Token: $FGH_TOKEN"`) || !strings.Contains(c, "--data-binary '") || !strings.Contains(c, "-X POST 'http://127.0.0.1:9/v2/p1/fgs/functions") {
		t.Errorf("curl lacks the method, URL, body or token:\n%s", c)
	}
}
