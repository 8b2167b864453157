package reports

import (
	"strings"
	"testing"
)

func TestSummaryNamesEveryVerdict(t *testing.T) {
	r := &Report{Scenario: "sync-invoke", Target: "http://127.0.0.1:8000", DurationS: 10, RateRPS: 100,
		Requests: 990, DroppedRequests: 5, InterruptedRequests: 5, DueRequests: 1000, Successes: 900, SuccessRatio: 900.0 / 995,
		LateRequests: 7, StatusCodes: map[string]int64{"200": 900, "503": 90},
		Latency: Percentiles{P50: 1.5, P99: 20},
		Thresholds: []ThresholdResult{
			{Expr: "p99 < 10ms", Actual: 20, Unit: "ms", Pass: false},
			{Expr: "success > 50%", Actual: 90.45, Unit: "%", Pass: true},
		},
		FindMax:  &FindMax{SLO: []string{"p99 < 100ms"}, MaxRateRPS: 400, Stopped: "max_rate"},
		Sweep:    []SweepPoint{{RateRPS: 100, Held: true}, {RateRPS: 400, Held: true}},
		Settings: map[string]string{"default_threshold": "success >= 99%"},
	}
	for i := range 7 {
		r.Errors = append(r.Errors, ErrorCount{Message: "error " + string(rune('a'+i)), Count: int64(10 - i)})
	}
	var b strings.Builder
	if err := WriteSummary(&b, r, "runs/x"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"✗ 900 of 995 due succeeded", "dropped 5, interrupted before send 5; late 7",
		"latency", "service time", "200 ×900", "503 ×90", "error a", "error e", "2 more distinct errors",
		"✗  p99 < 10ms", "actual 20ms", "✓  success > 50%", "applied by default",
		"Sweep:", "held up to 400.00/s; stopped: max_rate", "Latencies include 5 dropped requests", "runs/x/report.json",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "error f") {
		t.Errorf("summary lists more than %d errors:\n%s", summaryErrors, out)
	}
}

// TestRenderingsShowConnections checks that the protocol and the connection
// set-up of report.json reach every human rendering, new connections per
// second included in the HTML rate chart (where a handshake storm shows).
func TestRenderingsShowConnections(t *testing.T) {
	r := synthReport(3, 2, 3)
	r.Protocol = "HTTP/2 over TLS (net/http)"
	r.Connections = &Connections{Opened: 1234, ConnectMS: Percentiles{P50: 0.2, P99: 0.9, Max: 1}, HandshakeMS: Percentiles{P50: 1.5, P99: 4, Max: 5}, TotalSeconds: 2.5}
	for i := range r.Series {
		r.Series[i].NewConnections = 400
	}
	const line = "1,234 opened (HTTP/2 over TLS (net/http)), connect p50 200µs p99 900µs, TLS handshake p50 1.50ms p99 4.00ms, 2.500s in all"
	var sum strings.Builder
	if err := WriteSummary(&sum, r, ""); err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{"summary": sum.String()}
	for _, f := range []string{FormatText, FormatMD, FormatHTML} {
		var b strings.Builder
		if err := Render(&b, r, f); err != nil {
			t.Fatal(err)
		}
		outs[f] = b.String()
	}
	outs[FormatMD] = strings.ReplaceAll(outs[FormatMD], `\`, "")
	outs[FormatHTML] = strings.ReplaceAll(outs[FormatHTML], "&#43;", "+")
	for name, out := range outs {
		if !strings.Contains(out, line) {
			t.Errorf("%s lacks %q:\n%s", name, line, out)
		}
	}
	if !strings.Contains(outs[FormatHTML], "new connections/s") {
		t.Error("the HTML rate chart has no new-connections series")
	}
}
