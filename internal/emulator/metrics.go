package emulator

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// serverMetrics are the emulator's Prometheus metrics, in its own registry
// so several emulators in one process do not collide.
type serverMetrics struct {
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	timerFires *prometheus.CounterVec
}

func newServerMetrics(reg *prometheus.Registry) *serverMetrics {
	m := &serverMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "fgh", Subsystem: "emulator", Name: "requests_total",
			Help: "Requests answered, by spec operation and HTTP status.",
		}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "fgh", Subsystem: "emulator", Name: "request_duration_seconds",
			Help:    "Time to answer a request, by spec operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		timerFires: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "fgh", Subsystem: "emulator", Name: "timer_trigger_fires_total",
			Help: "TIMER trigger firings, by outcome: queued (an async invocation was queued) or refused (queue full, shutting down).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.requests, m.latency, m.timerFires)
	return m
}

// registerRuntimeMetrics adds the gauges computed from the store at scrape time.
func (e *Emulator) registerRuntimeMetrics() {
	e.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "fgh", Subsystem: "emulator", Name: "executions_in_flight",
		Help: "Function executions running now: sync and async invocations and timer firings.",
	}, func() float64 {
		var n int64
		e.store.read(func() {
			for _, f := range e.store.functions {
				n += f.rt.inFlight.Load()
			}
		})
		return float64(n)
	}))
}

var statusText = func() map[int]string {
	m := map[int]string{}
	for s := 100; s < 600; s++ {
		m[s] = strconv.Itoa(s)
	}
	return m
}()

func (m *serverMetrics) count(op string, status int) {
	code, ok := statusText[status]
	if !ok {
		code = strconv.Itoa(status)
	}
	m.requests.WithLabelValues(op, code).Inc()
}

// metricTypes are the listFunctionAsMetric "type" values the emulator
// computes from its own invocation counters.
var metricTypes = map[string]func(c *invocationCounts) int64{
	"count":       func(c *invocationCounts) int64 { return c.count.Load() },
	"failcount":   func(c *invocationCounts) int64 { return c.fail.Load() },
	"rejectcount": func(c *invocationCounts) int64 { return c.reject.Load() },
	"duration": func(c *invocationCounts) int64 {
		if n := c.count.Load(); n > 0 {
			return c.durationNs.Load() / n / int64(time.Millisecond)
		}
		return 0
	},
	"maxduration": func(c *invocationCounts) int64 { return c.maxNs.Load() / int64(time.Millisecond) },
	"minduration": func(c *invocationCounts) int64 { return c.minNs.Load() / int64(time.Millisecond) },
}

// listFunctionAsMetric reports one value per function (count, failcount,
// rejectcount, duration = mean ms, maxduration, minduration), highest first.
// start_time and end_time are accepted; counts cover the emulator's life.
func listFunctionAsMetric(c *call) (int, any, *apiError) {
	typ := c.query("type")
	if typ == "" {
		typ = "failcount"
	}
	get, ok := metricTypes[typ]
	if !ok {
		return 0, nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter type: %q is not one of count, failcount, rejectcount, duration, maxduration, minduration", typ)
	}
	limit := 10
	if s := c.query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter limit: %q is not a count", s)
		}
		if n > 0 {
			limit = n
		}
	}
	type value struct {
		Key   string `json:"key"`
		Value int64  `json:"value"`
	}
	var values []value
	c.e.store.read(func() {
		values = make([]value, 0, len(c.e.store.functions))
		for _, f := range c.e.store.sortedFunctions() {
			u := f.latest.FuncURN
			values = append(values, value{Key: u[:len(u)-len(":latest")], Value: get(&f.rt.counts)})
		}
	})
	sortBy(values, func(v value) int64 { return -v.Value })
	page, next := paginate(values, 0, limit)
	return http.StatusOK, map[string]any{"values": page, "next_marker": next, "count": len(values)}, nil
}

// listQuotas reports the documented quota types with usage computed from the store.
func listQuotas(c *call) (int, any, *apiError) {
	var codeBytes int64
	var fns, wfs, reserved int
	c.e.store.read(func() {
		for _, f := range c.e.store.functions {
			codeBytes += f.latest.CodeSize
		}
		fns, wfs, reserved = len(c.e.store.functions), len(c.e.store.workflows), c.e.store.reservedTotal()
	})
	type resource struct {
		Quota int64  `json:"quota"`
		Used  int64  `json:"used"`
		Type  string `json:"type"`
		Unit  string `json:"unit,omitempty"`
	}
	return http.StatusOK, map[string]any{"quotas": map[string]any{"resources": []resource{
		{Quota: 400, Used: int64(fns), Type: "fgs_func_num"},
		{Quota: 81920, Used: codeBytes >> 20, Type: "fgs_func_code_size", Unit: "MB"},
		{Quota: 1000, Used: int64(wfs), Type: "fgs_workflow_num"},
		{Quota: reservedQuota, Used: int64(reserved), Type: "fgs_func_occurs"},
	}}}, nil
}
