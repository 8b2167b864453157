package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/fgharness/fgharness/reports"
)

// Run prepares the target, runs the scenario, writes DIR/report.json (and
// its renderings, results.bin and histograms.jsonl) and returns the report.
// The error wraps ErrThresholds when a threshold failed, and ctx.Err() when
// interrupted (the report of what ran is still written and returned).
func Run(ctx context.Context, o Options) (*reports.Report, error) {
	o.defaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	if len(o.Thresholds) == 0 && o.FindMax == nil {
		o.Thresholds, o.defaultThreshold = []ThresholdSpec{{Expr: DefaultThreshold}}, true
	}
	parsed, err := reports.ParseThresholds(Exprs(o.Thresholds))
	if err != nil {
		return nil, err
	}
	if err := o.thresholdsApply(parsed); err != nil {
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

	if o.Procs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(o.Procs))
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
	var verdict []error
	if rep.Successes == 0 && rep.DueRequests > 0 {
		verdict = append(verdict, fmt.Errorf("%w: none of %d requests got the documented answer (top error: %s)", ErrNoSuccess, rep.DueRequests, topError(rep)))
	}
	if !reports.ThresholdsPassed(rep.Thresholds) {
		verdict = append(verdict, fmt.Errorf("%w: %s", ErrThresholds, failedThresholds(rep.Thresholds)))
	}
	return rep, errors.Join(verdict...)
}

// thresholdsApply refuses, before anything runs, a threshold the run can
// never judge: fan-out deliveries outside the fan-out scenario, spec
// violations without sampling.
func (o *Options) thresholdsApply(ts []reports.Threshold) error {
	var errs []error
	for _, t := range ts {
		switch {
		case strings.HasPrefix(t.Metric, "fanout.") && o.Scenario != ScenarioFanout:
			errs = append(errs, fmt.Errorf("threshold %q judges extension deliveries, which only the %s scenario has (this run is %s)", t.Expr, ScenarioFanout, o.Scenario))
		case strings.HasPrefix(t.Metric, "validation.") && o.ValidateSample <= 0:
			errs = append(errs, fmt.Errorf("threshold %q judges spec violations: add --validate-sample, e.g. 1%%", t.Expr))
		}
	}
	return errors.Join(errs...)
}

// failedThresholds names every failed threshold with its actual value.
func failedThresholds(ts []reports.ThresholdResult) string {
	var out []string
	for _, t := range ts {
		if !t.Pass {
			out = append(out, fmt.Sprintf("%s (actual %s)", t.Expr, reports.FormatThresholdValue(t.Actual, t.Unit)))
		}
	}
	return strings.Join(out, "; ")
}

// topError is the most frequent error message of r, for one-line verdicts.
func topError(r *reports.Report) string {
	if len(r.Errors) == 0 {
		return "none recorded"
	}
	return fmt.Sprintf("%q ×%d", r.Errors[0].Message, r.Errors[0].Count)
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
	r.RunID = o.RunID
	r.Attack = o.attackName()
	r.Target = o.Target.Redacted()
	r.Function = env.function
	if o.Shard.Count > 1 {
		r.Shards = 1
	}
	r.Settings = o.settings()
	if r.Protocol == "" { // runSingle records what was actually spoken
		r.Protocol = o.TLS.Protocol(strings.HasPrefix(o.Target.BaseURL, "https://"))
	}
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
	hc := newHTTPClient(conns, env.tls, o.TLS.HTTP2)
	inv := Invocation{
		TLS:         env.tls,
		NetHTTP:     o.TLS.HTTP2,
		Timeout:     o.Timeout,
		Connections: conns,
		BaseURL:     o.Target.BaseURL,
		ProjectID:   o.Target.ProjectID,
		FunctionURN: env.function,
		Auth:        o.Target.Credentials(),
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
		Workers(o.Workers), MaxWorkers(o.MaxWorkers), Timeout(o.Timeout), LateAfter(o.lateBudget(pacing)),
		MaxRequests(o.MaxRequests), Output(bin, hist), OnResult(onResult),
		PreciseTimers(!o.GoTimers), Offset(o.Shard.Offset(pacing)), ShardOf(o.Shard), StartAt(o.StartAt),
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
	rep.Protocol = h.protocol(o.TLS)
	rep.Interrupted = ctx.Err() != nil
	rep.Thresholds = aborted
	if reason := atk.AbortReason(); reason != "" {
		o.logf("stopped early: %s\n", reason)
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
	r.DueRequests = r.Requests + r.DroppedRequests + r.InterruptedRequests
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
