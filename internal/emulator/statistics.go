package emulator

import (
	"net/http"
	"strconv"
	"time"

	"github.com/fgharness/fgharness/internal/urn"
)

// The metric operations answer from the emulator's own invocation records
// (invocationSeries): a period of N minutes ending now is cut into at most
// maxPoints intervals; an interval in which nothing ran reports -1, as the
// documents describe ("no data in the current period").
const (
	maxPoints     = 60
	noData        = -1.0
	defaultPeriod = 60 // minutes, when listStatistics gets no period
)

type point struct {
	Timestamp int64   `json:"timestamp"`
	Value     float64 `json:"value"`
}

// interval is the merged activity of the minutes of one series point.
type interval struct {
	start time.Time
	minuteStats
}

func (iv *interval) add(m minuteStats) {
	iv.count += m.count
	iv.fail += m.fail
	iv.reject += m.reject
	iv.durationSum += m.durationSum
	iv.maxDur = max(iv.maxDur, m.maxDur)
	if m.count > 0 && (iv.minDur == 0 || m.minDur < iv.minDur) {
		iv.minDur = m.minDur
	}
	iv.peakConcurrency = max(iv.peakConcurrency, m.peakConcurrency)
}

// timeline is the intervals of a period, oldest first.
type timeline struct {
	step      time.Duration
	intervals []interval
}

// newTimeline cuts [from, to) into at most maxPoints intervals of whole minutes.
func newTimeline(from, to time.Time) *timeline {
	from, to = from.Truncate(seriesBucket), to.Truncate(seriesBucket).Add(seriesBucket)
	minutes := int(to.Sub(from) / seriesBucket)
	stepMinutes := max(1, (minutes+maxPoints-1)/maxPoints)
	return newTimelineStep(from, to, time.Duration(stepMinutes)*seriesBucket)
}

func (t *timeline) from() time.Time { return t.intervals[0].start }
func (t *timeline) to() time.Time   { return t.intervals[len(t.intervals)-1].start.Add(t.step) }

// addSeries merges a series' minutes into the intervals.
func (t *timeline) addSeries(s *invocationSeries) {
	for _, m := range s.window(t.from(), t.to()) {
		i := int(m.start.Sub(t.from()) / t.step)
		t.intervals[i].add(m)
	}
}

// series renders one metric; value is called only for intervals with data.
func (t *timeline) series(value func(iv *interval) float64) []point {
	out := make([]point, len(t.intervals))
	for i := range t.intervals {
		iv := &t.intervals[i]
		v := noData
		if iv.count > 0 || iv.reject > 0 {
			v = value(iv)
		}
		out[i] = point{iv.start.UnixMilli(), v}
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// invocationMetrics renders the members of the statistics bodies.
func (t *timeline) invocationMetrics() map[string][]point {
	ran := func(f func(iv *interval) float64) func(iv *interval) float64 {
		return func(iv *interval) float64 {
			if iv.count == 0 {
				return noData
			}
			return f(iv)
		}
	}
	return map[string][]point{
		"count":                t.series(func(iv *interval) float64 { return float64(iv.count) }),
		"fail_count":           t.series(func(iv *interval) float64 { return float64(iv.fail) }),
		"function_error_count": t.series(func(iv *interval) float64 { return float64(iv.fail) }),
		"system_error_count":   t.series(func(iv *interval) float64 { return 0 }),
		"reject_count":         t.series(func(iv *interval) float64 { return float64(iv.reject) }),
		"duration":             t.series(ran(func(iv *interval) float64 { return ms(iv.durationSum) / float64(iv.count) })),
		"max_duration":         t.series(ran(func(iv *interval) float64 { return ms(iv.maxDur) })),
		"min_duration":         t.series(ran(func(iv *interval) float64 { return ms(iv.minDur) })),
		"concurrency_num":      t.series(func(iv *interval) float64 { return float64(iv.peakConcurrency) }),
	}
}

// reservedSeries is the reserved instances in force at the end of each interval.
func (t *timeline) reservedSeries(fns ...*function) []point {
	out := make([]point, len(t.intervals))
	for i, iv := range t.intervals {
		n := 0
		for _, f := range fns {
			n += f.reservedAt(iv.start.Add(t.step))
		}
		out[i] = point{iv.start.UnixMilli(), float64(n)}
	}
	return out
}

// periodMinutes reads a period in minutes (1 to the retention).
func periodMinutes(s string, def int) (int, *apiError) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter period: %q is not a number of minutes", s)
	}
	return min(n, int(seriesRetention/time.Minute)), nil
}

