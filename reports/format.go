package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Number formatting shared by the text, Markdown and HTML renderers, so the
// three say the same thing in the same words.

// fmtMS prints a duration given in milliseconds with a readable unit.
func fmtMS(ms float64) string {
	switch {
	case math.IsNaN(ms):
		return "-"
	case ms == 0:
		return "0"
	case ms < 1:
		return strconv.FormatFloat(ms*1000, 'f', 0, 64) + "µs"
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(ms/1000, 'f', 3, 64) + "s"
}

// fmtPct prints a 0..1 ratio as a percentage with enough digits to tell 99.9% from 100%.
func fmtPct(ratio float64) string {
	p := ratio * 100
	switch {
	case p == 100 || p == 0:
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	case p > 99.99:
		return strconv.FormatFloat(p, 'f', 3, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 2, 64) + "%"
}

// fmtRate prints requests per second.
func fmtRate(rps float64) string { return strconv.FormatFloat(rps, 'f', 2, 64) + "/s" }

// fmtCount prints an integer with thousands separators.
func fmtCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtBytes prints a byte count in binary units.
func fmtBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// fmtTime prints a timestamp in UTC so renderings do not depend on the machine's zone.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 MST")
}

// percentileColumns names the columns of a latency row, in order.
var percentileColumns = []string{"min", "mean", "p50", "p90", "p95", "p99", "p99.9", "p99.99", "max"}

// percentileValues returns p's values in percentileColumns order.
func percentileValues(p Percentiles) []float64 {
	return []float64{p.Min, p.Mean, p.P50, p.P90, p.P95, p.P99, p.P999, p.P9999, p.Max}
}

// fmtPercentiles prints p's values in percentileColumns order.
func fmtPercentiles(p Percentiles) []string {
	vals := percentileValues(p)
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = fmtMS(v)
	}
	return out
}

// statusCount is one status code and how many responses carried it.
type statusCount struct {
	Code  string
	Count int64
}

// statusCodeCounts returns status codes sorted by code, "0" (no response) last.
func statusCodeCounts(m map[string]int64) []statusCount {
	out := make([]statusCount, 0, len(m))
	for c, n := range m {
		out = append(out, statusCount{c, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Code == "0") != (out[j].Code == "0") {
			return out[j].Code == "0"
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// lateRatio is the share of requests sent after their intended time.
func lateRatio(r *Report) float64 {
	return LateRatio(r.LateRequests, r.Requests, r.DroppedRequests)
}

// sendLagLabel names the send-lag row wherever the clocks are tabled.
const sendLagLabel = "send lag (actual − intended send)"

// censoredNote says how dropped requests enter the latency figures, when there are any.
func censoredNote(r *Report) string {
	if r.DroppedRequests == 0 {
		return ""
	}
	return fmt.Sprintf("Latencies include %s dropped requests at the lag they had when dropped (censored: their latency was at least that).", fmtCount(r.DroppedRequests))
}

// LateRatio is late over every request sent or dropped (late counts the
// dropped ones too), so it never exceeds 1.
func LateRatio(late, sent, dropped int64) float64 {
	if sent+dropped <= 0 {
		return 0
	}
	return min(1, float64(late)/float64(sent+dropped))
}

// thresholdLine prints one verdict: "PASS p99 < 200ms (actual 35.2ms)".
func thresholdLine(t ThresholdResult, pass, fail string) string {
	verdict := pass
	if !t.Pass {
		verdict = fail
	}
	s := fmt.Sprintf("%s  %s  (actual %s)", verdict, t.Expr, FormatThresholdValue(t.Actual, t.Unit))
	if t.Aborted {
		s += "  aborted the run"
	}
	return s
}

// runTitle names the run in one line: scenario, attack and target.
func runTitle(r *Report) string {
	s := r.Scenario
	if s == "" {
		s = "load run"
	}
	if r.Attack != "" && r.Attack != r.Scenario {
		s += " (" + r.Attack + ")"
	}
	return s + " against " + displayTarget(r.Target)
}

// connectionsText is how a run opened its connections, in one line: count,
// protocol, connect and TLS handshake times; "" when none were recorded.
func connectionsText(r *Report) string {
	c := r.Connections
	if c == nil {
		return ""
	}
	s := fmtCount(c.Opened) + " opened"
	if r.Protocol != "" {
		s += " (" + r.Protocol + ")"
	}
	s += fmt.Sprintf(", connect p50 %s p99 %s", fmtMS(c.ConnectMS.P50), fmtMS(c.ConnectMS.P99))
	if c.HandshakeMS.Max > 0 {
		s += fmt.Sprintf(", TLS handshake p50 %s p99 %s", fmtMS(c.HandshakeMS.P50), fmtMS(c.HandshakeMS.P99))
	}
	return s + fmt.Sprintf(", %s in all", fmtMS(1000*c.TotalSeconds))
}
