package contract_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/fghtest"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/loopback"
	"github.com/fgharness/fgharness/suites/framework"
)

// Ginkgo runs one suite per process, so every contract run here is an
// `fgh contract` subprocess of the binary fghtest builds once.
func TestMain(m *testing.M) { fghtest.Main(m) }

// fghRun runs the fgh binary with args and returns its exit code and output.
func fghRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	return fghtest.Output(t, fghtest.Command(t, args...), 3*time.Minute)
}

// contractRun is what one `fgh contract` subprocess left behind.
type contractRun struct {
	dir    string // --out
	code   int
	output string
	specs  []types.SpecReport // the It nodes of ginkgo.json
}

// failed are the specs that failed.
func (r contractRun) failed() []types.SpecReport {
	var out []types.SpecReport
	for _, s := range r.specs {
		if s.State.Is(types.SpecStateFailureStates) {
			out = append(out, s)
		}
	}
	return out
}

// failures are the failure messages of the failed specs.
func (r contractRun) failures() []string {
	var out []string
	for _, s := range r.failed() {
		out = append(out, s.LeafNodeText+": "+s.Failure.Message)
	}
	return out
}

func (r contractRun) ran() int {
	n := 0
	for _, s := range r.specs {
		if s.State != types.SpecStateSkipped && s.State != types.SpecStatePending {
			n++
		}
	}
	return n
}

// runContract runs `fgh contract` with args and --out in a fresh directory
// and reads the specs' outcomes from the Ginkgo JSON report.
func runContract(t *testing.T, args ...string) contractRun {
	t.Helper()
	out := t.TempDir()
	code, output := fghRun(t, append([]string{"contract", "--out", out}, args...)...)
	if _, err := os.Stat(filepath.Join(out, framework.GinkgoJSONFile)); err != nil {
		t.Fatalf("fgh contract %s exited %d without a Ginkgo report: %v\n%s", strings.Join(args, " "), code, err, output)
	}
	return contractRun{dir: out, code: code, output: output, specs: fghtest.ItSpecs(t, out)}
}

func TestDefectsCoverEveryKindOfCheck(t *testing.T) {
	defects := framework.Defects()
	if len(defects) < 10 {
		t.Fatalf("%d defects; the suites must be proven against at least 10", len(defects))
	}
	kinds := map[string]bool{}
	for _, d := range defects {
		kinds[d.Kind] = true
		if d.LabelFilter == "" || d.Mentions == "" {
			t.Errorf("defect %s: needs a label filter and a string its failure mentions", d.Name)
		}
	}
	for _, k := range []string{framework.CheckSchema, framework.CheckStatus, framework.CheckErrors, framework.CheckHeaders, framework.CheckBehaviour} {
		if !kinds[k] {
			t.Errorf("no defect breaks the %s check", k)
		}
	}
}

// TestSuitesCatchEveryDefect runs the specs that should catch each defect
// against an emulator with that defect: at least one must fail, and one
// failure message must name the field, header or behaviour at fault.
func TestSuitesCatchEveryDefect(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites once per defect")
	}
	fghtest.Binary(t)
	slots := make(chan struct{}, 2) // the machine has two cores
	for _, d := range framework.Defects() {
		if d.CaughtBy != "" {
			continue // proven where the engine that catches it is tested
		}
		t.Run(d.Name, func(t *testing.T) {
			t.Parallel()
			slots <- struct{}{}
			defer func() { <-slots }()
			r := runContract(t, "--test-defect", d.Name, "--label-filter", d.LabelFilter, "--extension-port", "0")
			if r.ran() == 0 {
				t.Fatalf("defect %s: no spec matches --label-filter %q, so nothing can catch %s", d.Name, d.LabelFilter, d.Description)
			}
			if r.code != 1 {
				t.Fatalf("defect %s (%s): fgh contract exited %d, want 1 (a contract failure)\n%s", d.Name, d.Description, r.code, r.output)
			}
			r.checkEvidence(t)
			fails := r.failures()
			for _, msg := range fails {
				if strings.Contains(msg, d.Mentions) {
					return
				}
			}
			t.Errorf("defect %s (%s): %d specs failed, but no failure message mentions %q:\n%s",
				d.Name, d.Description, len(fails), d.Mentions, strings.Join(fails, "\n---\n"))
		})
	}
}

// TestSuitesPassWithoutDefect is the other half of the proof: the same
// specs pass against the emulator as it is.
func TestSuitesPassWithoutDefect(t *testing.T) {
	r := runContract(t, "--extension-port", "0")
	if r.code != 0 || len(r.failures()) > 0 {
		t.Fatalf("fgh contract against the built-in emulator exited %d; failures:\n%s\n%s", r.code, strings.Join(r.failures(), "\n---\n"), r.output)
	}
	if r.ran() == 0 {
		t.Fatal("no spec ran")
	}
}

// TestContractRunTwiceAgainstOneEmulator runs the whole contract twice
// against one already running emulator: what the first run leaves behind
// (names, registrations, ports) must not break the second.
func TestContractRunTwiceAgainstOneEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites twice")
	}
	base := freePortRange(t, fgs.MaxExtensions)
	cfg := emulator.DefaultConfig()
	cfg.ExtensionPortMin, cfg.ExtensionPortMax = base, base+fgs.MaxExtensions-1
	em, err := emulator.StartLocal(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := em.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	args := []string{"--target", em.URL, "--project-id", cfg.ProjectID, "--region", cfg.Region,
		"--token", cfg.Token, "--extension-port", strconv.Itoa(base)}
	for run := 1; run <= 2; run++ {
		r := runContract(t, args...)
		if r.code != 0 || len(r.failures()) > 0 {
			t.Fatalf("run %d against %s exited %d; failures:\n%s\n%s", run, em.URL, r.code, strings.Join(r.failures(), "\n---\n"), r.output)
		}
		for _, s := range r.specs {
			if s.State == types.SpecStateSkipped && strings.Contains(s.FullText(), "Extension API") {
				t.Fatalf("run %d: %q skipped (%s); an fgh emulator serves the Extension API", run, s.FullText(), s.Failure.Message)
			}
		}
	}
}

// freePortRange finds n consecutive free loopback ports for the extension servers.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	base, err := loopback.FreeRange(n)
	if err != nil {
		t.Fatal(err)
	}
	return base
}
