package reports

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
)

func conformanceWithFailure(auth string) *Conformance {
	seed := int64(42)
	return &Conformance{
		Target: "http://127.0.0.1:8000", Auth: auth, Seed: &seed,
		Checks: []ConformanceCheck{{Operation: fgs.OpCreateFunction, Check: CheckStatus, Result: ResultFail, Reason: "timeout 0 accepted", FailureIDs: []string{"fdeadbeef"}}},
		Failures: []evidence.Failure{{
			ID: "fdeadbeef", Operation: fgs.OpCreateFunction, Check: CheckStatus, Rule: "an invalid request is answered 4xx",
			Violation: evidence.Violation{Status: 200, Location: "status", Expected: "4xx", Actual: "200"},
			Request: evidence.Request{Method: "POST", URL: "http://127.0.0.1:8000/v2/p/fgs/functions",
				Header: http.Header{"X-Auth-Token": {evidence.Redacted}, "Content-Type": {"application/json"}},
				Body:   evidence.NewBody([]byte(`{"timeout":0,"description":"<b>"}`))},
			Response: &evidence.Response{Status: 200, Body: evidence.NewBody([]byte(`{"func_urn":"u"}`))},
			Expect:   evidence.Expect{Status: []string{"4xx"}}, Seed: &seed, Shrunk: true,
		}},
	}
}

func TestConformanceReportsShowRequestAnswerAndRule(t *testing.T) {
	var md bytes.Buffer
	if err := RenderConformanceMarkdown(&md, conformanceWithFailure("token")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[fdeadbeef](#fdeadbeef)", "#### `fdeadbeef` createFunction · status", "an invalid request is answered 4xx",
		"response 200: status: expected 4xx, got 200", "POST http://127.0.0.1:8000/v2/p/fgs/functions", `{"timeout":0`, "200 OK",
		"seed 42, shrunk to a minimal case", "fgh contract replay DIR fdeadbeef", `-H "X-Auth-Token: $FGH_TOKEN"`} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	var page bytes.Buffer
	if err := RenderConformanceHTML(&page, conformanceWithFailure("ak/sk")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="fdeadbeef"`, `href="#fdeadbeef"`, "POST http://127.0.0.1:8000/v2/p/fgs/functions", "&lt;b&gt;", "200 OK", "an invalid request is answered 4xx"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(page.String(), "curl") {
		t.Error("an AK/SK run shows a curl command; it cannot carry a signature")
	}
	if strings.Contains(page.String(), "{timeout") || strings.Contains(page.String(), "evidence.Failure") {
		t.Error("the page dumps Go structs")
	}
}

func TestClipFailuresKeepsReportsSmall(t *testing.T) {
	c := conformanceWithFailure("token")
	c.Failures[0].Request.Body = evidence.NewBody(bytes.Repeat([]byte("é"), 5000))
	c.Failures[0].Steps = []evidence.Exchange{{ID: "x1"}}
	clipped := ClipFailures(c.Failures, 1000)[0]
	if n := len(clipped.Request.Body.Text); n > 1000 || clipped.Request.Body.Clipped != 10000 || clipped.Request.Body.Len() != 10000 || clipped.Steps != nil {
		t.Errorf("clipped body %d bytes (clipped %d), steps %v", n, clipped.Request.Body.Clipped, clipped.Steps)
	}
	if !strings.Contains(requestText(clipped.Request), "10000 bytes in all") {
		t.Error("the request text does not say the body was clipped")
	}
	if evidence.Curl(clipped.Request) != "" {
		t.Error("a curl command was made from a clipped body")
	}
	if len(c.Failures[0].Request.Body.Text) != 10000 {
		t.Error("ClipFailures changed its input")
	}
}
