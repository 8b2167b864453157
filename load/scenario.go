package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/reports"
)

// Scenarios fgh load knows.
const (
	ScenarioSyncInvoke = "sync-invoke"
	ScenarioFanout     = "extension-fanout"
	ScenarioFindMax    = "find-max" // sync-invoke with FindMax on
)

// Scenarios lists the scenario names, for usage text.
var Scenarios = []string{ScenarioSyncInvoke, ScenarioFanout, ScenarioFindMax}

// Options is one `fgh load` run. cmd/fgh fills it from flags, FGH_*
// variables and the --config file; Run does the rest.
type Options struct {
	Scenario string
	// Target: an empty BaseURL starts the built-in emulator in-process.
	Target client.Target
	// Function is invoked as given; empty creates a temporary function before the attack and deletes it after.
	Function string

	Body        []byte // request body; nil means PayloadSize bytes of generated JSON
	PayloadSize int
	LogType     string

	Pacing      Pacing
	Duration    time.Duration
	MaxRequests uint64

	Workers, MaxWorkers, Connections int
	Timeout, LateAfter               time.Duration

	OutDir string
	Shard  Shard
	// StartAt is the shared wall-clock start of every shard (zero: now).
	StartAt time.Time

	Thresholds     []ThresholdSpec
	ValidateSample float64 // 0..1

	Fanout        []int // extensions; several values run a sweep
	ExtensionPort int   // first sink port (8081)
	ExtensionAPI  string
	FanoutGrace   time.Duration

	FindMax *FindMaxOptions

	// Progress receives the progress display (a terminal gets a bar, anything else periodic lines); nil for none.
	Progress    io.Writer
	ProgressTTY bool
	// Log receives the start banner and step lines; nil for none.
	Log io.Writer

	// Endpoint overrides how the target is prepared (tests); nil uses the FunctionGraph API through internal/client.
	Endpoint Endpoint
}

// Endpoint prepares what a scenario needs on the target besides invocations.
type Endpoint interface {
	// CreateFunction creates a temporary function to invoke and returns its URN.
	CreateFunction(ctx context.Context, name string) (urn string, err error)
	DeleteFunction(ctx context.Context, urn string) error
	// ExtensionAPI is the address of the function's Extension API (EXTENSION_API_ADDR).
	ExtensionAPI(ctx context.Context, urn string) (string, error)
}

// ThresholdSpec is one SLO expression, optionally aborting the run once it
// fails (judged every second after Delay).
type ThresholdSpec struct {
	Expr        string        `yaml:"expr"`
	AbortOnFail bool          `yaml:"abort_on_fail"`
	Delay       time.Duration `yaml:"delay"`
}

// Exprs are the threshold expressions alone.
func Exprs(ts []ThresholdSpec) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Expr
	}
	return out
}

// ErrThresholds is returned (wrapped) by Run when the run finished but a threshold failed.
var ErrThresholds = errors.New("thresholds failed")

