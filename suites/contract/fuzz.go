package contract

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/suites/fuzz"
	"github.com/fgharness/fgharness/suites/sequence"
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
	var sr *sequence.Result
	if runErr == nil && !fo.ReadOnly { // every sequence creates a function
		got, err := sequence.Run(ctx, f, sequence.FromFuzz(fo), f.Evidence)
		sr, runErr = &got, err
	}
	unaccepted := f.AcceptFailures()
	f.MarkAccepted(fr.Failures)
	if sr != nil && sr.Failure != nil {
		f.MarkAccepted([]evidence.Failure{*sr.Failure})
	}
	res := Result{Fuzz: &fr, Sequences: sr, Duration: time.Since(start), Passed: runErr == nil && unaccepted == 0, Acceptances: f.AcceptanceSummary()}
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
		if err := appendSequenceReport(filepath.Join(opts.OutDir, FuzzReportFile), sr); err != nil {
			return res, err
		}
	}
	if res.Interrupted {
		return res, nil
	}
	return res, runErr
}

// appendSequenceReport adds the stateful sequences' outcome to fuzz.md.
func appendSequenceReport(path string, sr *sequence.Result) error {
	if sr == nil {
		return nil
	}
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("fuzz report: %w", err)
	}
	_, werr := fmt.Fprintf(fh, "\n## Stateful sequences\n\n```\n%s```\n", sr.Summary())
	if cerr := fh.Close(); werr == nil {
		werr = cerr
	}
	return werr
}
