package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/fghtest"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/framework"
)

var reportFiles = []string{framework.JUnitFile, framework.GinkgoJSONFile, framework.ConformanceJSON, framework.ConformanceMDFile}

func TestContractPassesAgainstTheBuiltInEmulator(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	runFGHProcess(t, nil, "contract", "--label-filter", "extension", "--extension-port", "0", "--out", out).
		expect(t, 0, "conformance:", "0 failed")
	for _, name := range reportFiles {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() == 0 {
			t.Errorf("report %s not written: %v", name, err)
		}
	}
	c, err := reports.ReadConformance(filepath.Join(out, framework.ConformanceJSON))
	if err != nil {
		t.Fatal(err)
	}
	if pass, fail, _ := c.Counts(); pass == 0 || fail != 0 {
		t.Errorf("conformance summary: %d passed, %d failed; want only passes", pass, fail)
	}
}

func TestContractFailsWithExit1WhenTheEndpointBreaksTheContract(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	runFGHProcess(t, nil, "contract", "--test-defect", "create-201", "--label-filter", "functions", "--out", out).
		expect(t, exitFailed, "broke the contract", "201")
	c, err := reports.ReadConformance(filepath.Join(out, framework.ConformanceJSON))
	if err != nil {
		t.Fatal(err)
	}
	if _, fail, _ := c.Counts(); fail == 0 {
		t.Error("conformance summary records no failed check")
	}
}

func TestContractUsageAndConnectionErrorsExit2(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		name     string
		args     []string
		mentions []string
	}{
		{"unreachable target", []string{"--target", closed, "--project-id", "p1", "--token", "t0ken-value"}, []string{"cannot connect", "--target"}},
		{"bad label filter", []string{"--label-filter", "invocation &&"}, []string{"--label-filter"}},
		{"unknown flag", []string{"--no-such-flag"}, []string{"unknown flag"}},
		{"credentials without target", []string{"--token", "t0ken-value"}, []string{"--target"}},
		{"unknown test defect", []string{"--test-defect", "no-such-defect"}, []string{"no-such-defect", "create-201"}},
		{"target without credentials", []string{"--target", closed, "--project-id", "p1"}, []string{"--token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runFGHProcess(t, nil, append([]string{"contract", "--out", t.TempDir()}, tc.args...)...)
			r.expect(t, exitUsage, tc.mentions...)
			if strings.Contains(r.output, "t0ken-value") {
				t.Errorf("the token reached the output:\n%s", r.output)
			}
		})
	}
}

// TestContractKeepsTheTokenOutOfOutputAndReports runs against an emulator
// whose token the run is given, and looks for it everywhere the run wrote.
func TestContractKeepsTheTokenOutOfOutputAndReports(t *testing.T) {
	t.Parallel()
	cfg := emulator.DefaultConfig()
	cfg.Token = "fgh-test-secret-token-3f9a1c"
	em, err := emulator.StartLocal(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close(context.Background())
	out := t.TempDir()
	r := runFGHProcess(t, nil, "contract", "--target", em.URL, "--project-id", cfg.ProjectID, "--token", cfg.Token,
		"--label-filter", "invocation", "--out", out, "--verbose")
	r.expect(t, 0, "0 failed")
	if strings.Contains(r.output, cfg.Token) {
		t.Errorf("the token reached the output")
	}
	for _, name := range reportFiles {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), cfg.Token) {
			t.Errorf("the token reached %s", name)
		}
	}
}

// TestContractFlagsFromEnvironment sets --label-filter and --out only
// through FGH_* variables and checks the run honoured both.
func TestContractFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	runFGHProcess(t, []string{"FGH_LABEL_FILTER=extension && negative", "FGH_OUT=" + out, "FGH_EXTENSION_BASE_PORT=0"}, "contract").
		expect(t, 0, out)
	specs := fghtest.RanSpecs(t, out)
	if len(specs) == 0 {
		t.Fatal("no spec ran")
	}
	for _, s := range specs {
		labels := strings.Join(s.Labels(), ",")
		if !strings.Contains(labels, framework.LabelExtension) || !strings.Contains(labels, framework.LabelNegative) {
			t.Errorf("spec %q [%s] ran despite FGH_LABEL_FILTER", s.FullText(), labels)
		}
	}
	runFGHProcess(t, []string{"FGH_LABEL_FILTER=((", "FGH_OUT=" + t.TempDir()}, "contract").expect(t, exitUsage, "--label-filter")
}

// TestContractSkipsExtensionSpecsWithoutAnExtensionAPI puts the emulator
// behind a proxy that hides its admin API, as a cloud endpoint would: the
// extension specs skip and the summary says why.
func TestContractSkipsExtensionSpecsWithoutAnExtensionAPI(t *testing.T) {
	t.Parallel()
	cloud, cfg := frontedEmulator(t, func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, emulator.AdminPrefix) {
			http.NotFound(w, r)
			return true
		}
		return false
	})
	out := t.TempDir()
	runFGHProcess(t, nil, "contract", "--target", cloud.URL, "--project-id", cfg.ProjectID, "--token", cfg.Token,
		"--label-filter", "extension", "--out", out).expect(t, 0)
	c, err := reports.ReadConformance(filepath.Join(out, framework.ConformanceJSON))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, row := range c.Checks {
		if row.Operation != fgs.OpRegisterExtension {
			continue
		}
		found = true
		if row.Result != reports.ResultSkipped || !strings.Contains(row.Reason, "--extension-api") {
			t.Errorf("registerExtension %s: %s (%q), want skipped with a reason naming --extension-api", row.Check, row.Result, row.Reason)
		}
	}
	if !found {
		t.Error("the conformance summary has no registerExtension row")
	}
}