func (o *Options) defaults() {
	if o.Scenario == "" {
		o.Scenario = ScenarioSyncInvoke
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.LateAfter <= 0 {
		o.LateAfter = DefaultLateAfter
	}
	if o.ExtensionPort == 0 {
		o.ExtensionPort = 8081
	}
	if o.FanoutGrace <= 0 {
		o.FanoutGrace = 2 * time.Second
	}
	if o.Body == nil {
		size := o.PayloadSize
		if size == 0 {
			size = 64
		}
		o.Body = Payload(size)
	}
	if o.Scenario == ScenarioFindMax && o.FindMax == nil {
		o.FindMax = &FindMaxOptions{}
	}
	if o.Scenario == ScenarioFanout && len(o.Fanout) == 0 {
		o.Fanout = []int{1}
	}
}

func (o *Options) validate() error {
	var errs []error
	switch o.Scenario {
	case ScenarioSyncInvoke, ScenarioFanout, ScenarioFindMax:
	default:
		errs = append(errs, fmt.Errorf("unknown scenario %q: use one of %s", o.Scenario, strings.Join(Scenarios, ", ")))
	}
	if o.Duration <= 0 && o.MaxRequests == 0 {
		errs = append(errs, errors.New("no --duration: every load run is bounded in time"))
	}
	if o.Duration > 24*time.Hour {
		errs = append(errs, errors.New("--duration over 24h: split the run"))
	}
	if _, err := o.Pacing.Pacer(); err != nil {
		errs = append(errs, err)
	}
	if err := o.Shard.validate(); err != nil {
		errs = append(errs, err)
	}
	for _, k := range o.Fanout {
		if k < 0 || k > 10 {
			errs = append(errs, fmt.Errorf("--fanout %d: the Extension API allows 0 to 10 extensions", k))
		}
	}
	if o.ValidateSample < 0 || o.ValidateSample > 1 {
		errs = append(errs, fmt.Errorf("--validate-sample %g: want a share between 0%% and 100%%", o.ValidateSample))
	}
	if o.OutDir == "" {
		errs = append(errs, errors.New("no --out directory"))
	}
	if o.Target.BaseURL != "" {
		if err := o.Target.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// attackName is the name results carry: the scenario, plus the shard.
func (o *Options) attackName() string {
	if o.Shard.Count > 1 {
		return fmt.Sprintf("%s-shard-%d-of-%d", o.Scenario, o.Shard.Index, o.Shard.Count)
	}
	return o.Scenario
}

// Run prepares the target, runs the scenario, writes DIR/report.json (and
// its renderings, results.bin and histograms.jsonl) and returns the report.
// The error wraps ErrThresholds when a threshold failed, and ctx.Err() when
// interrupted (the report of what ran is still written and returned).
func Run(ctx context.Context, o Options) (*reports.Report, error) {
	o.defaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	parsed, err := reports.ParseThresholds(Exprs(o.Thresholds))
	if err != nil {
		return nil, err
	}
	for i, t := range parsed {
		// "p99 < 200ms abort_on_fail" in an expression means the same as the YAML field.
		o.Thresholds[i].AbortOnFail = o.Thresholds[i].AbortOnFail || t.AbortOnFail
	}
	if o.FindMax != nil {
		if _, err := reports.ParseThresholds(o.FindMax.slo()); err != nil {
			return nil, fmt.Errorf("find-max SLO: %w", err)
		}
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("create --out directory: %w", err)
	}

	env, err := prepare(ctx, &o)
	if err != nil {
		return nil, err
	}
	defer env.close()
	o.logf("fgh load %s: target %s, %s for %s, %s\n", o.Scenario, o.Target.Redacted(), o.Pacing, o.Duration, o.Shard)

	var rep *reports.Report
	switch {
	case o.FindMax != nil:
		rep, err = runFindMax(ctx, &o, env)
	case o.Scenario == ScenarioFanout:
		rep, err = runFanout(ctx, &o, env)
	default:
		rep, err = runSingle(ctx, &o, env, o.OutDir, o.Pacing, nil)
	}
	if rep == nil {
		return nil, err
	}
	o.finish(rep, env)
	results, terr := reports.EvaluateThresholds(rep, Exprs(o.Thresholds))
	if terr != nil {
		return nil, terr
	}
	mergeAborted(results, rep.Thresholds)
	rep.Thresholds = results
	if werr := reports.WriteAll(o.OutDir, rep); werr != nil {
		return rep, errors.Join(err, werr)
	}
	if err != nil {
		return rep, err
	}
	if !reports.ThresholdsPassed(rep.Thresholds) {
		return rep, fmt.Errorf("%w: see %s", ErrThresholds, filepath.Join(o.OutDir, reports.ReportFile))
	}
	return rep, nil
}

// mergeAborted keeps the Aborted flag of thresholds that stopped the run early.
func mergeAborted(final, during []reports.ThresholdResult) {
	for i := range final {
		for _, d := range during {
			if d.Expr == final[i].Expr && d.Aborted {
				final[i].Aborted = true
			}
		}
	}
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format, args...)
	}
}

// finish fills what every report carries whatever the scenario.
func (o *Options) finish(r *reports.Report, env *environment) {
	r.Scenario = o.Scenario
	r.Attack = o.attackName()
	r.Target = o.Target.Redacted()
	r.Function = env.function
	if o.Shard.Count > 1 {
		r.Shards = 1
	}
	r.Settings = o.settings()
}

// settings records how the run was configured; never a credential.
func (o *Options) settings() map[string]string {
	s := map[string]string{
		"pacing":        o.Pacing.String(),
		"duration":      o.Duration.String(),
		"payload_bytes": strconv.Itoa(len(o.Body)),
		"timeout":       o.Timeout.String(),
		"late_after":    o.LateAfter.String(),
		"auth":          "token",
	}
	if o.Target.UsesAKSK() {
		s["auth"] = "ak/sk"
	}
	if o.LogType != "" {
		s["log_type"] = o.LogType
	}
	if o.Workers > 0 {
		s["workers"] = strconv.Itoa(o.Workers)
	}
	if o.MaxWorkers > 0 {
		s["max_workers"] = strconv.Itoa(o.MaxWorkers)
	}
	if o.Connections > 0 {
		s["connections"] = strconv.Itoa(o.Connections)
	}
	if o.Shard.Count > 1 {
		s["shard"] = o.Shard.String()
	}
	if !o.StartAt.IsZero() {
		s["start_at"] = o.StartAt.UTC().Format(time.RFC3339Nano)
	}
	if o.MaxRequests > 0 {
		s["max_requests"] = strconv.FormatUint(o.MaxRequests, 10)
	}
	if o.ValidateSample > 0 {
		s["validate_sample"] = strconv.FormatFloat(o.ValidateSample*100, 'g', -1, 64) + "%"
	}
	return s
}

// newHitter builds the invocation template for the run.
func (o *Options) newHitter(env *environment, rps float64, requestIDs bool) (*InvokeHitter, error) {
	maxW := o.MaxWorkers
	if maxW <= 0 {
		maxW = WorkerCap(rps, o.Timeout)
	}
	conns := o.Connections
	if conns <= 0 {
		conns = maxW
	}
	hc := NewHTTPClient(conns)
	inv := Invocation{
		Timeout:     o.Timeout,
		Connections: conns,
		BaseURL:     o.Target.BaseURL,
		ProjectID:   o.Target.ProjectID,
		FunctionURN: env.function,
		Token:       o.Target.Token,
		Signer:      env.signer,
		Body:        o.Body,
		LogType:     o.LogType,
		RequestIDs:  requestIDs,
	}
	if o.ValidateSample > 0 && env.validate != nil {
		inv.Validate = env.validate
		inv.SampleEvery = uint64(max(1, int(1/o.ValidateSample+0.5)))
	}
	return NewInvokeHitter(inv, hc)
}

// runSingle runs one attack at pacing, streaming into dir, and returns its report.
func runSingle(ctx context.Context, o *Options, env *environment, dir string, pacing Pacing, onResult func(time.Time, *Result)) (*reports.Report, error) {
	pacer, err := pacing.ShardRate(o.Shard.Count).Pacer()
	if err != nil {
		return nil, err
	}
	rps := RPS(pacing.Rate) / float64(max(1, o.Shard.Count))
	h, err := o.newHitter(env, rps, onResult != nil)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	bin, err := os.Create(filepath.Join(dir, ResultsFile))
	if err != nil {
		return nil, fmt.Errorf("create results file: %w", err)
	}
	defer bin.Close()
	hist, err := os.Create(filepath.Join(dir, reports.HistogramsFile))
	if err != nil {
		return nil, fmt.Errorf("create histograms file: %w", err)
	}
	defer hist.Close()

	var aborted []reports.ThresholdResult
	var stopWatch func()
	opts := []func(*Runner){
		Workers(o.Workers), MaxWorkers(o.MaxWorkers), Timeout(o.Timeout), LateAfter(o.LateAfter),
		MaxRequests(o.MaxRequests), Output(bin, hist), OnResult(onResult),
		Offset(o.Shard.Offset(pacing)), StartAt(o.StartAt),
		OnStart(func(a *Attack) {
			stopWatch = o.watch(a, pacing, &aborted)
		}),
	}
	runner := NewRunner(h, opts...)
	atk, runErr := runner.Run(ctx, pacer, o.Duration, o.attackName())
	if stopWatch != nil {
		stopWatch()
	}
	if atk == nil {
		return nil, runErr
	}
	rep := atk.Report(pacing.ShardRate(o.Shard.Count), o.Duration)
	rep.Interrupted = ctx.Err() != nil
	rep.Thresholds = aborted
	if reason := atk.AbortReason(); reason != "" {
		o.logf("stopped early: %s\n", reason)
	}
	if errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded) {
		return rep, runErr
	}
	return rep, runErr
}

// Report is the whole-run report of a finished attack (scenario, target and settings left for the caller).
func (a *Attack) Report(pacing Pacing, d time.Duration) *reports.Report {
	r := &reports.Report{
		Attack:    a.Name,
		StartedAt: a.Start.UTC(),
		RateRPS:   RPS(pacing.Rate),
	}
	a.rec.fillReport(r)
	finishTotals(r)
	return r
}

// finishTotals derives the ratios and rates from the counts, for single runs and merges alike.
func finishTotals(r *reports.Report) {
	if r.EndedAt.Before(r.StartedAt) {
		r.EndedAt = r.StartedAt
	}
	r.DurationS = r.EndedAt.Sub(r.StartedAt).Seconds()
	if due := r.Requests + r.DroppedRequests; due > 0 {
		r.SuccessRatio = float64(r.Successes) / float64(due)
	}
	if r.DurationS > 0 {
		r.ThroughputRPS = float64(r.Successes) / r.DurationS
	}
	if r.StatusCodes == nil {
		r.StatusCodes = map[string]int64{}
	}
	if r.Errors == nil {
		r.Errors = []reports.ErrorCount{}
	}
	if r.Series == nil {
		r.Series = []reports.Second{}
	}
}
