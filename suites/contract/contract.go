// Package contract runs every contract suite in one Ginkgo run against one target; `fgh contract` calls it.
package contract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/apps"
	"github.com/fgharness/fgharness/suites/dependencies"
	"github.com/fgharness/fgharness/suites/extension"
	"github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/functions"
	"github.com/fgharness/fgharness/suites/fuzz"
	"github.com/fgharness/fgharness/suites/generated"
	"github.com/fgharness/fgharness/suites/iam"
	"github.com/fgharness/fgharness/suites/invocation"
	"github.com/fgharness/fgharness/suites/logs"
	"github.com/fgharness/fgharness/suites/metrics"
	"github.com/fgharness/fgharness/suites/reserved"
	"github.com/fgharness/fgharness/suites/sequence"
	"github.com/fgharness/fgharness/suites/tags"
	"github.com/fgharness/fgharness/suites/triggers"
	"github.com/fgharness/fgharness/suites/versions"
	"github.com/fgharness/fgharness/suites/workflows"
)

// areas registers every contract area's specs; a new area adds its Register here.
var areas = []func(){
	apps.Register, dependencies.Register, extension.Register, functions.Register, generated.Register, iam.Register,
	invocation.Register, logs.Register, metrics.Register, reserved.Register, tags.Register, triggers.Register,
	versions.Register, workflows.Register,
}

// Config is the contract run's target and settings (framework.Config), so
// callers of Run need nothing from the framework.
type Config = framework.Config

// The files a run writes inside Config.OutDir.
const (
	ConformanceMDFile = framework.ConformanceMDFile
	ConformanceJSON   = framework.ConformanceJSON
	JUnitFile         = framework.JUnitFile
	GinkgoJSONFile    = framework.GinkgoJSONFile
)

// ReadItSpecs are the It nodes of the Ginkgo JSON report a run wrote into dir.
func ReadItSpecs(dir string) ([]types.SpecReport, error) { return framework.ReadItSpecs(dir) }

// Options configure one contract run.
type Options struct {
	Config
	// LabelFilter is a Ginkgo label filter, e.g. "invocation && !negative".
	LabelFilter string
	// Verbose streams every spec's progress; otherwise only failures print.
	Verbose bool
	// Timeout bounds the whole run; 0 means 30 minutes.
	Timeout time.Duration
	// Fuzz runs the generated-input engine (FuzzOptions) instead of the suites.
	Fuzz        bool
	FuzzOptions fuzz.Options
	// FailOnUnexercised fails the run when a documented status of an
	// operation it selected was never observed (and no accept entry waives it).
	FailOnUnexercised bool
	// FuzzStarted, when set, learns the seed once the run is set up, so the
	// seed is known even if the run is interrupted.
	FuzzStarted func(seed uint64)
}

// Result is the outcome of a run that reached the target.
type Result struct {
	Passed      bool
	Conformance *reports.Conformance
	Duration    time.Duration
	// Interrupted is set when SIGINT or SIGTERM stopped the run; the
	// reports then hold what ran.
	Interrupted bool
	// Fuzz is the outcome of a --fuzz run (Conformance is nil then).
	Fuzz *fuzz.Result
	// Sequences is the outcome of a --fuzz run's stateful sequences (nil
	// when they did not run: --read-only, or the fuzzing stopped).
	Sequences *sequence.Result
	// Unexercised lists the statuses --fail-on-unexercised failed the run
	// on (empty when it passed or was not asked for).
	Unexercised []reports.UnexercisedGap
	// Acceptances is what the accept file did in a --fuzz run (a suites
	// run has it in Conformance).
	Acceptances *reports.Conformance
}

// ErrUsage marks errors a user fixes by changing flags or the environment.
var ErrUsage = errors.New("usage")

