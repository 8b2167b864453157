package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/suites/contract"
)

// TestContractFuzzPrintsAndRecordsTheSeed: a small --fuzz run against the
// built-in emulator passes, prints its seed and writes it to both reports.
func TestContractFuzzPrintsAndRecordsTheSeed(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	runFGHProcess(t, nil, "contract", "--fuzz", "--seed", "31", "--fuzz-budget", "3", "--out", out).
		expect(t, 0, "fuzz seed 31", "0 failures", contract.FuzzReportFile)
	run, err := evidence.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	if run.Seed == nil || *run.Seed != 31 || len(run.Failures) != 0 {
		t.Errorf("failures.json: seed %v, %d failures; want seed 31 and none", run.Seed, len(run.Failures))
	}
	md, err := os.ReadFile(filepath.Join(out, contract.FuzzReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "--seed 31") {
		t.Errorf("%s does not give the seed:\n%s", contract.FuzzReportFile, md)
	}
}

// TestContractFuzzExit1OnADefect: a defect the fuzzer finds fails the run
// with exit status 1 and names the broken rule.
func TestContractFuzzExit1OnADefect(t *testing.T) {
	t.Parallel()
	runFGHProcess(t, nil, "contract", "--fuzz", "--test-defect", "description-non-ascii-500", "--seed", "7", "--fuzz-budget", "3", "--out", t.TempDir()).
		expect(t, exitFailed, "an answer is never a 5xx", "break the contract")
}
