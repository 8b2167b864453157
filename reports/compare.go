package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Comparison modes: which samples the significance test ran over.
const (
	CompareRuns    = "runs"    // one value per report, several reports per side
	CompareSeconds = "seconds" // one value per second of the run(s)
)

// DefaultMaxRegression is the tolerance `fgh report compare` applies when
// --max-regression is not given.
const DefaultMaxRegression = "p50=10%,p99=10%,throughput=5%"

// CompareOptions tunes Compare.
type CompareOptions struct {
	// MaxRegression is the tolerated relative change in the worse direction
	// per metric (0.10 = 10%); only these metrics are compared.
	MaxRegression map[string]float64
	// Alpha is the significance level of the one-sided Mann–Whitney U test (0.05).
	Alpha float64
	// MinEffect is the smallest Vargha–Delaney A (probability that a current
	// sample is worse than a baseline one) that counts as a real change (0.64, "medium").
	MinEffect float64
}

// Comparison is a baseline-vs-current judgement, metric by metric.
type Comparison struct {
	Mode      string             `json:"mode"`
	Alpha     float64            `json:"alpha"`
	MinEffect float64            `json:"min_effect"`
	Metrics   []MetricComparison `json:"metrics"`
	Baseline  []*Report          `json:"-"`
	Current   []*Report          `json:"-"`
}

