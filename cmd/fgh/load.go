package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/load"
	"github.com/fgharness/fgharness/reports"
)

type loadFlags struct {
	target                                   client.Target
	function, payload, payloadSize, logType  string
	rate, pacing, sineAmplitude              string
	slope                                    float64
	sinePeriod, duration, timeout, lateAfter time.Duration
	maxRequests                              uint64
	workers, maxWorkers, connections, procs  int
	out, shard, startAt, config, progress    string
	runID                                    string
	thresholds                               []string
	validateSample                           string
	fanout                                   []int
	extensionPort                            int
	extensionAPI                             string
	fanoutGrace                              time.Duration
	findMax                                  bool
	cacert, clientCert, clientKey            string
	insecure, http2, goTimers                bool
	slo                                      []string
	stepFactor, step, maxRate                float64
	maxSteps                                 int
}

func newLoadCmd() *cobra.Command { return newLoadCmdWith(&loadFlags{}) }

// newLoadCmdWith binds the flags to f, so tests can parse without running.
func newLoadCmdWith(f *loadFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "load SCENARIO",
		Short: "Load-test sync invocation and extension fan-out (open model, no coordinated omission)",
		Long: `fgh load runs an open-model load scenario with Vegeta's pacers:

  sync-invoke       POST .../invocations at the asked rate
  extension-fanout  starts K extension sinks, registers them, invokes, and
                    accounts every delivery (--fanout 0,1,5,10 sweeps K)
  find-max          sync-invoke stepping the rate up until the SLO breaks
                    (--find-max does the same for any scenario)

Latency runs from each request's intended send time; service time from the
moment it left. Results stream to DIR/results.bin (Vegeta encoding) and
DIR/histograms.jsonl; DIR/report.json and its renderings follow the run.

Without --target the built-in emulator is started in-process. Without
--function a temporary function is created before the attack and deleted
after. A target that is not loopback must be named with --target or
FGH_TARGET (a --config file may only name a loopback target).

A request succeeds with a 2xx, read whole, whose body is JSON (or declared
text). Without --threshold the run is judged by "success >= 99%".

Exit status: 0 ok, 1 failed or no request succeeded, 2 usage, 99 a threshold
failed, 130 interrupted.`,
		Example: `  fgh load sync-invoke --rate 200/s --duration 30s
  fgh load sync-invoke --target https://fgs.example:443 --project-id P --ak AK --sk SK \
      --function urn:fss:... --rate 1000/s --duration 5m --threshold "p99 < 200ms"
  fgh load extension-fanout --fanout 0,1,5,10 --rate 100/s --duration 20s
  fgh load sync-invoke --config load/scenarios/release-gate.yaml
  fgh load sync-invoke --shard 2/8 --start-at "$(date -u -d '+2 min' +%Y-%m-%dT%H:%M:%SZ)" --rate 40000/s --duration 10m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLoad(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	addTargetFlags(fl, &f.target, "FunctionGraph endpoint URL (default: start the built-in emulator)", "project ID")
	fl.StringVar(&f.function, "function", "", "function URN to invoke as given (default: create a temporary function)")
	fl.StringVar(&f.payload, "payload", "", "file whose bytes every invocation sends")
	fl.StringVar(&f.payloadSize, "payload-size", "64B", "size of a generated JSON body, e.g. 1KB")
	fl.StringVar(&f.logType, "log-type", "", "X-Cff-Log-Type header, e.g. tail")
	fl.StringVar(&f.rate, "rate", "50/s", "requests per time unit: N, N/s, N/1m")
	fl.StringVar(&f.pacing, "pacing", "constant", "rate shape: constant, linear or sine")
	fl.Float64Var(&f.slope, "slope", 0, "linear pacing: req/s added every second")
	fl.StringVar(&f.sineAmplitude, "sine-amplitude", "", "sine pacing: amplitude as a rate, e.g. 50/s")
	fl.DurationVar(&f.sinePeriod, "sine-period", time.Minute, "sine pacing: period")
	fl.DurationVar(&f.duration, "duration", 10*time.Second, "attack duration (per step for sweeps and find-max)")
	fl.Uint64Var(&f.maxRequests, "max-requests", 0, "stop after this many requests as well (0: duration only)")
	fl.IntVar(&f.workers, "workers", 0, "initial workers (0: sized from the rate)")
	fl.IntVar(&f.maxWorkers, "max-workers", 0, "worker cap (0: Little's law from rate and timeout, capped per CPU)")
	fl.IntVar(&f.procs, "procs", 0, "scheduler threads (GOMAXPROCS) for the generator (0: sized from the peak rate with --target; all CPUs with the built-in emulator, which shares the process)")
	fl.IntVar(&f.connections, "connections", 0, "connections to the target (0: the worker cap)")
	fl.DurationVar(&f.timeout, "timeout", load.DefaultTimeout, "per-request timeout")
	fl.DurationVar(&f.lateAfter, "late-after", 0, "a request that leaves later than this after its intended time is late (0: one request interval, at most 1ms)")
	fl.StringVar(&f.out, "out", filepath.Join("reports", "out", "load"), "directory for report.json, results.bin and histograms.jsonl")
	fl.StringVar(&f.shard, "shard", "", "run shard i of N (i/N, 0-based) at 1/N of the rate")
	fl.StringVar(&f.startAt, "start-at", "", "shared wall-clock start of every shard (RFC 3339)")
	fl.StringVar(&f.runID, "run-id", "", "name of the run in report.json, the same for every shard (default: derived from the shared settings, or start time and a random suffix)")
	fl.StringVar(&f.config, "config", "", "YAML scenario file: flag names as keys, plus thresholds")
	fl.StringArrayVar(&f.thresholds, "threshold", nil, `SLO expression, repeatable: "p99 < 200ms", "success > 99.9%"; with find-max, what every step must hold (default "p99 < 100ms" and "success >= 99.9%")`)
	fl.StringVar(&f.validateSample, "validate-sample", "", "validate this share of responses against the spec, e.g. 1%")
	fl.IntSliceVar(&f.fanout, "fanout", nil, "extension-fanout: extensions to register; several values sweep (0,1,5,10)")
	fl.IntVar(&f.extensionPort, "extension-port", fgs.ExtensionPortMin, "first of the extension sinks' ports (0: free ports)")
	fl.StringVar(&f.extensionAPI, "extension-api", "", "Extension API address host:port (default: asked from the emulator)")
	fl.DurationVar(&f.fanoutGrace, "fanout-grace", 2*time.Second, "how long after an answer its extension events still count")
	fl.BoolVar(&f.findMax, "find-max", false, "step the rate up from --rate until the SLO breaks")
	fl.StringArrayVar(&f.slo, "slo", nil, "old name of --threshold for find-max")
	_ = fl.MarkDeprecated("slo", "use --threshold: one name for an SLO expression in every command")
	fl.Float64Var(&f.stepFactor, "step-factor", 1.5, "find-max: multiply the rate by this each step")
	fl.Float64Var(&f.step, "step", 0, "find-max: add this many req/s each step instead")
	fl.Float64Var(&f.maxRate, "max-rate", 100000, "find-max: highest rate to try")
	fl.IntVar(&f.maxSteps, "max-steps", 12, "find-max: most steps to run")
	fl.StringVar(&f.progress, "progress", "auto", "progress display: auto, bar, plain or none")
	fl.StringVar(&f.cacert, "cacert", "", "https target: PEM file of the CA certificates to trust (instead of the system's)")
	fl.BoolVar(&f.insecure, "insecure", false, "https target: do not verify its certificate (test endpoints only)")
	fl.StringVar(&f.clientCert, "client-cert", "", "https target: PEM client certificate for mutual TLS (with --client-key)")
	fl.StringVar(&f.clientKey, "client-key", "", "https target: PEM private key of --client-cert")
	fl.BoolVar(&f.goTimers, "go-timers", false, "pace on Go timers instead of the kernel's high-resolution timer: less CPU, up to about 1ms of send lag")
	fl.BoolVar(&f.http2, "http2", false, "https target: send through Go's net/http, HTTP/2 when the server offers it (default: HTTP/1.1 on the generator's own client)")
	return cmd
}

func runLoad(cmd *cobra.Command, scenario string, f *loadFlags) error {
	o, err := parsedLoadOptions(cmd.Flags(), scenario, f)
	if err != nil {
		return withExitCode(exitUsage, err)
	}

	ctx, stop := untilSignal(cmd.Context())
	defer stop()
	stderr := cmd.ErrOrStderr()
	o.Log = stderr
	switch f.progress {
	case "none":
	case "bar":
		o.Progress, o.ProgressTTY = stderr, true
	case "plain":
		o.Progress = stderr
	default:
		o.Progress = stderr
		if file, ok := stderr.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
			o.ProgressTTY = true
		}
	}
	rep, err := load.Run(ctx, o)
	if rep != nil {
		if serr := reports.WriteSummary(cmd.OutOrStdout(), rep, o.OutDir); serr != nil {
			return withExitCode(exitFailed, serr)
		}
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return withExitCode(exitInterrupted, fmt.Errorf("interrupted: wrote the report of what ran to %s", o.OutDir))
	case errors.Is(err, load.ErrNoSuccess):
		return withExitCode(exitFailed, err)
	case errors.Is(err, load.ErrThresholds):
		return withExitCode(exitThreshold, err)
	case rep == nil:
		return withExitCode(exitUsage, err)
	default:
		return withExitCode(exitFailed, err)
	}
}

// parsedLoadOptions is the run the parsed flags, FGH_* variables and --config file ask for.
func parsedLoadOptions(fl *pflag.FlagSet, scenario string, f *loadFlags) (load.Options, error) {
	var fileThresholds []load.ThresholdSpec
	if f.config != "" {
		sf, err := load.ReadScenarioFile(f.config)
		if err != nil {
			return load.Options{}, err
		}
		if err := applyScenarioFile(fl, sf); err != nil {
			return load.Options{}, err
		}
		fileThresholds = sf.Thresholds
	}
	o, err := loadOptions(scenario, f)
	if err != nil {
		return o, err
	}
	o.Thresholds = append(fileThresholds, o.Thresholds...)
	if o.FindMax != nil {
		o.FindMax.SLO = load.Exprs(o.Thresholds) // find-max climbs until a step breaks them
	}
	return o, nil
}

// applyScenarioFile sets every flag the user left unset (on the command line
// and in FGH_*) from the --config file.
func applyScenarioFile(fl *pflag.FlagSet, sf *load.ScenarioFile) error {
	for _, key := range sf.Keys() {
		flag := fl.Lookup(key)
		if flag == nil || key == "config" {
			return fmt.Errorf("--config: %q is not a flag of fgh load", key)
		}
		if flag.Changed {
			continue
		}
		vals := sf.Values[key]
		if key == "target" && len(vals) == 1 && !(client.Target{BaseURL: vals[0]}).IsLoopback() {
			return errors.New("--config names a non-loopback target: name it explicitly with --target or FGH_TARGET")
		}
		if secretFlags[key] {
			return fmt.Errorf("--config sets %s: keep secrets out of files, use FGH_%s", key, strings.ToUpper(key))
		}
		if _, ok := flag.Value.(pflag.SliceValue); ok {
			if err := fl.Set(key, strings.Join(vals, ",")); err != nil {
				return fmt.Errorf("--config %s: %w", key, err)
			}
			continue
		}
		for _, v := range vals {
			if err := fl.Set(key, v); err != nil {
				return fmt.Errorf("--config %s: %w", key, err)
			}
		}
	}
	return nil
}

func loadOptions(scenario string, f *loadFlags) (load.Options, error) {
	o := load.Options{
		Scenario:      scenario,
		Launch:        launch.Load,
		Target:        f.target,
		Function:      f.function,
		LogType:       f.logType,
		Duration:      f.duration,
		MaxRequests:   f.maxRequests,
		Workers:       f.workers,
		MaxWorkers:    f.maxWorkers,
		Connections:   f.connections,
		Timeout:       f.timeout,
		LateAfter:     f.lateAfter,
		OutDir:        f.out,
		RunID:         f.runID,
		Fanout:        f.fanout,
		ExtensionPort: f.extensionPort,
		ExtensionAPI:  f.extensionAPI,
		FanoutGrace:   f.fanoutGrace,
		GoTimers:      f.goTimers,
		TLS:           load.TLS{CACert: f.cacert, Insecure: f.insecure, ClientCert: f.clientCert, ClientKey: f.clientKey, HTTP2: f.http2},
	}
	for _, t := range append(append([]string(nil), f.thresholds...), f.slo...) {
		o.Thresholds = append(o.Thresholds, load.ThresholdSpec{Expr: t})
	}
	if f.extensionPort == 0 {
		o.ExtensionPort = -1 // free ports, as 0 means for fgh contract
	}
	var err error
	if o.Pacing.Rate, err = load.ParseRate(f.rate); err != nil {
		return o, err
	}
	o.Pacing.Shape, o.Pacing.Slope, o.Pacing.Period = f.pacing, f.slope, f.sinePeriod
	if f.sineAmplitude != "" {
		if o.Pacing.Amplitude, err = load.ParseRate(f.sineAmplitude); err != nil {
			return o, fmt.Errorf("--sine-amplitude: %w", err)
		}
	}
	if f.payload != "" {
		if o.Body, err = load.ReadPayload(f.payload); err != nil {
			return o, err
		}
	} else if o.PayloadSize, err = load.ParseSize(f.payloadSize); err != nil {
		return o, fmt.Errorf("--payload-size: %w", err)
	}
	if o.Shard, err = load.ParseShard(f.shard); err != nil {
		return o, err
	}
	if f.startAt != "" {
		if o.StartAt, err = time.Parse(time.RFC3339Nano, f.startAt); err != nil {
			return o, fmt.Errorf("--start-at %q: want RFC 3339, e.g. 2026-01-01T00:00:00Z", f.startAt)
		}
	}
	if f.validateSample != "" {
		s := strings.TrimSpace(f.validateSample)
		pct := strings.HasSuffix(s, "%")
		v, perr := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if perr != nil {
			return o, fmt.Errorf("--validate-sample %q: want a share like 1%% or 0.01", f.validateSample)
		}
		if pct {
			v /= 100
		}
		o.ValidateSample = v
	}
	if f.findMax || scenario == load.ScenarioFindMax {
		o.FindMax = &load.FindMaxOptions{SLO: load.Exprs(o.Thresholds), Factor: f.stepFactor, Step: f.step, MaxRate: f.maxRate, MaxSteps: f.maxSteps}
	}
	o.Procs = f.procs
	if o.Procs == 0 && f.target.BaseURL != "" {
		// Capped by GOMAXPROCS, which Go 1.25+ sizes from a container's CPU limit.
		o.Procs = o.AutoProcs(runtime.GOMAXPROCS(0))
	}
	if f.target.BaseURL != "" {
		if u, perr := url.Parse(f.target.BaseURL); perr != nil || u.Host == "" {
			return o, fmt.Errorf("--target %q is not an absolute URL like http://127.0.0.1:8000", f.target.BaseURL)
		}
	}
	return o, nil
}
