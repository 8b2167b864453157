package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Threshold is one parsed SLO expression such as "p99 < 200ms" (k6 style).
type Threshold struct {
	Expr   string
	Metric string
	Op     string
	// Target is in the metric's display unit: ms for latencies, percent for
	// ratios, requests per second for throughput, a plain number for counts.
	Target float64
	// AbortOnFail asks the load engine to stop the run as soon as the
	// threshold fails ("p99 < 200ms abort_on_fail").
	AbortOnFail bool
}

// metricKind says how a metric's value is expressed and which units it takes.
type metricKind int

const (
	kindLatency metricKind = iota // milliseconds; accepts us, ms, s
	kindRatio                     // percent; accepts % or a bare fraction 0..1
	kindRate                      // requests per second
	kindCount                     // a plain number
)

func (k metricKind) unit() string {
	switch k {
	case kindLatency:
		return "ms"
	case kindRatio:
		return "%"
	case kindRate:
		return "rps"
	}
	return ""
}

type metricDef struct {
	kind  metricKind
	value func(r *Report) (float64, bool) // false when the report has no such data
}

// thresholdOps lists the comparison operators, longest first so "<=" wins over "<".
var thresholdOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// latencyFields maps a percentile name to its field in Percentiles.
var latencyFields = map[string]func(p Percentiles) float64{
	"min":    func(p Percentiles) float64 { return p.Min },
	"mean":   func(p Percentiles) float64 { return p.Mean },
	"p50":    func(p Percentiles) float64 { return p.P50 },
	"p90":    func(p Percentiles) float64 { return p.P90 },
	"p95":    func(p Percentiles) float64 { return p.P95 },
	"p99":    func(p Percentiles) float64 { return p.P99 },
	"p99.9":  func(p Percentiles) float64 { return p.P999 },
	"p99.99": func(p Percentiles) float64 { return p.P9999 },
	"max":    func(p Percentiles) float64 { return p.Max },
}

// metrics is every name a threshold may judge.
var metrics = buildMetrics()

func buildMetrics() map[string]metricDef {
	m := map[string]metricDef{
		"success": {kindRatio, func(r *Report) (float64, bool) { return r.SuccessRatio * 100, r.Requests > 0 }},
		"errors": {kindRatio, func(r *Report) (float64, bool) {
			return (1 - r.SuccessRatio) * 100, r.Requests > 0
		}},
		"throughput": {kindRate, func(r *Report) (float64, bool) { return r.ThroughputRPS, true }},
		"rate":       {kindRate, func(r *Report) (float64, bool) { return r.RateRPS, true }},
		"requests":   {kindCount, func(r *Report) (float64, bool) { return float64(r.Requests), true }},
		"late": {kindRatio, func(r *Report) (float64, bool) {
			return LateRatio(r.LateRequests, r.Requests, r.DroppedRequests) * 100, r.Requests+r.DroppedRequests > 0
		}},
		"interrupted_requests": {kindCount, func(r *Report) (float64, bool) { return float64(r.InterruptedRequests), true }},
		"late_requests":        {kindCount, func(r *Report) (float64, bool) { return float64(r.LateRequests), true }},
		"dropped_requests":     {kindCount, func(r *Report) (float64, bool) { return float64(r.DroppedRequests), true }},
		"achieved":             {kindRate, func(r *Report) (float64, bool) { return r.AchievedRPS, true }},
		"fanout.delivered": {kindRatio, func(r *Report) (float64, bool) {
			if r.Fanout == nil {
				return 0, false
			}
			return r.Fanout.DeliveredRatio * 100, true
		}},
		"fanout.missing":      fanoutCount(func(f *Fanout) int64 { return f.Missing }),
		"fanout.duplicates":   fanoutCount(func(f *Fanout) int64 { return f.Duplicates }),
		"fanout.after_answer": fanoutCount(func(f *Fanout) int64 { return f.AfterAnswer }),
		"fanout.unmatched":    fanoutCount(func(f *Fanout) int64 { return f.Unmatched }),
		"validation.violations": {kindCount, func(r *Report) (float64, bool) {
			if r.Validation == nil {
				return 0, false
			}
			return float64(r.Validation.Violations), true
		}},
	}
	for name, field := range latencyFields {
		m[name] = metricDef{kindLatency, func(r *Report) (float64, bool) { return field(r.Latency), r.Requests > 0 }}
		m["service."+name] = metricDef{kindLatency, func(r *Report) (float64, bool) { return field(r.ServiceTime), r.Requests > 0 }}
		m["fanout."+name] = metricDef{kindLatency, func(r *Report) (float64, bool) {
			if r.Fanout == nil {
				return 0, false
			}
			return field(r.Fanout.Latency), true
		}}
	}
	return m
}