// MetricComparison is one metric's verdict.
type MetricComparison struct {
	Metric      string  `json:"metric"`
	Unit        string  `json:"unit,omitempty"`
	Baseline    float64 `json:"baseline"` // median over runs, or the whole-run value
	Current     float64 `json:"current"`
	Change      float64 `json:"change"` // (current-baseline)/baseline; +Inf from a zero baseline
	Worse       bool    `json:"worse"`  // the change goes the bad way
	Tolerance   float64 `json:"tolerance"`
	P           float64 `json:"p"`      // one-sided, in the direction the metric moved
	Effect      float64 `json:"effect"` // Vargha–Delaney A in that direction: 0.5 none, 1 every sample moved
	N1          int     `json:"n_baseline"`
	N2          int     `json:"n_current"`
	Significant bool    `json:"significant"`
	Regressed   bool    `json:"regressed"`
	// Underpowered: with N1 vs N2 samples even a complete separation has a
	// p-value of at least Alpha, so no change could ever be called significant.
	Underpowered bool   `json:"underpowered,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Regressed reports whether any metric got worse beyond its tolerance with significance.
func (c *Comparison) Regressed() bool {
	for _, m := range c.Metrics {
		if m.Regressed {
			return true
		}
	}
	return false
}

// Underpowered reports whether some metric had too few samples to ever reach significance.
func (c *Comparison) Underpowered() bool {
	for _, m := range c.Metrics {
		if m.Underpowered {
			return true
		}
	}
	return false
}

// ParseMaxRegression parses "p99=10%,throughput=5%" into relative tolerances.
// The percent sign is required: a bare "10" reads as ten percent to some
// and as a factor of ten to others, and guessing wrong silences the gate.
func ParseMaxRegression(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("max-regression %q: want METRIC=PERCENT such as p99=10%%", part)
		}
		name = canonicalMetric(strings.ToLower(strings.TrimSpace(name)))
		if _, ok := metrics[name]; !ok {
			return nil, fmt.Errorf("max-regression %q: unknown metric %q; valid metrics: %s", part, name, strings.Join(ThresholdMetrics(), ", "))
		}
		val = strings.TrimSpace(val)
		num, pct := strings.CutSuffix(val, "%")
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("max-regression %q: bad tolerance %q; write a percentage such as %s=10%%", part, val, name)
		}
		if !pct {
			return nil, fmt.Errorf("max-regression %q: the tolerance needs its unit: write %s=%s%% (a relative change in percent)", part, name, num)
		}
		out[name] = v / 100
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("max-regression %q names no metric", s)
	}
	return out, nil
}

// lowerIsWorse lists metrics where a drop is the regression.
var lowerIsWorse = map[string]bool{"success": true, "throughput": true, "achieved": true, "rate": true, "requests": true, "fanout.delivered": true}

// perSecond extracts a metric per second of a run, for single-run comparisons.
var perSecond = map[string]func(s Second) (float64, bool){
	"p50":         func(s Second) (float64, bool) { return s.P50, s.Count > 0 },
	"p99":         func(s Second) (float64, bool) { return s.P99, s.Count > 0 },
	"service.p50": func(s Second) (float64, bool) { return s.ServiceP50, s.Count > 0 },
	"service.p99": func(s Second) (float64, bool) { return s.ServiceP99, s.Count > 0 },
	"throughput":  func(s Second) (float64, bool) { return s.AchievedRPS, true },
	"success": func(s Second) (float64, bool) {
		return 100 * float64(s.Count-s.Errors) / float64(s.Count), s.Count > 0
	},
	"errors": func(s Second) (float64, bool) { return 100 * float64(s.Errors) / float64(s.Count), s.Count > 0 },
	"late":   func(s Second) (float64, bool) { return 100 * float64(s.Late) / float64(s.Count), s.Count > 0 },
}

// Compare judges current against baseline. With at least two reports on
// each side it tests one value per report (repeated runs); otherwise it
// tests the per-second samples of the runs, where only the metrics in the
// series (p50, p99, service.p50, service.p99, throughput, success, errors,
// late) can be compared. A metric regresses when it moved the bad way by
// more than its tolerance, the one-sided test is significant at Alpha, and
// the effect size reaches MinEffect.
func Compare(baseline, current []*Report, opts CompareOptions) (*Comparison, error) {
	if len(baseline) == 0 || len(current) == 0 {
		return nil, fmt.Errorf("compare needs at least one baseline and one current report")
	}
	if opts.Alpha == 0 {
		opts.Alpha = 0.05
	}
	if opts.MinEffect == 0 {
		opts.MinEffect = 0.64
	}
	if opts.MaxRegression == nil {
		opts.MaxRegression, _ = ParseMaxRegression(DefaultMaxRegression)
	}
	c := &Comparison{Mode: CompareSeconds, Alpha: opts.Alpha, MinEffect: opts.MinEffect, Baseline: baseline, Current: current}
	if len(baseline) >= 2 && len(current) >= 2 {
		c.Mode = CompareRuns
	}
	names := make([]string, 0, len(opts.MaxRegression))
	for n := range opts.MaxRegression {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return metricOrder(names[i]) < metricOrder(names[j]) })
	for _, name := range names {
		m, err := c.compareMetric(name, opts.MaxRegression[name])
		if err != nil {
			return nil, err
		}
		c.Metrics = append(c.Metrics, m)
	}
	return c, nil
}

// metricOrder sorts latencies first, by percentile, then everything else by name.
func metricOrder(name string) string {
	order := []string{"min", "mean", "p50", "p90", "p95", "p99", "p99.9", "p99.99", "max", "throughput", "success", "errors", "late"}
	for i, o := range order {
		if name == o {
			return fmt.Sprintf("0%02d", i)
		}
	}
	return "1" + name
}

func (c *Comparison) compareMetric(name string, tol float64) (MetricComparison, error) {
	def := metrics[name]
	higherIsWorse := !lowerIsWorse[name]
	m := MetricComparison{Metric: name, Unit: def.kind.unit(), Tolerance: tol}
	var base, cur []float64
	if c.Mode == CompareRuns {
		base, cur = runValues(c.Baseline, def), runValues(c.Current, def)
		m.Baseline, m.Current = median(base), median(cur)
	} else {
		get, ok := perSecond[name]
		if !ok {
			return m, fmt.Errorf("metric %s cannot be compared from single runs (per-second series hold %s); give several runs per side (--baseline A --baseline B ...)",
				name, strings.Join(sortedKeys(perSecond), ", "))
		}
		base, cur = secondValues(c.Baseline, get), secondValues(c.Current, get)
		m.Baseline, m.Current = median(runValues(c.Baseline, def)), median(runValues(c.Current, def))
	}
	switch {
	case m.Baseline == m.Current:
		m.Change = 0
	case m.Baseline == 0:
		m.Change = math.Copysign(math.Inf(1), m.Current)
	default:
		m.Change = (m.Current - m.Baseline) / math.Abs(m.Baseline)
	}
	m.Worse = higherIsWorse && m.Change > 0 || !higherIsWorse && m.Change < 0
	// Test in the direction the metric moved, so an improvement can be called significant too.
	up := m.Change > 0 || m.Change == 0 && higherIsWorse
	res, err := testShift(base, cur, up)
	m.N1, m.N2, m.P, m.Effect = res.N1, res.N2, res.P, res.Effect
	if err != nil {
		m.Note = "no samples to test"
		return m, nil
	}
	m.Significant = m.P < c.Alpha && m.Effect >= c.MinEffect
	m.Regressed = m.Worse && math.Abs(m.Change) > tol && m.Significant
	if !canReach(m.N1, m.N2, c.Alpha) {
		m.Underpowered = true
		what := "runs"
		if c.Mode == CompareSeconds {
			what = "per-second samples"
		}
		m.Note = fmt.Sprintf("%d vs %d %s can never reach p < %g, so no change can be called significant; give at least %d per side (5 or more for nightly runs)",
			m.N1, m.N2, what, c.Alpha, minSamplesPerSide(c.Alpha))
	}
	return m, nil
}

func runValues(rs []*Report, def metricDef) []float64 {
	var out []float64
	for _, r := range rs {
		if v, ok := def.value(r); ok {
			out = append(out, v)
		}
	}
	return out
}

func secondValues(rs []*Report, get func(Second) (float64, bool)) []float64 {
	var out []float64
	for _, r := range rs {
		for _, s := range r.Series {
			if v, ok := get(s); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
