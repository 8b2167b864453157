package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
)

func TestParseAcceptancesRefusesBadFilesWithLineAndField(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"empty", ``, "empty"},
		{"no list", "accept: {}\n", "x.yaml:1: accept must be a list"},
		{"unknown top field", "accept: []\nextra: 1\n", `x.yaml:2: unknown field "extra"`},
		{"unknown entry field", "accept:\n  - operation: a\n    checks: status\n", `x.yaml:3: unknown field "checks"`},
		{"missing reason", "accept:\n  - operation: a\n    check: status\n    match: {status: 201}\n    expires: 2030-01-01\n", `x.yaml:2: missing field "reason"`},
		{"missing match", "accept:\n  - operation: a\n    check: status\n    reason: r\n    expires: 2030-01-01\n", `x.yaml:2: missing field "match"`},
		{"empty match", "accept:\n  - operation: a\n    check: status\n    match: {}\n    reason: r\n    expires: 2030-01-01\n", "x.yaml:4: match needs at least one"},
		{"bad check", "accept:\n  - {operation: a, check: speed, match: {status: 201}, reason: r, expires: 2030-01-01}\n", `x.yaml:2: check "speed" is not one of`},
		{"bad date", "accept:\n  - operation: a\n    check: status\n    match: {status: 201}\n    reason: r\n    expires: 31.12.2030\n", `x.yaml:6: expires "31.12.2030" is not a date`},
		{"bad regexp", "accept:\n  - operation: a\n    check: status\n    match:\n      message: \"((\"\n    reason: r\n    expires: 2030-01-01\n", "x.yaml:5: match.message is not a regular expression"},
		{"bad status", "accept:\n  - operation: a\n    check: status\n    match: {status: 2000}\n    reason: r\n    expires: 2030-01-01\n", `x.yaml:4: match.status "2000" is not an HTTP status`},
		{"unexercised with location", "accept:\n  - operation: a\n    check: unexercised\n    match: {status: 500, location: status}\n    reason: r\n    expires: 2030-01-01\n", "x.yaml:4: an unexercised entry matches by status alone"},
		{"second entry", "accept:\n  - {operation: a, check: status, match: {status: 201}, reason: r, expires: 2030-01-01}\n  - {operation: a, check: status, match: {status: 201}, expires: 2030-01-01}\n", `x.yaml:3: missing field "reason" (entry 2)`},
		{"duplicate field", "accept:\n  - operation: a\n    operation: b\n", `x.yaml:3: field "operation" given twice`},
		{"not yaml", "accept: [\n", "x.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAcceptances("x.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

const acceptFixture = `accept:
  - operation: createFunction
    check: status
    match: {location: status, status: 201}
    reason: vendor X answers 201 on create
    link: https://tracker.example/1
    expires: 2030-06-30
  - operation: "*"
    check: schema
    match: {location: "body /request_*", message: "got number"}
    reason: request ids are numbers
    expires: 2030-06-30
  - operation: invokeFunction
    check: headers
    match: {id: fabcdef01}
    reason: no request id header
    expires: 2020-01-01
  - operation: deleteFunction
    check: behaviour
    match: {message: "still found"}
    reason: deletion is eventual
    expires: 2030-06-30
  - operation: "*"
    check: unexercised
    match: {status: 503}
    reason: cannot take the service down
    expires: 2030-06-30
`

func failure(id, op, check string, status int, location, actual string) evidence.Failure {
	return evidence.Failure{ID: id, Operation: op, Check: check, Rule: op + " answers as documented",
		Violation: evidence.Violation{Status: status, Location: location, Expected: "as documented", Actual: actual},
		Response:  &evidence.Response{Status: status}}
}

func TestAcceptancesJudgeFailures(t *testing.T) {
	a, err := ParseAcceptances("x.yaml", []byte(acceptFixture))
	if err != nil {
		t.Fatal(err)
	}
	a.Now = time.Date(2030, 6, 30, 23, 59, 0, 0, time.UTC) // the last day the entries hold
	for _, tc := range []struct {
		name              string
		f                 evidence.Failure
		accepted, expired bool
		note              string
	}{
		{"operation, check, location and status", failure("f1", fgs.OpCreateFunction, CheckStatus, 201, "status", "201"), true, false, "vendor X answers 201 on create (https://tracker.example/1); until 2030-06-30, accept file line 2"},
		{"another status", failure("f2", fgs.OpCreateFunction, CheckStatus, 202, "status", "202"), false, false, ""},
		{"another operation", failure("f3", fgs.OpUpdateFunctionCode, CheckStatus, 201, "status", "201"), false, false, ""},
		{"another check", failure("f4", fgs.OpCreateFunction, CheckSchema, 201, "status", "201"), false, false, ""},
		{"any operation, location prefix and message", failure("f5", fgs.OpInvokeFunction, CheckSchema, 200, "body /request_id", "got number"), true, false, "request ids are numbers"},
		{"message does not match", failure("f6", fgs.OpInvokeFunction, CheckSchema, 200, "body /request_id", "got string"), false, false, ""},
		{"location outside the prefix", failure("f7", fgs.OpInvokeFunction, CheckSchema, 200, "body /result", "got number"), false, false, ""},
		{"expired entry", failure("fabcdef01", fgs.OpInvokeFunction, CheckHeaders, 200, "header X-Cff-Request-Id", ""), false, true, "expired on 2020-01-01 (accept file line 13"},
		{"id of an expired entry on another failure", failure("fabcdef02", fgs.OpInvokeFunction, CheckHeaders, 200, "header X-Cff-Request-Id", ""), false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := a.JudgeFailure(tc.f)
			if v.Accepted != tc.accepted || v.Expired != tc.expired || !strings.Contains(v.Note, tc.note) {
				t.Errorf("verdict %+v, want accepted=%v expired=%v note containing %q", v, tc.accepted, tc.expired, tc.note)
			}
		})
	}
	if v := a.JudgeUnexercised(fgs.OpListFunctions, "503"); !v.Accepted {
		t.Errorf("503 of any operation not waived: %+v", v)
	}
	if v := a.JudgeUnexercised(fgs.OpListFunctions, "500"); v.Accepted || v.Expired {
		t.Errorf("500 waived by the 503 entry: %+v", v)
	}
	states := map[int]string{}
	for _, d := range a.Outcomes() {
		states[d.Line] = d.State
	}
	want := map[int]string{2: AcceptApplied, 8: AcceptApplied, 13: AcceptExpired, 18: AcceptStale, 23: AcceptApplied}
	for line, s := range want {
		if states[line] != s {
			t.Errorf("entry at line %d: state %q, want %q (all: %v)", line, states[line], s, states)
		}
	}
}

