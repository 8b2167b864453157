package load

import (
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/fgharness/fgharness/reports"
)

// plainEvery is how often a non-terminal (CI log) gets a progress line.
const plainEvery = 5 * time.Second

// watch follows a running attack every second: it draws progress and stops
// the attack when a threshold marked abort_on_fail fails after its delay.
// The returned function stops watching and clears the bar.
func (o *Options) watch(a *Attack, pacing Pacing, aborted *[]reports.ThresholdResult) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	var bar *progressbar.ProgressBar
	total := int64(-1)
	if o.Duration > 0 {
		total = int64(RPS(pacing.Rate) * o.Duration.Seconds() / float64(max(1, o.Shard.Count)))
	}
	if o.Progress != nil && o.ProgressTTY {
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(o.Progress),
			progressbar.OptionSetDescription(a.Name),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionClearOnFinish(),
		)
	}
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		lastLine := time.Now()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			s := a.Snapshot()
			line := progressLine(s)
			switch {
			case bar != nil:
				_ = bar.Set64(s.Requests) // before Describe, which redraws
				bar.Describe(line)
			case o.Progress != nil && time.Since(lastLine) >= plainEvery:
				fmt.Fprintf(o.Progress, "%s %s\n", a.Name, line)
				lastLine = time.Now()
			}
			o.checkAbort(a, s, aborted)
		}
	}()
	return func() {
		close(done)
		<-finished
		if bar != nil {
			_ = bar.Finish()
		}
		if o.Progress != nil && !o.ProgressTTY {
			fmt.Fprintf(o.Progress, "%s %s\n", a.Name, progressLine(a.Snapshot()))
		}
	}
}

func progressLine(s Snapshot) string {
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Requests) / s.Elapsed.Seconds()
	}
	return fmt.Sprintf("elapsed %s sent %d rate %.0f/s p50 %s p99 %s errors %d late %d",
		s.Elapsed.Truncate(time.Second), s.Requests, rate, s.P50.Round(10*time.Microsecond), s.P99.Round(10*time.Microsecond), s.Errors, s.Late)
}

// checkAbort judges the abort_on_fail thresholds on the run so far.
func (o *Options) checkAbort(a *Attack, s Snapshot, aborted *[]reports.ThresholdResult) {
	var exprs []string
	for _, t := range o.Thresholds {
		if t.AbortOnFail && s.Elapsed >= t.Delay {
			exprs = append(exprs, t.Expr)
		}
	}
	if len(exprs) == 0 || s.Requests == 0 {
		return
	}
	partial := &reports.Report{StartedAt: a.Start}
	a.rec.fillTotals(partial)
	finishTotals(partial)
	results, err := reports.EvaluateThresholds(partial, exprs)
	if err != nil {
		return
	}
	for _, r := range results {
		if !r.Pass {
			r.Aborted = true
			*aborted = append(*aborted, r)
			a.Stop(fmt.Sprintf("threshold %q failed after %s (actual %g%s)", r.Expr, s.Elapsed.Truncate(time.Second), r.Actual, r.Unit))
			return
		}
	}
}
