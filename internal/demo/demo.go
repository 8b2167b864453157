// Package demo runs fgh's main job end to end against the built-in emulator: contract suites, a sync-invoke run and an extension fan-out sweep, with every report and an index under one directory.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/internal/loopback"
	"github.com/fgharness/fgharness/load"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/contract"
)

// Directories and files inside Options.OutDir.
const (
	ContractDir   = "contract"
	SyncInvokeDir = load.ScenarioSyncInvoke
	FanoutDir     = load.ScenarioFanout
	IndexFile     = "index.html"
)

// Options configure one demo run. DefaultOptions gives the documented defaults.
type Options struct {
	OutDir string
	// Rate paces both load runs: N, N/s, N/1m.
	Rate string
	// Duration is the sync-invoke run; FanoutDuration each K of the sweep.
	Duration, FanoutDuration time.Duration
	// Fanout lists the extension counts the fan-out sweep registers.
	Fanout []int
	// Thresholds and FanoutThresholds are SLO expressions judged against each run.
	Thresholds, FanoutThresholds []string
	SkipContract, SkipLoad       bool
	// Out receives the step headlines and the summary; Log the load runs'
	// banners and progress lines (nil for none).
	Out, Log io.Writer
}

// DefaultOptions is `fgh demo` without flags: about a minute in all.
func DefaultOptions() Options {
	return Options{
		OutDir:           filepath.Join("reports", "out", "demo"),
		Rate:             "200/s",
		Duration:         20 * time.Second,
		FanoutDuration:   5 * time.Second,
		Fanout:           []int{0, 5, 10},
		Thresholds:       []string{"success > 99.9%", "p99 < 250ms"},
		FanoutThresholds: []string{"success > 99.9%", "fanout.delivered > 99%"},
	}
}

// ErrOptions marks errors the user fixes by changing flags.
var ErrOptions = errors.New("invalid demo options")

// ErrContractFailed marks a run whose contract suites found a broken contract.
var ErrContractFailed = errors.New("the contract suites failed")

// contractTimeout bounds the suites; against the in-process emulator they take seconds.
const contractTimeout = 10 * time.Minute

// Run runs every step not skipped, writes the index and prints the summary.
// A failed step does not stop the next one, so the index shows everything
// that could run; the error joins every step's failure (ErrContractFailed,
// load.ErrThresholds, or ctx.Err() when interrupted).
func Run(ctx context.Context, o Options) (*Summary, error) {
	rate, err := o.validate()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("create the output directory: %w", err)
	}
	start := time.Now()
	s := &Summary{OutDir: o.OutDir, StartedAt: start}
	fmt.Fprintf(o.Out, "fgh demo: contract suites, sync-invoke and extension fan-out against the built-in emulator\n")
	fmt.Fprintf(o.Out, "reports: %s\n", o.OutDir)

	var errs []error
	if !o.SkipContract {
		errs = append(errs, o.runContract(ctx, s))
	}
	if !o.SkipLoad && ctx.Err() == nil {
		errs = append(errs, o.runLoad(ctx, s, load.Pacing{Rate: rate}))
	}
	if ctx.Err() != nil {
		errs = append(errs, fmt.Errorf("interrupted: %w", ctx.Err()))
	}
	s.Duration = time.Since(start)
	s.Interrupted = ctx.Err() != nil
	if err := writeIndex(s); err != nil {
		errs = append(errs, err)
	}
	s.WriteText(o.Out)
	return s, errors.Join(errs...)
}

// validate checks every option before any step runs, so a typo does not
// cost a contract run; it returns the parsed rate.
func (o *Options) validate() (vegeta.Rate, error) {
	var errs []error
	if o.OutDir == "" {
		errs = append(errs, errors.New("no --out directory"))
	}
	rate, err := load.ParseRate(o.Rate)
	if err != nil {
		errs = append(errs, fmt.Errorf("--rate: %w", err))
	}
	if _, err := reports.ParseThresholds(o.Thresholds); err != nil {
		errs = append(errs, fmt.Errorf("--threshold: %w", err))
	}
	if _, err := reports.ParseThresholds(o.FanoutThresholds); err != nil {
		errs = append(errs, fmt.Errorf("--fanout-threshold: %w", err))
	}
	for _, k := range o.Fanout {
		if k < 0 || k > fgs.MaxExtensions {
			errs = append(errs, fmt.Errorf("--fanout %d: a function takes 0 to %d extensions", k, fgs.MaxExtensions))
		}
	}
	if !o.SkipLoad && (o.Duration <= 0 || o.FanoutDuration <= 0) {
		errs = append(errs, errors.New("--duration and --fanout-duration must be positive: every load run is bounded in time"))
	}
	if !o.SkipLoad && len(o.Fanout) == 0 {
		errs = append(errs, errors.New("--fanout needs at least one extension count, e.g. 0,5,10"))
	}
	return rate, errors.Join(errs...)
}

