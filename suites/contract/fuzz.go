package contract

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fgharness/fgharness/suites/fuzz"
)

// FuzzReportFile is the fuzz run's Markdown report inside Config.OutDir.
const FuzzReportFile = "fuzz.md"

// runFuzz is Run with Options.Fuzz: the generated-input engine against
// the target instead of the suites. Its failures go to failures.json,
// which `fgh contract replay` reads, and to fuzz.md.
func runFuzz(ctx context.Context, opts Options) (Result, error) {
	fo := opts.FuzzOptions
	fo.ReadOnly = fo.ReadOnly || opts.ReadOnly
	if fo.Seed == 0 {
		fo.Seed = fuzz.NewSeed()
	}
	if err := fo.Validate(); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if opts.LabelFilter != "" {
		return Result{}, fmt.Errorf("%w: --label-filter selects the suites' specs, which --fuzz does not run; drop one of them", ErrUsage)
	}
	start := time.Now()
	f, err := setUp(ctx, opts)
	if err != nil {
		return Result{}, err
	}
	defer func() { _ = f.Close(context.Background()) }()
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 30 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	f.Evidence.SetSeed(int64(fo.Seed))
	if opts.FuzzStarted != nil {
		opts.FuzzStarted(fo.Seed)
	}
	fr, runErr := fuzz.Run(ctx, f, fo, f.Evidence)
	unaccepted := f.AcceptFailures()
	f.MarkAccepted(fr.Failures)
	res := Result{Fuzz: &fr, Duration: time.Since(start), Passed: runErr == nil && unaccepted == 0, Acceptances: f.AcceptanceSummary()}
	if stopped := ctx.Err(); stopped != nil && runErr != nil {
		res.Interrupted = stopped == context.Canceled
		if !res.Interrupted {
			runErr = fmt.Errorf("fuzzing stopped after --timeout %s: %w", timeout, runErr)
		}
	}
	if opts.OutDir != "" {
		if err := f.WriteEvidence(opts.OutDir); err != nil {
			return res, err
		}
		if err := fuzz.WriteReportFile(filepath.Join(opts.OutDir, FuzzReportFile), fr, opts.OutDir); err != nil {
			return res, err
		}
	}
	if res.Interrupted {
		return res, nil
	}
	return res, runErr
}