func fanoutCount(get func(*Fanout) int64) metricDef {
	return metricDef{kindCount, func(r *Report) (float64, bool) {
		if r.Fanout == nil {
			return 0, false
		}
		return float64(get(r.Fanout)), true
	}}
}

// ThresholdMetrics lists the metric names a threshold may use, sorted.
func ThresholdMetrics() []string {
	names := make([]string, 0, len(metrics))
	for n := range metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ParseThreshold parses "METRIC OP VALUE[UNIT] [abort_on_fail]", for example
// "p99 < 200ms", "success > 99.9%", "fanout.delivered == 100%", "late_requests == 0".
func ParseThreshold(expr string) (Threshold, error) {
	t := Threshold{Expr: strings.TrimSpace(expr)}
	rest := t.Expr
	if s, ok := strings.CutSuffix(rest, "abort_on_fail"); ok {
		t.AbortOnFail = true
		rest = strings.TrimRight(strings.TrimSpace(s), ",")
	}
	opAt, op := -1, ""
	for i := 0; i < len(rest) && opAt < 0; i++ {
		for _, o := range thresholdOps {
			if strings.HasPrefix(rest[i:], o) {
				opAt, op = i, o
				break
			}
		}
		if opAt < 0 && rest[i] == '=' {
			return t, fmt.Errorf("threshold %q: bad operator at %q; use one of %s", expr, rest[i:], strings.Join(thresholdOps, " "))
		}
	}
	if opAt < 0 {
		return t, fmt.Errorf("threshold %q: no comparison operator; write METRIC OP VALUE such as \"p99 < 200ms\" (operators %s)", expr, strings.Join(thresholdOps, " "))
	}
	name := strings.ToLower(strings.TrimSpace(rest[:opAt]))
	t.Metric, t.Op = canonicalMetric(name), op
	if t.Metric == "fanout.late" {
		return t, fmt.Errorf("threshold %q: fanout.late is now fanout.after_answer (extension events after the invocation answered); the generator's late requests are late and late_requests", expr)
	}
	def, ok := metrics[t.Metric]
	if !ok {
		return t, fmt.Errorf("threshold %q: unknown metric %q; valid metrics: %s", expr, name, strings.Join(ThresholdMetrics(), ", "))
	}
	valueTok := strings.TrimSpace(rest[opAt+len(op):])
	if strings.HasPrefix(valueTok, "=") || strings.HasPrefix(valueTok, "<") || strings.HasPrefix(valueTok, ">") {
		return t, fmt.Errorf("threshold %q: bad operator %q; use one of %s", expr, op+valueTok[:1], strings.Join(thresholdOps, " "))
	}
	v, err := parseThresholdValue(valueTok, def.kind)
	if err != nil {
		return t, fmt.Errorf("threshold %q: %w", expr, err)
	}
	t.Target = v
	return t, nil
}

// canonicalMetric accepts common spellings: p999 for p99.9, p9999 for p99.99, success_ratio.
func canonicalMetric(name string) string {
	prefix := ""
	for _, p := range []string{"service.", "fanout."} {
		if s, ok := strings.CutPrefix(name, p); ok {
			prefix, name = p, s
		}
	}
	switch name {
	case "p999":
		name = "p99.9"
	case "p9999":
		name = "p99.99"
	case "avg":
		name = "mean"
	case "success_ratio":
		name = "success"
	case "delivered_ratio":
		name = "delivered"
	}
	return prefix + name
}

// parseThresholdValue converts "200ms", "1.5s", "99.9%", "0", "900" to the metric's display unit.
func parseThresholdValue(tok string, kind metricKind) (float64, error) {
	if tok == "" {
		return 0, fmt.Errorf("missing value after the operator")
	}
	end := 0
	for end < len(tok) && (tok[end] == '.' || tok[end] == '-' || tok[end] == '+' || tok[end] == 'e' && end > 0 || tok[end] >= '0' && tok[end] <= '9') {
		end++
	}
	num, unit := tok[:end], strings.ToLower(strings.TrimSpace(tok[end:]))
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad number %q", tok)
	}
	scale, ok := unitScales[kind][unit]
	if !ok {
		return 0, fmt.Errorf("bad unit %q for this metric; use %s", tok[end:], strings.Join(unitNames[kind], ", "))
	}
	if kind == kindRatio && unit == "" {
		if v < 0 || v > 1 {
			return 0, fmt.Errorf("bare ratio %q must be between 0 and 1; write %s%% for a percentage", tok, num)
		}
	}
	return v * scale, nil
}

