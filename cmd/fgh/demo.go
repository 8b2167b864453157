package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/fgharness/fgharness/internal/demo"
	"github.com/fgharness/fgharness/load"
	"github.com/fgharness/fgharness/suites/contract"
)

func newDemoCmd() *cobra.Command {
	opts := demo.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the contract suites, a sync-invoke run and a fan-out sweep against the built-in emulator",
		Long: `fgh demo is the whole harness in about a minute, with nothing but this
binary: against the built-in emulator it runs the contract suites, a
sync-invoke load run and an extension fan-out sweep (K = 0, 5, 10), writes
every report under --out with an index.html linking them, and prints the
headline numbers and the path of the HTML report.

Step headlines and the summary go to stdout; the load runs' progress lines
go to stderr.

Exit status: 0 when every step ran and passed, 1 when the contract suites
failed or a step could not run, 2 on bad flags, 99 when an SLO threshold
failed, 130 when interrupted (the reports of what ran are still written).`,
		Example: `  fgh demo
  fgh demo --duration 5s --fanout-duration 2s --out /tmp/demo
  fgh demo --skip-contract --rate 500/s --threshold 'p99 < 50ms'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			ctx, stop := untilSignal(cmd.Context())
			defer stop()
			_, err := demo.Run(ctx, opts)
			switch {
			case err == nil:
				return nil
			case ctx.Err() != nil:
				return withExitCode(exitInterrupted, errors.New("interrupted: the reports of what ran are in "+opts.OutDir))
			case errors.Is(err, contract.ErrUsage) || errors.Is(err, demo.ErrOptions):
				return withExitCode(exitUsage, err)
			case errors.Is(err, demo.ErrContractFailed):
				return withExitCode(exitFailed, err)
			case errors.Is(err, load.ErrThresholds):
				return withExitCode(exitThreshold, err)
			}
			return withExitCode(exitFailed, err)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.OutDir, "out", opts.OutDir, "directory for every report and index.html")
	fl.StringVar(&opts.Rate, "rate", opts.Rate, "request rate of both load runs: N, N/s, N/1m")
	fl.DurationVar(&opts.Duration, "duration", opts.Duration, "sync-invoke duration")
	fl.DurationVar(&opts.FanoutDuration, "fanout-duration", opts.FanoutDuration, "extension-fanout duration for each K")
	fl.IntSliceVar(&opts.Fanout, "fanout", opts.Fanout, "extension counts of the fan-out sweep (0 to 10)")
	fl.StringArrayVar(&opts.Thresholds, "threshold", opts.Thresholds, "sync-invoke SLO expression, repeatable (replaces the defaults)")
	fl.StringArrayVar(&opts.FanoutThresholds, "fanout-threshold", opts.FanoutThresholds, "extension-fanout SLO expression, repeatable (replaces the defaults)")
	fl.BoolVar(&opts.SkipContract, "skip-contract", false, "skip the contract suites")
	fl.BoolVar(&opts.SkipLoad, "skip-load", false, "skip both load runs")
	return cmd
}
