package reports

import (
	"strings"
	"testing"
)

func TestParseThreshold(t *testing.T) {
	for _, tc := range []struct {
		expr   string
		metric string
		op     string
		target float64
		abort  bool
	}{
		{"p99 < 200ms", "p99", "<", 200, false},
		{"p50<20ms", "p50", "<", 20, false},
		{"p99.9 <= 1.5s", "p99.9", "<=", 1500, false},
		{"p999 < 300ms", "p99.9", "<", 300, false},
		{"max < 500000us", "max", "<", 500, false},
		{"mean <= 12", "mean", "<=", 12, false},
		{"success > 99.9%", "success", ">", 99.9, false},
		{"success >= 0.999", "success", ">=", 99.9, false},
		{"throughput > 900", "throughput", ">", 900, false},
		{"throughput >= 900/s", "throughput", ">=", 900, false},
		{"fanout.delivered == 100%", "fanout.delivered", "==", 100, false},
		{"late < 1%", "late", "<", 1, false},
		{"late_requests == 0", "late_requests", "==", 0, false},
		{"service.p99 < 50ms", "service.p99", "<", 50, false},
		{"errors != 100%", "errors", "!=", 100, false},
		{"p99 < 200ms abort_on_fail", "p99", "<", 200, true},
		{"  P99   <   200 ms ", "p99", "<", 200, false},
	} {
		got, err := ParseThreshold(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if got.Metric != tc.metric || got.Op != tc.op || got.Target != tc.target || got.AbortOnFail != tc.abort {
			t.Errorf("%q parsed as %+v", tc.expr, got)
		}
	}
}

func TestParseThresholdErrorsNameTheProblem(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"p98 < 200ms", `unknown metric "p98"; valid metrics: `},
		{"p99 = 200ms", `bad operator`},
		{"p99 =< 200ms", `bad operator`},
		{"p99 <> 200ms", `bad operator "<>"`},
		{"p99 200ms", "no comparison operator"},
		{"p99 < fast", `bad number "fast"`},
		{"p99 < 200%", `bad unit "%"`},
		{"success > 99.9ms", `bad unit "ms"`},
		{"success > 99.9", "between 0 and 1"},
		{"late_requests == 0ms", `bad unit "ms"`},
		{"p99 <", "missing value"},
	} {
		_, err := ParseThreshold(tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.expr, err, tc.want)
		}
	}
	_, err := ParseThreshold("p98 < 200ms")
	for _, m := range []string{"p99.9", "service.p99", "fanout.delivered", "late_requests", "throughput"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %v does not list metric %s", err, m)
		}
	}
}

func TestEvaluateThresholds(t *testing.T) {
	r := &Report{Requests: 1000, Successes: 999, SuccessRatio: 0.999, ThroughputRPS: 950, LateRequests: 5,
		Latency:     Percentiles{P50: 10, P99: 150, P999: 400, Max: 900, Mean: 12},
		ServiceTime: Percentiles{P99: 60},
		Fanout:      &Fanout{DeliveredRatio: 1}}
	for _, tc := range []struct {
		expr string
		pass bool
	}{
		{"p99 < 200ms", true},
		{"p99 < 150ms", false},
		{"p99 <= 150ms", true},
		{"p99.9 < 0.3s", false},
		{"max < 1s", true},
		{"mean > 12", false},
		{"success > 99.9%", false},
		{"success >= 99.9%", true},
		{"throughput > 900", true},
		{"fanout.delivered == 100%", true},
		{"late < 1%", true},
		{"late < 0.5%", false},
		{"late_requests == 0", false},
		{"service.p99 < 50ms", false},
		{"p50 != 10ms", false},
	} {
		res, err := EvaluateThresholds(r, []string{tc.expr})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Pass != tc.pass {
			t.Errorf("%q: pass=%v (actual %v %s), want %v", tc.expr, res[0].Pass, res[0].Actual, res[0].Unit, tc.pass)
		}
	}
}

func TestEvaluateThresholdsMissingDataFails(t *testing.T) {
	r := &Report{Requests: 10, SuccessRatio: 1}
	res, err := EvaluateThresholds(r, []string{"fanout.delivered == 100%", "success == 100%"})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Pass {
		t.Error("fanout threshold passed on a run with no fan-out")
	}
	if !res[1].Pass {
		t.Error("success == 100% failed on a fully successful run")
	}
	if ThresholdsPassed(res) {
		t.Error("ThresholdsPassed with a failure")
	}
	if _, err := EvaluateThresholds(r, []string{"p99 < 1ms", "nonsense"}); err == nil {
		t.Error("a bad expression among good ones was accepted")
	}
}

func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"p99 < 200ms", "success > 99.9%", "late_requests == 0", "p99.9<=1e3us abort_on_fail", "=<", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			return
		}
		if _, ok := metrics[th.Metric]; !ok {
			t.Fatalf("%q parsed to unknown metric %q", expr, th.Metric)
		}
		_ = th.Evaluate(&Report{})
	})
}
