package framework

import (
	"fmt"
	"slices"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
)

// The nodes below are registered once per test binary, by whichever suite
// imports the framework, so `go test`, `ginkgo -r` and `fgh contract` share
// one bootstrap.

var _ = BeforeSuite(func(ctx SpecContext) {
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
	f, err = Setup(ctx, cfg)
	if err != nil {
		Fail("contract run setup: " + err.Error())
	}
	DeferCleanup(func(ctx SpecContext) {
		if err := f.Close(ctx); err != nil {
			Fail("stop the in-process emulator: " + err.Error())
		}
	}, NodeTimeout(30e9))
}, NodeTimeout(60e9))

var _ = BeforeEach(func() {
	f := Current()
	f.Transport.TakeUnclaimed()
	if f.Config.ReadOnly && slices.Contains(CurrentSpecReport().Labels(), LabelDestructive) {
		Skip("read-only run: this spec creates, changes or deletes resources")
	}
})

var _ = AfterEach(func() {
	if vs := Current().Transport.TakeUnclaimed(); len(vs) > 0 {
		Fail("requests sent by this spec violated the spec:\n" + spec.Violations(vs))
	}
})

// lastRun is what the report node computed, for the caller of RunSpecs.
var lastRun struct {
	sync.Mutex
	conformance *reports.Conformance
	err         error
}

var _ = ReportAfterSuite("fgh contract reports", func(r types.Report) {
	currentMu.Lock()
	f := current
	currentMu.Unlock()
	if f == nil {
		return // setup failed; nothing ran against a target
	}
	c, err := f.WriteReports(f.Config.OutDir, r)
	lastRun.Lock()
	lastRun.conformance, lastRun.err = c, err
	lastRun.Unlock()
	if err != nil {
		Fail(fmt.Sprintf("write reports to %s: %v", f.Config.OutDir, err))
	}
})

// LastConformance returns the summary the last suite run produced, and
// the error writing its reports, if any.
func LastConformance() (*reports.Conformance, error) {
	lastRun.Lock()
	defer lastRun.Unlock()
	return lastRun.conformance, lastRun.err
}
