package framework

import (
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
)

func leaf(text string, state types.SpecState, failure string, labels ...string) types.SpecReport {
	return types.SpecReport{
		LeafNodeType: types.NodeTypeIt, LeafNodeText: text, LeafNodeLabels: labels,
		State: state, Failure: types.Failure{Message: failure},
	}
}

func coverageOf(t *testing.T, c *reports.Conformance, op string) reports.OperationCoverage {
	t.Helper()
	for _, oc := range c.Coverage.Operations {
		if oc.Operation == op {
			return oc
		}
	}
	t.Fatalf("no coverage row for %s", op)
	return reports.OperationCoverage{}
}

func reasonFor(oc reports.OperationCoverage, status string) string {
	for _, r := range oc.NotExercised {
		if r.Status == status {
			return r.Reason
		}
	}
	return ""
}

// TestCoverageReasons checks where the summary takes the reason for each
// documented status nothing exercised.
func TestCoverageReasons(t *testing.T) {
	f := &Framework{Spec: spec.MustLoad(), coverage: newCoverage()}
	f.coverage.observe(Exchange{Operation: "showFunctionConfig", Status: 200})
	f.coverage.observe(Exchange{Operation: "showFunctionConfig", Status: 404})
	CannotProvoke("showFunctionConfig", 400, "no constrained parameter")

	judged := append(Judges("showFunctionConfig", CheckStatus), Provokes("showFunctionConfig", 401)...)
	r := types.Report{SpecReports: types.SpecReports{
		leaf("401 skipped", types.SpecStateSkipped, "read-only run: this spec creates things", judged...),
		leaf("403 failed", types.SpecStateFailed, "status: expected 403, got 200\nmore detail",
			append(Judges("showFunctionConfig", CheckStatus), Provokes("showFunctionConfig", 403)...)...),
	}}
	c := f.BuildConformance(r)
	oc := coverageOf(t, c, "showFunctionConfig")

	if !oc.Exercised || !slices.Equal(oc.ExercisedStatuses, []string{"200", "404"}) {
		t.Errorf("exercised: got %v %v, want 200 and 404", oc.Exercised, oc.ExercisedStatuses)
	}
	for status, want := range map[string]string{
		"401": "did not run (401 skipped): read-only run",
		"403": "failed (403 failed): status: expected 403, got 200",
		"400": "no constrained parameter",
		"500": unprovokable[500],
	} {
		got := reasonFor(oc, status)
		if !strings.Contains(got, want) {
			t.Errorf("status %s: reason %q, want it to contain %q", status, got, want)
		}
		if strings.Contains(got, "more detail") {
			t.Errorf("status %s: reason %q carries more than the failure's first line", status, got)
		}
	}
	for _, s := range []string{"200", "404"} {
		if r := reasonFor(oc, s); r != "" {
			t.Errorf("status %s was exercised but is listed as not exercised: %s", s, r)
		}
	}
	if n := len(c.Checks); n != 1 || c.Checks[0].Result != reports.ResultFail {
		t.Errorf("checks: got %+v, want one failed status check", c.Checks)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the summary does not validate: %v", err)
	}
}

// TestEveryUnseenStatusHasAReason checks that with nothing run each
// documented status of each operation still gets a reason.
func TestEveryUnseenStatusHasAReason(t *testing.T) {
	f := &Framework{Spec: spec.MustLoad(), coverage: newCoverage()}
	c := f.BuildConformance(types.Report{})
	for _, oc := range c.Coverage.Operations {
		if oc.Exercised || len(oc.NotExercised) != len(oc.DocumentedStatuses) {
			t.Errorf("%s: %d of %d documented statuses listed as not exercised", oc.Operation, len(oc.NotExercised), len(oc.DocumentedStatuses))
		}
		for _, r := range oc.NotExercised {
			if r.Reason == "" {
				t.Errorf("%s %s: no reason", oc.Operation, r.Status)
			}
		}
	}
}