func TestAcceptanceHoldsThroughItsExpiryDay(t *testing.T) {
	a, err := ParseAcceptances("x.yaml", []byte(acceptFixture))
	if err != nil {
		t.Fatal(err)
	}
	e := a.Entries[0]
	for _, tc := range []struct {
		now     time.Time
		expired bool
	}{
		{time.Date(2030, 6, 30, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2030, 6, 30, 23, 59, 59, 0, time.UTC), false},
		{time.Date(2030, 7, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), true},
	} {
		if got := e.Expired(tc.now); got != tc.expired {
			t.Errorf("at %s: expired %v, want %v", tc.now, got, tc.expired)
		}
	}
}

func TestConformanceRendersAcceptedDeviations(t *testing.T) {
	a, err := ParseAcceptances("vendor-x.yaml", []byte(acceptFixture))
	if err != nil {
		t.Fatal(err)
	}
	a.Now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := conformanceWithFailure("token")
	c.Failures[0].Violation = evidence.Violation{Status: 201, Location: "status", Actual: "201"}
	c.Failures[0].Response.Status = 201
	v := a.JudgeFailure(c.Failures[0])
	if !v.Accepted {
		t.Fatalf("fixture failure not accepted: %+v", v)
	}
	c.Failures[0].Accepted = v.Note
	if v := a.JudgeFailure(failure("fabcdef01", fgs.OpInvokeFunction, CheckHeaders, 200, "header X-Cff-Request-Id", "")); !v.Expired {
		t.Fatalf("the expired entry did not match: %+v", v)
	}
	c.Checks[0].Result, c.Checks[0].Reason = ResultAccepted, "accepted deviation: "+v.Note
	c.AcceptFile, c.Acceptances = "vendor-x.yaml", a.Outcomes()
	if err := WriteConformance(t.TempDir(), c); err != nil {
		t.Fatal(err)
	}
	if c.Failed() || c.CountsLine() != "0 passed, 0 failed, 1 accepted, 0 skipped" {
		t.Errorf("counts: %s (failed %v)", c.CountsLine(), c.Failed())
	}
	var md, page, text bytes.Buffer
	if err := RenderConformanceMarkdown(&md, c); err != nil {
		t.Fatal(err)
	}
	if err := RenderConformanceHTML(&page, c); err != nil {
		t.Fatal(err)
	}
	if err := RenderAcceptanceText(&text, c); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"markdown": md.String(), "html": page.String(), "text": text.String()} {
		for _, want := range []string{"accepted", "vendor X answers 201 on create", "expired", "stale"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, out)
			}
		}
	}
	if !strings.Contains(md.String(), "1 accepted") || !strings.Contains(page.String(), "1 accepted") {
		t.Error("the verdict line does not count the accepted check")
	}
}

