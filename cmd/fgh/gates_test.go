package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/framework"
)

// acceptCreate201 accepts the create-201 defect: createFunction answering
// 201, until expires.
func acceptCreate201(t *testing.T, expires string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accept.yaml")
	body := `# vendor X answers 201 to createFunction
accept:
  - operation: createFunction
    check: status
    match:
      location: status
      status: 201
    reason: vendor X answers 201 Created
    link: https://tracker.example/FG-1
    expires: ` + expires + `
  - operation: deleteFunction
    check: schema
    match: {location: "body /*"}
    reason: matches nothing in this run
    expires: 2099-12-31
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestContractAcceptFileTurnsAKnownDeviationIntoAPass(t *testing.T) {
	t.Parallel()
	args := []string{"contract", "--test-defect", "create-201", "--label-filter", "op:createFunction"}

	out := t.TempDir()
	runFGHProcess(t, nil, append(args, "--out", out, "--accept", acceptCreate201(t, "2099-12-31"))...).
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
	runFGHProcess(t, nil, append(args, "--out", expired, "--accept", acceptCreate201(t, "2020-01-01"))...).
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
