package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/fghtest"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/framework"
)

func TestContractAcceptFileTurnsAKnownDeviationIntoAPass(t *testing.T) {
	t.Parallel()
	args := []string{"contract", "--test-defect", "create-201", "--label-filter", "op:createFunction"}

	out := t.TempDir()
	runFGHProcess(t, nil, append(args, "--out", out, "--accept", fghtest.AcceptCreate201(t, "2099-12-31"))...).
		expect(t, 0, "accepted", "vendor X answers 201 Created", "accept.yaml:11 (deleteFunction schema) is stale")
	c, err := reports.ReadConformance(out)
	if err != nil {
		t.Fatal(err)
	}
	if c.Failed() || c.AcceptedCount() == 0 || len(c.Acceptances) != 2 || c.Acceptances[0].State != reports.AcceptApplied || c.Acceptances[1].State != reports.AcceptStale {
		t.Errorf("conformance.json: %s, acceptances %+v", c.CountsLine(), c.Acceptances)
	}
	for _, name := range []string{framework.JUnitFile, framework.ConformanceMDFile, framework.ConformanceHTMLFile, framework.FailuresFile} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !strings.Contains(string(data), "vendor X answers 201 Created") {
			t.Errorf("%s does not show the accepted deviation (%v)", name, err)
		}
	}
	if junit, _ := os.ReadFile(filepath.Join(out, framework.JUnitFile)); strings.Contains(string(junit), "<failure") {
		t.Error("junit.xml still reports a failure for the accepted deviation")
	}

	expired := t.TempDir()
	runFGHProcess(t, nil, append(args, "--out", expired, "--accept", fghtest.AcceptCreate201(t, "2020-01-01"))...).
		expect(t, exitFailed, "expired on 2020-01-01", "fail again", "broke the contract")
	c, err = reports.ReadConformance(expired)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Failed() || c.AcceptedCount() != 0 || c.Acceptances[0].State != reports.AcceptExpired {
		t.Errorf("expired entry: %s, acceptances %+v", c.CountsLine(), c.Acceptances)
	}
}

func TestContractAcceptFileErrorsAreUsageErrors(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "accept.yaml")
	if err := os.WriteFile(bad, []byte("accept:\n  - operation: createFunction\n    check: status\n    match: {status: 201}\n    reason: r\n    expires: soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runFGHProcess(t, nil, "contract", "--accept", bad, "--out", t.TempDir()).
		expect(t, exitUsage, "accept.yaml:6", "expires")
	runFGHProcess(t, nil, "contract", "--accept", filepath.Join(t.TempDir(), "missing.yaml"), "--out", t.TempDir()).
		expect(t, exitUsage, "missing.yaml")
}

func TestContractFailOnUnexercised(t *testing.T) {
	t.Parallel()
	args := []string{"contract", "--label-filter", "op:listFunctions"}
	runFGHProcess(t, nil, append(args, "--out", t.TempDir())...).expect(t, 0, "0 failed")
	runFGHProcess(t, nil, append(args, "--out", t.TempDir(), "--fail-on-unexercised")...).
		expect(t, exitFailed, "not exercised (--fail-on-unexercised): listFunctions 500", "never observed")

	waive := filepath.Join(t.TempDir(), "accept.yaml")
	if err := os.WriteFile(waive, []byte(`accept:
  - operation: "*"
    check: unexercised
    match: {status: 500}
    reason: a well-formed request cannot provoke a 500
    expires: 2099-12-31
  - operation: listFunctions
    check: unexercised
    match: {status: 404}
    reason: the list has no unknown resource to ask for
    expires: 2099-12-31
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	runFGHProcess(t, nil, append(args, "--out", out, "--fail-on-unexercised", "--accept", waive)...).expect(t, 0, "0 failed")
	c, err := reports.ReadConformance(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range c.Unexercised() {
		if g.Accepted == "" {
			t.Errorf("%s %s not waived in conformance.json", g.Operation, g.Status)
		}
	}
}

func TestReportCompatScoreAndScoreTrend(t *testing.T) {
	out, code := runReportCmd(t, "report", "compat", filepath.Join(reportTestdata, "conformance", "emulator.json"), filepath.Join(reportTestdata, "conformance", "vendor-x.json"))
	if code != 0 || !strings.Contains(out, "| **score** |  | **100.0%** | **66.7%** |") {
		t.Errorf("compat: exit %d\n%s", code, out)
	}

	// Eight nights at 100%, then eight with one of four cells failing.
	var runs []string
	for night := 1; night <= 16; night++ {
		c := &reports.Conformance{Target: "http://127.0.0.1:1", StartedAt: time.Date(2026, 11, night, 3, 0, 0, 0, time.UTC)}
		for i, op := range []string{fgs.OpCreateFunction, fgs.OpListFunctions, fgs.OpDeleteFunction, fgs.OpInvokeFunction} {
			result := reports.ResultPass
			if night > 8 && i == 0 {
				result = reports.ResultFail
			}
			c.Checks = append(c.Checks, reports.ConformanceCheck{Operation: op, Check: reports.CheckStatus, Result: result})
		}
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("night-%02d", night))
		if err := reports.WriteConformance(dir, c); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, dir)
	}
	html := filepath.Join(t.TempDir(), "score.html")
	out, code = runReportCmd(t, append([]string{"report", "trend", "--metric", "conformance.score", "--html", html, "--fail-on-worse"}, runs...)...)
	if code != exitFailed || !strings.Contains(out, "conformance.score over 16 runs: 1 change point(s)") || !strings.Contains(out, "worsened at run 9") {
		t.Errorf("score trend: exit %d\n%s", code, out)
	}
	if page, err := os.ReadFile(html); err != nil || !strings.Contains(string(page), "75.00%") {
		t.Errorf("trend page lacks the scores (%v)", err)
	}
	out, code = runReportCmd(t, "report", "trend", "--metric", "conformance.score", runs[0], filepath.Join(t.TempDir(), "missing"))
	if code != exitUsage {
		t.Errorf("a missing summary: exit %d, want %d\n%s", code, exitUsage, out)
	}
}