// step prints a headline CI logs can be searched for.
func (o *Options) step(format string, args ...any) {
	fmt.Fprintf(o.Out, "\n==> "+format+"\n", args...)
}

// runContract runs the suites against an emulator of their own: they start
// it with their defects hook and a free extension port range.
func (o *Options) runContract(ctx context.Context, s *Summary) error {
	dir := filepath.Join(o.OutDir, ContractDir)
	o.step("contract suites against the built-in emulator")
	res, err := contract.Run(ctx, contract.Options{
		Config:  contract.Config{OutDir: dir, Launch: launch.Contract},
		Timeout: contractTimeout,
	})
	// Ginkgo's succinct report ends without a newline.
	fmt.Fprintln(o.Out)
	if res.Conformance == nil && err != nil {
		return fmt.Errorf("contract suites did not run: %w", err)
	}
	s.Contract = newContractSummary(dir, res)
	fmt.Fprintf(o.Out, "contract: %s\n", s.Contract.headline())
	switch {
	case err != nil:
		return fmt.Errorf("contract suites: %w", err)
	case !res.Passed:
		return fmt.Errorf("%w: see %s", ErrContractFailed, filepath.Join(dir, contract.ConformanceMDFile))
	}
	return nil
}

// runLoad starts one emulator for both load runs, its extension address
// range on free loopback ports so the fan-out sinks collide with nothing.
func (o *Options) runLoad(ctx context.Context, s *Summary, pacing load.Pacing) error {
	base, err := loopback.FreeRange(fgs.MaxExtensions)
	if err != nil {
		return fmt.Errorf("%w; the fan-out sinks need consecutive free ports", err)
	}
	cfg := emulator.DefaultConfig()
	cfg.ExtensionPortMin, cfg.ExtensionPortMax = base, base+fgs.MaxExtensions-1
	emu, err := emulator.StartTarget(ctx, cfg, nil)
	if err != nil {
		return fmt.Errorf("start the built-in emulator: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = emu.Close(cctx)
	}()
	target := emu.Target()

	o.step("sync-invoke: %s for %s against %s", pacing, o.Duration, emu.URL)
	rep, syncErr := load.Run(ctx, o.loadOptions(load.Options{
		Scenario: load.ScenarioSyncInvoke, Target: target, Pacing: pacing, Duration: o.Duration,
		OutDir: filepath.Join(o.OutDir, SyncInvokeDir), Thresholds: thresholdSpecs(o.Thresholds),
	}))
	s.SyncInvoke = rep
	if rep != nil {
		fmt.Fprintf(o.Out, "sync-invoke: %s\n", syncHeadline(rep))
	}
	if syncErr != nil {
		syncErr = fmt.Errorf("sync-invoke: %w", syncErr)
	}
	if ctx.Err() != nil {
		return syncErr
	}

	o.step("extension-fanout: K = %s, %s for %s each", joinInts(o.Fanout), pacing, o.FanoutDuration)
	dir := filepath.Join(o.OutDir, FanoutDir)
	rep, fanErr := load.Run(ctx, o.loadOptions(load.Options{
		Scenario: load.ScenarioFanout, Target: target, Pacing: pacing, Duration: o.FanoutDuration,
		OutDir: dir, Thresholds: thresholdSpecs(o.FanoutThresholds),
		Fanout: o.Fanout, ExtensionPort: base,
	}))
	s.Fanout = rep
	if rep != nil {
		steps, err := readSweepSteps(dir, rep)
		fanErr = errors.Join(fanErr, err)
		s.FanoutSteps = steps
		for _, st := range steps {
			fmt.Fprintf(o.Out, "extension-fanout: %s\n", fanoutHeadline(st))
		}
	}
	if fanErr != nil {
		fanErr = fmt.Errorf("extension-fanout: %w", fanErr)
	}
	return errors.Join(syncErr, fanErr)
}

// loadOptions adds what both load runs share.
func (o *Options) loadOptions(lo load.Options) load.Options {
	lo.Log, lo.Progress = o.Log, o.Log
	return lo
}

func thresholdSpecs(exprs []string) []load.ThresholdSpec {
	out := make([]load.ThresholdSpec, len(exprs))
	for i, e := range exprs {
		out[i] = load.ThresholdSpec{Expr: e}
	}
	return out
}
