package framework

import (
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/reports"
)

// Failures of generated inputs and sequences reach the accept file through
// the shared recorder, the same way the suites' do.
func TestAcceptFailuresJudgesEveryRecordedFailureOnce(t *testing.T) {
	acc, err := reports.ParseAcceptances("accept.yaml", []byte(`accept:
  - operation: createFunction
    check: status
    match: {message: "body /timeout: below minimum"}
    reason: vendor X clamps timeout 0
    expires: 2030-01-31
  - operation: deleteFunctionAlias
    check: behaviour
    match: {location: behaviour}
    reason: alias deletion is eventual
    expires: 2020-01-01
`))
	if err != nil {
		t.Fatal(err)
	}
	acc.Now = time.Date(2030, 1, 31, 12, 0, 0, 0, time.UTC)
	f := &Framework{Accept: acc, Evidence: evidence.NewRecorder(evidence.Run{Target: "http://127.0.0.1:1"})}
	fuzzed := f.Evidence.Fail(evidence.Failure{Operation: "createFunction", Check: reports.CheckStatus, Source: "fuzz",
		Rule:      "an invalid request is refused with a documented 4xx",
		Violation: evidence.Violation{Status: 200, Location: "status", Expected: "4xx", Actual: "200", Message: "an invalid request (body /timeout: below minimum 3)"}})
	if n := f.AcceptFailures(); n != 0 {
		t.Fatalf("%d unaccepted after the fuzz failure, want 0", n)
	}
	sequenced := f.Evidence.Fail(evidence.Failure{Operation: "deleteFunctionAlias", Check: reports.CheckBehaviour, Source: "sequence",
		Rule: "a deleted alias is gone from the list", Violation: evidence.Violation{Status: 200, Location: "behaviour", Message: "still listed"}})
	other := f.Evidence.Fail(evidence.Failure{Operation: "createFunction", Check: reports.CheckStatus, Source: "fuzz",
		Rule: "an answer is never a 5xx", Violation: evidence.Violation{Status: 500, Location: "status", Actual: "500"}})
	if n := f.AcceptFailures(); n != 2 {
		t.Fatalf("%d unaccepted, want 2 (the expired entry's and the unmatched one)", n)
	}
	if n := f.AcceptFailures(); n != 2 {
		t.Fatalf("judging again changed the count to %d", n)
	}
	got := map[string]string{}
	for _, fl := range f.Evidence.Failures() {
		got[fl.ID] = fl.Accepted
	}
	if got[fuzzed] == "" || got[sequenced] != "" || got[other] != "" {
		t.Errorf("accepted notes in the evidence: %v", got)
	}
	fs := []evidence.Failure{{ID: fuzzed}, {ID: other}}
	f.MarkAccepted(fs)
	if fs[0].Accepted == "" || fs[1].Accepted != "" {
		t.Errorf("MarkAccepted: %+v", fs)
	}
	outcomes := f.AcceptanceSummary().Acceptances
	if outcomes[0].State != reports.AcceptApplied || len(outcomes[0].FailureIDs) != 1 || outcomes[1].State != reports.AcceptExpired {
		t.Errorf("outcomes %+v", outcomes)
	}
}
