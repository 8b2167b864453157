package contract

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/fuzz"
)

// --fuzz runs the stateful sequences after the generated requests: a
// sequence defect fails the run, and fuzz.md and failures.json carry it.
func TestFuzzRunsTheSequences(t *testing.T) {
	dir := t.TempDir()
	fo := fuzz.DefaultOptions()
	fo.Seed, fo.Budget = 3, fuzz.Budget{Cases: 1}
	res, err := Run(context.Background(), Options{
		Config: framework.Config{Launch: launch.Contract, Defect: "deleted-alias-listed", OutDir: dir},
		Fuzz:   true, FuzzOptions: fo,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fuzzing %s, whole run %s", res.Fuzz.Duration, res.Duration)
	if res.Sequences == nil || res.Sequences.Failure == nil {
		t.Fatalf("the sequences did not run or did not catch the defect: %+v", res.Sequences)
	}
	if res.Passed {
		t.Error("a run whose sequences failed passed")
	}
	report, err := os.ReadFile(filepath.Join(dir, FuzzReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "## Stateful sequences") || !strings.Contains(string(report), res.Sequences.Failure.ID) {
		t.Errorf("fuzz.md does not report the sequence failure %s:\n%s", res.Sequences.Failure.ID, report)
	}
	failures, err := os.ReadFile(filepath.Join(dir, framework.FailuresFile))
	if err != nil || !strings.Contains(string(failures), res.Sequences.Failure.ID) {
		t.Errorf("failures.json lacks %s (%v)", res.Sequences.Failure.ID, err)
	}
}
