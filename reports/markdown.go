package reports

import (
	"fmt"
	"io"
	"strings"
)

// renderMarkdown writes a CI job summary: headline numbers, SLO verdicts and
// one small table per scenario section.
func renderMarkdown(w io.Writer, r *Report) error {
	md := &mdWriter{w: w}
	md.printf("## %s\n\n", mdEscape(runTitle(r)))
	status := "completed"
	if r.Interrupted {
		status = "**interrupted**"
	}
	md.printf("Started %s, ran %.1fs, %s", fmtTime(r.StartedAt), r.DurationS, status)
	if r.Shards > 1 {
		md.printf(", merged from %d shards", r.Shards)
	}
	md.printf(".\n\n")

	if len(r.Thresholds) > 0 {
		verdict := "✅ all SLO thresholds passed"
		if !ThresholdsPassed(r.Thresholds) {
			verdict = "❌ SLO thresholds failed"
		}
		md.printf("**%s**\n\n", verdict)
		md.table([]string{"", "threshold", "actual"}, []bool{false, false, true})
		for _, t := range r.Thresholds {
			mark := "✅"
			if !t.Pass {
				mark = "❌"
			}
			md.row(mark, "`"+t.Expr+"`", FormatThresholdValue(t.Actual, t.Unit))
		}
		md.printf("\n")
	}

	md.table([]string{"requests", "rate", "achieved", "throughput", "success", "late", "dropped", "p50", "p99", "max"}, nil)
	md.row(fmtCount(r.Requests), fmtRate(r.RateRPS), fmtRate(r.AchievedRPS), fmtRate(r.ThroughputRPS), fmtPct(r.SuccessRatio),
		fmtPct(lateRatio(r)), fmtCount(r.DroppedRequests), fmtMS(r.Latency.P50), fmtMS(r.Latency.P99), fmtMS(r.Latency.Max))
	md.printf("\n")

	md.table(append([]string{"clock"}, percentileColumns...), nil)
	md.row(append([]string{"latency (from intended send)"}, fmtPercentiles(r.Latency)...)...)
	md.row(append([]string{"service time"}, fmtPercentiles(r.ServiceTime)...)...)
	md.row(append([]string{sendLagLabel}, fmtPercentiles(r.SendLag)...)...)
	md.printf("\n")
	if note := censoredNote(r); note != "" {
		md.printf("%s\n\n", note)
	}
	if conn := connectionsText(r); conn != "" {
		md.printf("Connections: %s.\n\n", mdEscape(conn))
	} else if r.Protocol != "" {
		md.printf("Protocol: %s.\n\n", mdEscape(r.Protocol))
	}

	if len(r.StatusCodes) > 0 {
		codes := make([]string, 0, len(r.StatusCodes))
		for _, c := range statusCodeCounts(r.StatusCodes) {
			codes = append(codes, fmt.Sprintf("`%s` × %s", c.Code, fmtCount(c.Count)))
		}
		md.printf("Status codes: %s\n\n", strings.Join(codes, ", "))
	}
	if len(r.Errors) > 0 {
		md.table([]string{"errors", "count"}, nil)
		for _, e := range r.Errors {
			md.row("`"+mdCode(scrubText(e.Message))+"`", fmtCount(e.Count))
		}
		md.printf("\n")
	}
	if f := r.Fanout; f != nil {
		md.printf("### Fan-out\n\n%d extensions: %s of %s deliveries (%s), %d missing, %d duplicates, %d after answer; delivery p99 %s.\n\n",
			f.Extensions, fmtCount(f.Delivered), fmtCount(f.Expected), fmtPct(f.DeliveredRatio), f.Missing, f.Duplicates, f.AfterAnswer, fmtMS(f.Latency.P99))
		if len(f.PerExtension) > 0 {
			md.table([]string{"extension", "delivered", "missing", "duplicates", "after answer", "p50", "p99"}, []bool{false, true, true, true, true, true, true})
			for _, e := range f.PerExtension {
				md.row(mdEscape(e.Name), fmtCount(e.Delivered), fmtCount(e.Missing), fmtCount(e.Duplicates), fmtCount(e.AfterAnswer), fmtMS(e.Latency.P50), fmtMS(e.Latency.P99))
			}
			md.printf("\n")
		}
		md.printf("> %s.  \n> %s.\n\n", mdEscape(ExplainAfterAnswer), mdEscape(ExplainLate))
	}
	if len(r.Sweep) > 0 {
		md.printf("### Sweep\n\n")
		md.table([]string{"extensions", "rate", "throughput", "success", "p50", "p99", "held"}, []bool{true, true, true, true, true, true, false})
		for _, s := range r.Sweep {
			held := "❌"
			if s.Held {
				held = "✅"
			}
			md.row(fmt.Sprint(s.Extensions), fmtRate(s.RateRPS), fmtRate(s.ThroughputRPS), fmtPct(s.SuccessRatio), fmtMS(s.Latency.P50), fmtMS(s.Latency.P99), held)
		}
		md.printf("\n")
	}
	if fm := r.FindMax; fm != nil {
		md.printf("**Find max:** `%s` held up to %s", strings.Join(fm.SLO, ", "), fmtRate(fm.MaxRateRPS))
		if fm.BrokenAtRPS > 0 {
			md.printf("; broken at %s by `%s`", fmtRate(fm.BrokenAtRPS), fm.BrokenBy)
		}
		md.printf(".\n\n")
	}
	if v := r.Validation; v != nil {
		md.printf("**Spec validation:** %d of %d sampled responses violate the spec.\n\n", v.Violations, v.Checked)
	}
	return md.err
}

// mdWriter writes Markdown and remembers the first write error.
type mdWriter struct {
	w   io.Writer
	err error
}

func (m *mdWriter) printf(format string, a ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, a...)
	}
}

// table writes a header row; right marks columns to align right (numbers by default).
func (m *mdWriter) table(head []string, right []bool) {
	m.row(head...)
	seps := make([]string, len(head))
	for i := range head {
		seps[i] = "---"
		if right == nil && i > 0 || right != nil && right[i] {
			seps[i] = "--:"
		}
	}
	m.row(seps...)
}

func (m *mdWriter) row(cells ...string) {
	m.printf("| %s |\n", strings.Join(cells, " | "))
}

// mdEscape keeps text from breaking a table or turning into markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "'", "[", `\[`)
	return r.Replace(s)
}

// mdCode makes s safe inside a table's `code span`.
func mdCode(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "`", "'").Replace(s)
}