// metricsFunction resolves the func_urn path parameter. Caller holds the store lock.
func (c *call) metricsFunction() (*function, *apiError) {
	u, err := urn.Parse(c.param("func_urn"))
	if err != nil || u.Kind != urn.KindFunction {
		return nil, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter func_urn: %q is not a function URN", c.param("func_urn"))
	}
	if u.ProjectID != c.e.cfg.ProjectID {
		return nil, newError(http.StatusForbidden, codeForbidden, "func_urn belongs to project %s, not to this endpoint's project", u.ProjectID)
	}
	return c.e.store.lookup(u)
}

// lastMinutes is a timeline of the last n minutes, this one included.
func lastMinutes(n int) *timeline {
	now := time.Now()
	return newTimeline(now.Add(-time.Duration(n-1)*time.Minute), now)
}

// functionMetrics are the func_urn function's metrics over the last
// minutes: the invocation series and the reserved instances.
func functionMetrics(c *call, minutes int) (body map[string][]point, err *apiError) {
	t := lastMinutes(minutes)
	c.e.store.read(func() {
		var f *function
		if f, err = c.metricsFunction(); err != nil {
			return
		}
		t.addSeries(&f.rt.series)
		body = t.invocationMetrics()
		body["reserved_instance_num"] = t.reservedSeries(f)
	})
	return body, err
}

func listFunctionStatistics(c *call) (int, any, *apiError) {
	return periodMetrics(c, false)
}

// showFunctionMetrics is the SLA report: the statistics plus instance_num,
// the peak of executions running at once (one execution per instance).
func showFunctionMetrics(c *call) (int, any, *apiError) {
	return periodMetrics(c, true)
}

// periodMetrics answers the function's metrics over the period path parameter.
func periodMetrics(c *call, withInstances bool) (int, any, *apiError) {
	minutes, err := periodMinutes(c.param("period"), defaultPeriod)
	if err != nil {
		return 0, nil, err
	}
	body, err := functionMetrics(c, minutes)
	if err != nil {
		return 0, nil, err
	}
	if withInstances {
		body["instance_num"] = body["concurrency_num"]
	}
	return http.StatusOK, body, nil
}

// showFuncReservedInstanceMetrics answers the last hour's points, oldest
// first, paged by marker and limit.
func showFuncReservedInstanceMetrics(c *call) (int, any, *apiError) {
	marker, limit, err := pageParams(c, "limit", maxPoints, maxPoints)
	if err != nil {
		return 0, nil, err
	}
	body, err := functionMetrics(c, defaultPeriod)
	if err != nil {
		return 0, nil, err
	}
	instances, _ := paginate(body["concurrency_num"], marker, limit)
	reserved, _ := paginate(body["reserved_instance_num"], marker, limit)
	return http.StatusOK, map[string][]point{"instanceNum": instances, "reservedInstanceNum": reserved}, nil
}

// listStatistics answers the tenant's monitor data (all functions merged)
// or its monthly report.
func listStatistics(c *call) (int, any, *apiError) {
	if c.query("filter") == "monthly_report" {
		return http.StatusOK, monthlyReport(c), nil
	}
	minutes, err := periodMinutes(c.query("period"), defaultPeriod)
	if err != nil {
		return 0, nil, err
	}
	t := lastMinutes(minutes)
	var body map[string][]point
	s := c.e.store
	s.read(func() {
		fns := s.sortedFunctions()
		for _, f := range fns {
			t.addSeries(&f.rt.series)
		}
		body = t.invocationMetrics()
		body["reserved_instance_num"] = t.reservedSeries(fns...)
	})
	return http.StatusOK, map[string]any{"statistics": body}, nil
}

// monthlyReport covers the months option selects: 0 this month, 1 last
// month, 2 the last three, 3 the last six; anything else counts as 0.
func monthlyReport(c *call) map[string]any {
	first, months := 0, 1
	switch c.query("option") {
	case "1":
		first, months = 1, 1
	case "2":
		months = 3
	case "3":
		months = 6
	}
	type monthUsed struct {
		Date  string  `json:"date"`
		Value float64 `json:"value"`
	}
	var count, gbs, gpu []monthUsed
	now := time.Now().UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	s := c.e.store
	s.read(func() {
		for i := first + months - 1; i >= first; i-- {
			key := monthKey(thisMonth.AddDate(0, -i, 0))
			var total monthStats
			for _, f := range s.functions {
				m := f.rt.series.month(key)
				total.count += m.count
				total.gbs += m.gbs
			}
			count = append(count, monthUsed{key, float64(total.count)})
			gbs = append(gbs, monthUsed{key, total.gbs})
			gpu = append(gpu, monthUsed{key, 0})
		}
	})
	return map[string]any{"count": count, "gbs": gbs, "gpu_gbs": gpu}
}