// Run sets up the target (asking opts.Launch for one when none is given), runs every selected spec once and writes the reports. It may be
// called once per process: Ginkgo runs one suite per process.
// An error means no spec ran: bad options or an unreachable target.
func Run(ctx context.Context, opts Options) (Result, error) {
	if opts.Fuzz {
		return runFuzz(ctx, opts)
	}
	filter := opts.LabelFilter
	if opts.ReadOnly {
		filter = andFilter(filter, "!"+framework.LabelDestructive)
	}
	if filter != "" {
		if _, err := types.ParseLabelFilter(filter); err != nil {
			return Result{}, fmt.Errorf("%w: --label-filter %q: %s", ErrUsage, opts.LabelFilter, labelFilterProblem(err))
		}
	}
	start := time.Now()
	f, err := setUp(ctx, opts)
	if err != nil {
		return Result{}, err
	}
	defer func() { _ = f.Close(context.Background()) }()

	suiteConfig, reporterConfig := GinkgoConfiguration()
	suiteConfig.LabelFilter = filter
	suiteConfig.Timeout = opts.Timeout
	if suiteConfig.Timeout == 0 {
		suiteConfig.Timeout = 30 * time.Minute
	}
	suiteConfig.RandomSeed = start.UnixNano()
	reporterConfig.Verbose = opts.Verbose
	reporterConfig.Succinct = !opts.Verbose
	reporterConfig.NoColor = true

	gomega.RegisterFailHandler(Fail)
	framework.RegisterSuiteNodes(opts.Launch)
	for _, register := range areas {
		register()
	}
	t := &failRecorder{}
	// Ginkgo handles the interrupt itself (it stops the running spec and
	// runs its cleanup); this only remembers that one came.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	defer f.WatchInterrupts()()
	passed := RunSpecs(t, "fgh contract", suiteConfig, reporterConfig)
	c, werr := framework.LastConformance()
	// Ginkgo fails a run whose only failures the accept file accepts.
	passed = passed && !t.failed || f.OnlyAcceptedFailed(framework.LastReport())
	res := Result{Passed: passed && werr == nil, Conformance: c, Duration: time.Since(start)}
	if opts.FailOnUnexercised && c != nil {
		res.Unexercised = c.UnwaivedGaps()
		res.Passed = res.Passed && len(res.Unexercised) == 0
	}
	select {
	case <-sigs:
		res.Interrupted = true
		return res, nil
	default:
	}
	if lost := f.TargetLost(); lost != nil {
		return res, lost
	}
	if r := framework.LastReport(); r.PreRunStats.SpecsThatWillRun == 0 {
		return res, fmt.Errorf("%w: --label-filter %q selects no spec; known labels: %s",
			ErrUsage, filter, strings.Join(knownLabels(r), ", "))
	}
	if werr != nil {
		return res, werr
	}
	return res, nil
}

// setUp checks that the reports can be written and brings the target up;
// its errors are usage errors (exit status 2).
func setUp(ctx context.Context, opts Options) (*framework.Framework, error) {
	if err := checkOutDir(opts.OutDir); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	f, err := framework.Setup(ctx, opts.Config)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return f, nil
}

// knownLabels lists every label of the suite tree, for the message that
// explains an empty selection.
func knownLabels(r types.Report) []string {
	seen := map[string]bool{}
	var out []string
	for _, sr := range r.SpecReports {
		for _, l := range sr.Labels() {
			switch {
			case strings.HasPrefix(l, "op:"):
				l = "op:<operationId>"
			case strings.HasPrefix(l, "provokes:"):
				l = "provokes:<operationId>=<status>"
			}
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	sort.Strings(out)
	return out
}

// checkOutDir makes sure the reports can be written before anything runs,
// so a typo in --out does not cost a whole run.
func checkOutDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".fgh-write-check-*")
	if err != nil {
		return fmt.Errorf("--out %s is not writable: %w", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// labelFilterProblem is the plain last line of Ginkgo's syntax error, whose
// full text carries terminal colour codes.
func labelFilterProblem(err error) string {
	var ge types.GinkgoError
	if !errors.As(err, &ge) {
		return err.Error()
	}
	msg := ge.Message
	if i := strings.LastIndex(msg, "\n"); i >= 0 {
		msg = msg[i+1:]
	}
	return msg
}

func andFilter(a, b string) string {
	if strings.TrimSpace(a) == "" {
		return b
	}
	return "(" + a + ") && " + b
}

// failRecorder is the GinkgoTestingT of a run outside `go test`.
type failRecorder struct{ failed bool }

func (r *failRecorder) Fail() { r.failed = true }