var unitScales = map[metricKind]map[string]float64{
	kindLatency: {"": 1, "ms": 1, "s": 1000, "us": 0.001, "µs": 0.001},
	kindRatio:   {"%": 1, "": 100},
	kindRate:    {"": 1, "rps": 1, "/s": 1},
	kindCount:   {"": 1},
}

var unitNames = map[metricKind][]string{
	kindLatency: {"us", "ms", "s"},
	kindRatio:   {"% (99.9%)", "a fraction (0.999)"},
	kindRate:    {"a number of requests per second (900)", "rps", "/s"},
	kindCount:   {"a plain number"},
}

// Evaluate judges the threshold against r. A metric the report has no data
// for (fanout.* on a sync run, latency of a run with no requests) fails.
func (t Threshold) Evaluate(r *Report) ThresholdResult {
	def := metrics[t.Metric]
	res := ThresholdResult{Expr: t.Expr, Metric: t.Metric, Op: t.Op, Target: t.Target, Unit: def.kind.unit()}
	if def.value == nil {
		return res
	}
	actual, ok := def.value(r)
	res.Actual = actual
	res.Pass = ok && compare(actual, t.Op, t.Target)
	return res
}

// compare applies op; equality allows for float noise so "== 100%" holds for a ratio of 1.
func compare(a float64, op string, b float64) bool {
	const eps = 1e-9
	eq := math.Abs(a-b) <= eps*math.Max(1, math.Abs(b))
	switch op {
	case "<":
		return a < b && !eq
	case "<=":
		return a < b || eq
	case ">":
		return a > b && !eq
	case ">=":
		return a > b || eq
	case "==":
		return eq
	case "!=":
		return !eq
	}
	return false
}

// ParseThresholds parses every expression, reporting the first bad one.
func ParseThresholds(exprs []string) ([]Threshold, error) {
	out := make([]Threshold, 0, len(exprs))
	for _, e := range exprs {
		t, err := ParseThreshold(e)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// EvaluateThresholds parses and judges every expression against r, in order.
// It returns an error (and no results) when any expression does not parse.
func EvaluateThresholds(r *Report, exprs []string) ([]ThresholdResult, error) {
	ts, err := ParseThresholds(exprs)
	if err != nil {
		return nil, err
	}
	out := make([]ThresholdResult, len(ts))
	for i, t := range ts {
		out[i] = t.Evaluate(r)
	}
	return out, nil
}

// ThresholdsPassed reports whether every result passed (true for none).
func ThresholdsPassed(results []ThresholdResult) bool {
	for _, res := range results {
		if !res.Pass {
			return false
		}
	}
	return true
}

// FormatThresholdValue prints v in its unit, trimmed: "200ms", "99.9%", "900 rps", "0".
func FormatThresholdValue(v float64, unit string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if math.Abs(v) >= 1 && len(s) > 8 {
		s = strconv.FormatFloat(v, 'f', 2, 64)
	} else if len(s) > 10 {
		s = strconv.FormatFloat(v, 'g', 4, 64)
	}
	switch unit {
	case "":
		return s
	case "rps":
		return s + " rps"
	}
	return s + unit
}