func TestUnexercisedListsGapsOfSelectedOperationsOnly(t *testing.T) {
	c := &Conformance{
		Checks: []ConformanceCheck{
			{Operation: fgs.OpListFunctions, Check: CheckStatus, Result: ResultPass},
			{Operation: fgs.OpCreateFunction, Check: CheckStatus, Result: ResultAccepted},
			{Operation: fgs.OpDeleteFunction, Check: CheckStatus, Result: ResultSkipped},
		},
		Coverage: Coverage{Operations: []OperationCoverage{
			{Operation: fgs.OpListFunctions, DocumentedStatuses: []string{"200", "400", "500"}, ExercisedStatuses: []string{"200"},
				NotExercised: []StatusReason{{Status: "400", Reason: "no bad query"}, {Status: "500", Reason: "cannot provoke", Accepted: "waived"}}},
			{Operation: fgs.OpCreateFunction, DocumentedStatuses: []string{"200"}, ExercisedStatuses: []string{"200"}},
			{Operation: fgs.OpDeleteFunction, DocumentedStatuses: []string{"204", "404"}},
		}},
	}
	got := c.Unexercised()
	want := []UnexercisedGap{
		{Operation: fgs.OpListFunctions, Status: "400", Reason: "no bad query"},
		{Operation: fgs.OpListFunctions, Status: "500", Reason: "cannot provoke", Accepted: "waived"},
	}
	if len(got) != len(want) {
		t.Fatalf("gaps %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("gap %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestAnnotateJudgesGapsAfresh: a summary annotated twice (the proxy
// rewrites its reports) lists each waived status once, and a status
// observed since the first no longer counts: its entry turns stale.
func TestAnnotateJudgesGapsAfresh(t *testing.T) {
	a, err := ParseAcceptances("x.yaml", []byte(`accept:
  - {operation: "*", check: unexercised, match: {status: 500}, reason: cannot provoke, expires: 2099-12-31}
`))
	if err != nil {
		t.Fatal(err)
	}
	a.Now = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	summary := func(exercised ...string) *Conformance {
		return &Conformance{
			Checks: []ConformanceCheck{{Operation: fgs.OpListFunctions, Check: CheckStatus, Result: ResultPass}},
			Coverage: Coverage{Operations: []OperationCoverage{
				{Operation: fgs.OpListFunctions, DocumentedStatuses: []string{"200", "500"}, ExercisedStatuses: exercised},
			}},
		}
	}
	for range 2 {
		c := summary("200")
		a.Annotate(c)
		if d := c.Acceptances[0]; d.State != AcceptApplied || len(d.Statuses) != 1 || len(c.UnwaivedGaps()) != 0 {
			t.Fatalf("entry %+v, gaps %+v: want the 500 waived once", d, c.UnwaivedGaps())
		}
	}
	c := summary("200", "500")
	a.Annotate(c)
	if d := c.Acceptances[0]; d.State != AcceptStale || len(d.Statuses) != 0 {
		t.Errorf("after the 500 was observed: entry %+v, want stale", d)
	}
}
