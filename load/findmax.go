package load

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/reports"
)

// DefaultSLO is what find-max holds the endpoint to unless told otherwise.
var DefaultSLO = []string{"p99 < 100ms", "success >= 99.9%"}

// FindMaxOptions steps the rate up from --rate until the SLO breaks. Each
// step runs for the run's --duration.
type FindMaxOptions struct {
	SLO      []string // threshold expressions every step must pass
	Factor   float64  // next rate = rate × Factor (default 1.5) …
	Step     float64  // … or rate + Step req/s when Step > 0
	MaxRate  float64  // stop climbing here (default 100,000 req/s)
	MaxSteps int      // at most this many steps (default 12)
	// MaxLate is the share of late requests above which a step counts as
	// broken by the generator, not the endpoint (default 1%).
	MaxLate float64
}

func (f *FindMaxOptions) slo() []string {
	if len(f.SLO) == 0 {
		return DefaultSLO
	}
	return f.SLO
}

func (f *FindMaxOptions) defaults() {
	if f.Factor <= 1 {
		f.Factor = 1.5
	}
	if f.MaxRate <= 0 {
		f.MaxRate = 100_000
	}
	if f.MaxSteps <= 0 {
		f.MaxSteps = 12
	}
	if f.MaxLate <= 0 {
		f.MaxLate = 0.01
	}
}

func (f *FindMaxOptions) next(rps float64) float64 {
	if f.Step > 0 {
		return rps + f.Step
	}
	return rps * f.Factor
}

// runFindMax climbs the rate until a step breaks the SLO, keeping the
// throughput–latency curve; the report's headline numbers are those of the
// highest step that held.
func runFindMax(ctx context.Context, o *Options, env *environment) (*reports.Report, error) {
	fm := o.FindMax
	fm.defaults()
	slo := fm.slo()
	var rig *fanoutRig
	if o.Scenario == ScenarioFanout {
		rig = &fanoutRig{}
		defer func() { CloseExtensionSinks(rig.sinks) }()
	}
	result := &reports.FindMax{SLO: slo}
	var (
		curve       []reports.SweepPoint
		best, first *reports.Report
		bestDir     string
		firstDir    string
		err         error
	)
	rps := RPS(o.Pacing.Rate)
	for step := 1; step <= fm.MaxSteps && rps <= fm.MaxRate; step++ {
		pacing := o.Pacing
		pacing.Shape = "constant"
		pacing.Rate = vegeta.Rate{Freq: int(math.Round(rps)), Per: time.Second}
		dir := filepath.Join(o.OutDir, "steps", fmt.Sprintf("%02d-%drps", step, pacing.Rate.Freq))
		o.logf("find-max step %d: %d req/s\n", step, pacing.Rate.Freq)
		var rep *reports.Report
		if rig != nil {
			rep, err = runFanoutStep(ctx, o, env, rig, o.Fanout[0], dir, pacing)
		} else {
			rep, err = runSingle(ctx, o, env, dir, pacing, nil)
		}
		if rep == nil {
			break
		}
		o.finish(rep, env)
		if first == nil {
			first, firstDir = rep, dir
		}
		judged, jerr := reports.EvaluateThresholds(rep, slo)
		if jerr != nil {
			return nil, jerr
		}
		rep.Thresholds = judged
		_ = reports.WriteAll(dir, rep)
		held, by := true, ""
		for _, t := range judged {
			if !t.Pass {
				held, by = false, fmt.Sprintf("%s (actual %g%s)", t.Expr, t.Actual, t.Unit)
				break
			}
		}
		if due := rep.Requests + rep.DroppedRequests; held && due > 0 && float64(rep.LateRequests)/float64(due) > fm.MaxLate {
			held, by = false, fmt.Sprintf("generator behind schedule: %d of %d requests late", rep.LateRequests, due)
		}
		k := 0
		if rep.Fanout != nil {
			k = rep.Fanout.Extensions
		}
		curve = append(curve, sweepPoint(rep, k, held))
		if err != nil || rep.Interrupted {
			break
		}
		if !held {
			result.BrokenAtRPS, result.BrokenBy = rep.RateRPS, by
			o.logf("find-max: %g req/s broke the SLO: %s\n", rep.RateRPS, by)
			break
		}
		best, bestDir = rep, dir
		result.MaxRateRPS = rep.RateRPS
		rps = fm.next(rps)
	}
	switch {
	case result.BrokenAtRPS > 0:
	case err != nil:
		result.Stopped = "error"
	case ctx.Err() != nil:
		result.Stopped = "interrupted"
	case rps > fm.MaxRate:
		result.Stopped = "max_rate"
	default:
		result.Stopped = "max_steps"
	}
	head, headDir := best, bestDir
	if head == nil {
		head, headDir = first, firstDir
	}
	if head == nil {
		return nil, err
	}
	if aerr := adoptStepFiles(headDir, o.OutDir); aerr != nil && err == nil {
		err = aerr
	}
	out := *head
	out.Thresholds = nil
	out.Sweep = curve
	out.FindMax = result
	return &out, err
}
