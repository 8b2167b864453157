package reports

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// summaryErrors is how many distinct errors the end-of-run summary lists.
const summaryErrors = 5

// WriteSummary writes the end-of-run summary of `fgh load` (k6's layout):
// both clocks, the send lag, the accounting of every due request, status
// codes, the top errors, each threshold with ✓ or ✗ and its actual value,
// and the sweep or find-max table. dir is where the report files are.
func WriteSummary(w io.Writer, r *Report, dir string) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	p("\n  %s\n", runTitle(r))
	run := fmt.Sprintf("%.1fs at %s asked", r.DurationS, fmtRate(r.RateRPS))
	if r.Interrupted {
		run += ", INTERRUPTED"
	}
	p("  %s\n\n", run)

	row := func(name, value string) { p("  %-14s%s\n", name, value) }
	mark := "✓"
	if r.Successes == 0 || r.SuccessRatio < 1 {
		mark = "✗"
	}
	row("requests", fmt.Sprintf("%s %s of %s due succeeded (%s)", mark, fmtCount(r.Successes), fmtCount(r.Requests+r.DroppedRequests), fmtPct(r.SuccessRatio)))
	row("", fmt.Sprintf("sent %s, dropped %s, interrupted before send %s; late %s (%s)",
		fmtCount(r.Requests), fmtCount(r.DroppedRequests), fmtCount(r.InterruptedRequests), fmtCount(r.LateRequests), fmtPct(lateRatio(r))))
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "  \t%s\t\n", strings.Join(percentileColumns, "\t"))
	clock := func(name string, pc Percentiles, note string) {
		fmt.Fprintf(tw, "  %s\t%s\t  %s\n", name, strings.Join(fmtPercentiles(pc), "\t"), note)
	}
	clock("latency", r.Latency, "from the intended send")
	clock("service time", r.ServiceTime, "from the actual send")
	clock("send lag", r.SendLag, "actual − intended send: the generator's own delay")
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	row("throughput", fmt.Sprintf("%s ok, %s sent", fmtRate(r.ThroughputRPS), fmtRate(r.AchievedRPS)))
	if conn := connectionsText(r); conn != "" {
		row("connections", conn)
	}
	codes := make([]string, 0, len(r.StatusCodes))
	for _, c := range statusCodeCounts(r.StatusCodes) {
		codes = append(codes, fmt.Sprintf("%s ×%s", c.Code, fmtCount(c.Count)))
	}
	row("status codes", strings.Join(codes, "  "))
	for i, e := range r.Errors {
		name := ""
		if i == 0 {
			name = "top errors"
		}
		if i == summaryErrors {
			row(name, fmt.Sprintf("… %d more distinct errors in report.json", len(r.Errors)-summaryErrors))
			break
		}
		row(name, fmt.Sprintf("%7s  %s", fmtCount(e.Count), scrubText(e.Message)))
	}
	if note := censoredNote(r); note != "" {
		p("  %s\n", note)
	}
	if r.Fanout != nil {
		b.WriteString("\n")
		textFanout(&b, r.Fanout)
	}

	if len(r.Thresholds) > 0 {
		p("\n  thresholds\n")
		for _, t := range r.Thresholds {
			p("    %s\n", thresholdLine(t, "✓", "✗"))
		}
		if r.Settings["default_threshold"] != "" {
			p("    (applied by default: no threshold was given)\n")
		}
	}
	if len(r.Sweep) > 0 {
		b.WriteString("\n")
		textSweep(&b, r.Sweep)
	}
	if fm := r.FindMax; fm != nil {
		p("\n  find-max: %s held up to %s", strings.Join(fm.SLO, ", "), fmtRate(fm.MaxRateRPS))
		switch {
		case fm.BrokenAtRPS > 0:
			p("; broken at %s by %s\n", fmtRate(fm.BrokenAtRPS), fm.BrokenBy)
		case fm.Stopped != "":
			p("; stopped: %s\n", fm.Stopped)
		default:
			p("\n")
		}
	}
	if dir != "" {
		p("\n  report  %s\n", filepath.Join(dir, ReportFile))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