// workflowTimeline reads start_time and end_time (Unix ms; the last hour
// by default) and period (seconds per point, rounded up to whole minutes).
func workflowTimeline(c *call) (*timeline, *apiError) {
	now := time.Now()
	from, to := now.Add(-time.Hour), now
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"start_time", &from}, {"end_time", &to}} {
		if s := c.query(p.name); s != "" {
			ms, err := strconv.ParseInt(s, 10, 64)
			if err != nil || ms < 0 {
				return nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter %s: %q is not a Unix time in ms", p.name, s)
			}
			*p.dst = time.UnixMilli(ms)
		}
	}
	if !from.Before(to) {
		return nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter start_time: it must be before end_time")
	}
	if to.Sub(from) > seriesRetention {
		from = to.Add(-seriesRetention)
	}
	t := newTimeline(from, to)
	if s := c.query("period"); s != "" {
		sec, err := strconv.Atoi(s)
		if err != nil || sec <= 0 {
			return nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter period: %q is not a number of seconds", s)
		}
		if step := time.Duration(sec+59) / 60 * time.Minute; step > t.step {
			t = newTimelineStep(t.from(), t.to(), step)
		}
	}
	return t, nil
}

// newTimelineStep cuts [from, to) into intervals of step.
func newTimelineStep(from, to time.Time, step time.Duration) *timeline {
	t := &timeline{step: step}
	for at := from; at.Before(to); at = at.Add(step) {
		t.intervals = append(t.intervals, interval{start: at})
	}
	return t
}

// runSpan is what the workflow metrics read of one execution.
type runSpan struct {
	begin, end time.Time // end is zero while it runs
	failed     bool
}

// workflowSpans lists the stored executions of one workflow, or of all
// when workflowURN is empty. Caller holds the store lock.
func (s *store) workflowSpans(workflowURN string) []runSpan {
	var out []runSpan
	for _, r := range s.flowRuns {
		if workflowURN != "" && r.workflowURN != workflowURN {
			continue
		}
		r.mu.Lock()
		span := runSpan{begin: r.begin, failed: r.status != runSuccess && r.status != runRunning}
		if r.status != runRunning {
			span.end = r.end
		}
		r.mu.Unlock()
		out = append(out, span)
	}
	return out
}

// workflowMetrics renders executions per interval: count is those begun in
// it, fail_count those of them that ended failed or stopped, duration their
// mean run time (ms, finished ones), running_count those running at any
// moment of it. An interval with none begun and none running has no data.
func (t *timeline) workflowMetrics(spans []runSpan) map[string][]point {
	metrics := map[string][]point{}
	for _, iv := range t.intervals {
		start, end := iv.start, iv.start.Add(t.step)
		var begun, failed, finished, running int
		var took time.Duration
		for _, r := range spans {
			if r.begin.Before(end) && (r.end.IsZero() || !r.end.Before(start)) {
				running++
			}
			if r.begin.Before(start) || !r.begin.Before(end) {
				continue
			}
			begun++
			if r.failed {
				failed++
			}
			if !r.end.IsZero() {
				finished++
				took += r.end.Sub(r.begin)
			}
		}
		value := func(v float64, has bool) point {
			if !has {
				v = noData
			}
			return point{start.UnixMilli(), v}
		}
		active := begun > 0 || running > 0
		metrics["count"] = append(metrics["count"], value(float64(begun), active))
		metrics["fail_count"] = append(metrics["fail_count"], value(float64(failed), active))
		metrics["running_count"] = append(metrics["running_count"], value(float64(running), active))
		mean := 0.0
		if finished > 0 {
			mean = ms(took) / float64(finished)
		}
		metrics["duration"] = append(metrics["duration"], value(mean, finished > 0))
	}
	return metrics
}

func showTenantMetric(c *call) (int, any, *apiError) {
	t, err := workflowTimeline(c)
	if err != nil {
		return 0, nil, err
	}
	var spans []runSpan
	c.e.store.read(func() { spans = c.e.store.workflowSpans("") })
	body := t.workflowMetrics(spans)
	if only := c.query("metric_type"); only != "" {
		v, known := body[only]
		if !known {
			return 0, nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter metric_type: %q is not one of count, duration, fail_count, running_count", only)
		}
		body = map[string][]point{only: v}
	}
	return http.StatusOK, body, nil
}

func showWorkFlowMetric(c *call) (int, any, *apiError) {
	t, err := workflowTimeline(c)
	if err != nil {
		return 0, nil, err
	}
	id := c.param("workflow_urn")
	var exists bool
	var spans []runSpan
	s := c.e.store
	s.read(func() {
		if _, exists = s.workflows[id]; exists {
			spans = s.workflowSpans(id)
		}
	})
	if !exists {
		return 0, nil, newError(http.StatusNotFound, codeNotFound, "The workflow %s does not exist", id)
	}
	return http.StatusOK, t.workflowMetrics(spans), nil
}
