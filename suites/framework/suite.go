package framework

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
)

// registered makes RegisterSuiteNodes idempotent: a test binary holds one suite.
var registered sync.Once

// RegisterSuiteNodes adds the framework's suite-level nodes (setup from
// FGH_* variables unless the caller of RunSpecs set up already, read-only
// skips, violation checks and the reports) to the Ginkgo tree. Call it
// before RunSpecs, once per test binary: from each suite's Test function
// and from fgh contract, so `go test`, `ginkgo -r` and `fgh contract` share
// one bootstrap. launch starts the endpoint when FGH_TARGET is empty.
// Importing this package registers nothing.
func RegisterSuiteNodes(launch Launcher) {
	registered.Do(func() { registerSuiteNodes(launch) })
}

func registerSuiteNodes(launch Launcher) {
	BeforeSuite(func(ctx SpecContext) { setupFromEnv(ctx, launch) }, NodeTimeout(60e9))
	BeforeEach(abortWhenTargetLost)
	BeforeEach(skipReadOnly)
	AfterEach(failOnUnclaimedViolations)
	ReportAfterEach(recordFailureEvidence)
	ReportAfterSuite("fgh contract reports", writeSuiteReports)
}

func setupFromEnv(ctx SpecContext, launch Launcher) {
	currentMu.Lock()
	f := current
	currentMu.Unlock()
	if f != nil {
		return // set up by the caller of RunSpecs (fgh contract)
	}
	cfg, err := ConfigFromEnv()
	if err != nil {
		Fail(err.Error())
	}
	cfg.Launch = launch
	f, err = Setup(ctx, cfg)
	if err != nil {
		Fail("contract run setup: " + err.Error())
	}
	DeferCleanup(f.WatchInterrupts())
	DeferCleanup(func(ctx SpecContext) {
		if err := f.Close(ctx); err != nil {
			Fail("stop the in-process emulator: " + err.Error())
		}
	}, NodeTimeout(30e9))
}

// abortWhenTargetLost ends the run once the target stopped answering: the
// remaining specs would only wait out their timeouts.
func abortWhenTargetLost() {
	if lost := Current().TargetLost(); lost != nil {
		AbortSuite(lost.Error())
	}
}

func skipReadOnly() {
	f := Current()
	f.Transport.TakeUnclaimed()
	if f.Config.ReadOnly && slices.Contains(CurrentSpecReport().Labels(), LabelDestructive) {
		Skip("read-only run: this spec creates, changes or deletes resources")
	}
}

func failOnUnclaimedViolations() {
	if vs := Current().Transport.TakeUnclaimed(); len(vs) > 0 {
		Fail("requests sent by this spec violated the spec:\n" + spec.Violations(vs))
	}
}

// recordFailureEvidence runs after each spec, failed or not, so that each
// spec's exchanges are its own (including its BeforeAll and cleanup).
func recordFailureEvidence(sr types.SpecReport) {
	currentMu.Lock()
	f := current
	currentMu.Unlock()
	if f == nil {
		return
	}
	f.recordSpecFailures(sr, f.Transport.TakeExchanges())
}

// ErrEmptySelection is the failure of a run whose label filter selects no spec.
var ErrEmptySelection = errors.New("the label filter selects no spec")

// lastRun is what the report node computed, for the caller of RunSpecs.
var lastRun struct {
	sync.Mutex
	conformance *reports.Conformance
	report      types.Report
	err         error
}

func writeSuiteReports(r types.Report) {
	currentMu.Lock()
	f := current
	currentMu.Unlock()
	lastRun.Lock()
	lastRun.report = r
	lastRun.Unlock()
	if f == nil {
		return // setup failed; nothing ran against a target
	}
	if r.PreRunStats.SpecsThatWillRun == 0 {
		// A mistake in the filter, not a passed run: failing here keeps
		// Ginkgo from printing SUCCESS (the caller explains, with the labels).
		Fail(ErrEmptySelection.Error())
	}
	c, err := f.WriteReports(f.Config.OutDir, r)
	lastRun.Lock()
	lastRun.conformance, lastRun.err = c, err
	lastRun.Unlock()
	if err != nil {
		Fail(fmt.Sprintf("write reports to %s: %v", f.Config.OutDir, err))
	}
}

// LastConformance returns the summary the last suite run produced, and
// the error writing its reports, if any.
func LastConformance() (*reports.Conformance, error) {
	lastRun.Lock()
	defer lastRun.Unlock()
	return lastRun.conformance, lastRun.err
}

// LastReport is the Ginkgo report of the last suite run in this process.
func LastReport() types.Report {
	lastRun.Lock()
	defer lastRun.Unlock()
	return lastRun.report
}

// ReadItSpecs are the It nodes of the Ginkgo JSON report (GinkgoJSONFile)
// a run wrote into dir: the specs as a reader of a finished run counts them,
// without the suite-level nodes.
func ReadItSpecs(dir string) ([]types.SpecReport, error) {
	path := filepath.Join(dir, GinkgoJSONFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var runs []types.Report
	if err := json.Unmarshal(data, &runs); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out []types.SpecReport
	for _, run := range runs {
		for _, sr := range run.SpecReports {
			if sr.LeafNodeType == types.NodeTypeIt {
				out = append(out, sr)
			}
		}
	}
	return out, nil
}
