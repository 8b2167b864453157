package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// renderText writes the terminal summary: vegeta's report layout plus late
// requests, the service-time clock, fan-out delivery and SLO verdicts.
func renderText(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }

	p("%s\n", runTitle(r))
	if r.Function != "" {
		p("Function\t%s\n", scrubText(r.Function))
	}
	run := fmt.Sprintf("%s, %.1fs", fmtTime(r.StartedAt), r.DurationS)
	if r.Shards > 1 {
		run += fmt.Sprintf(", merged from %d shards", r.Shards)
	}
	if r.Interrupted {
		run += ", INTERRUPTED"
	}
	p("Run\t[started, duration]\t%s\n", run)
	p("Requests\t[total, rate, achieved, throughput]\t%s, %s, %s, %s\n", fmtCount(r.Requests), fmtRate(r.RateRPS), fmtRate(r.AchievedRPS), fmtRate(r.ThroughputRPS))
	p("Latencies\t[%s]\t%s\n", strings.Join(percentileColumns, ", "), strings.Join(fmtPercentiles(r.Latency), ", "))
	p("Service time\t[%s]\t%s\n", strings.Join(percentileColumns, ", "), strings.Join(fmtPercentiles(r.ServiceTime), ", "))
	p("Send lag\t[%s]\t%s\n", strings.Join(percentileColumns, ", "), strings.Join(fmtPercentiles(r.SendLag), ", "))
	p("Bytes\t[in, out]\t%s, %s\n", fmtBytes(r.BytesIn), fmtBytes(r.BytesOut))
	if conn := connectionsText(r); conn != "" {
		p("Connections\t[opened (protocol), set-up times]\t%s\n", conn)
	} else if r.Protocol != "" {
		p("Protocol\t\t%s\n", r.Protocol)
	}
	p("Success\t[ratio]\t%s\n", fmtPct(r.SuccessRatio))
	p("Late requests\t[count, ratio, dropped]\t%s, %s, %s\n", fmtCount(r.LateRequests), fmtPct(lateRatio(r)), fmtCount(r.DroppedRequests))
	if r.InterruptedRequests > 0 {
		p("Due requests\t[due, sent, dropped, interrupted]\t%s, %s, %s, %s\n", fmtCount(r.DueRequests), fmtCount(r.Requests), fmtCount(r.DroppedRequests), fmtCount(r.InterruptedRequests))
	}
	codes := make([]string, 0, len(r.StatusCodes))
	for _, c := range statusCodeCounts(r.StatusCodes) {
		codes = append(codes, fmt.Sprintf("%s:%d", c.Code, c.Count))
	}
	p("Status Codes\t[code:count]\t%s\n", strings.Join(codes, "  "))
	if err := tw.Flush(); err != nil {
		return err
	}

	if note := censoredNote(r); note != "" {
		fmt.Fprintln(w, note)
	}
	if len(r.Errors) > 0 {
		fmt.Fprintln(w, "Error Set:")
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  %6d  %s\n", e.Count, scrubText(e.Message))
		}
	}
	if r.Fanout != nil {
		textFanout(w, r.Fanout)
	}
	if len(r.Sweep) > 0 {
		textSweep(w, r.Sweep)
	}
	if r.FindMax != nil {
		fm := r.FindMax
		fmt.Fprintf(w, "Find max: %s held up to %s", strings.Join(fm.SLO, ", "), fmtRate(fm.MaxRateRPS))
		if fm.BrokenAtRPS > 0 {
			fmt.Fprintf(w, "; broken at %s by %s", fmtRate(fm.BrokenAtRPS), fm.BrokenBy)
		}
		fmt.Fprintln(w)
	}
	if v := r.Validation; v != nil {
		fmt.Fprintf(w, "Spec validation: %d of %d sampled responses violate the spec (sample ratio %s)\n", v.Violations, v.Checked, fmtPct(v.SampleRatio))
		for _, ex := range v.Examples {
			fmt.Fprintf(w, "  %s\n", scrubText(ex))
		}
	}
	if len(r.Thresholds) > 0 {
		fmt.Fprintln(w, "SLO thresholds:")
		for _, t := range r.Thresholds {
			fmt.Fprintf(w, "  %s\n", thresholdLine(t, "PASS", "FAIL"))
		}
	}
	return nil
}

func textFanout(w io.Writer, f *Fanout) {
	fmt.Fprintf(w, "Fan-out: %d extensions, %s invocations, %s of %s deliveries (%s), %d missing, %d duplicates, %d after answer\n",
		f.Extensions, fmtCount(f.Invocations), fmtCount(f.Delivered), fmtCount(f.Expected), fmtPct(f.DeliveredRatio), f.Missing, f.Duplicates, f.AfterAnswer)
	if f.Unmatched > 0 {
		fmt.Fprintf(w, "Fan-out: %d events named a request id no successful invocation answered with\n", f.Unmatched)
	}
	fmt.Fprintf(w, "Fan-out latency [%s]  %s\n", strings.Join(percentileColumns, ", "), strings.Join(fmtPercentiles(f.Latency), ", "))
	defer fmt.Fprintf(w, "  %s\n  %s\n", ExplainAfterAnswer, ExplainLate)
	if len(f.PerExtension) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "extension\tdelivered\tmissing\tduplicates\tafter answer\tp50\tp99\tmax\t")
	for _, e := range f.PerExtension {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n", e.Name, e.Delivered, e.Missing, e.Duplicates, e.AfterAnswer, fmtMS(e.Latency.P50), fmtMS(e.Latency.P99), fmtMS(e.Latency.Max))
	}
	tw.Flush()
}

func textSweep(w io.Writer, sweep []SweepPoint) {
	fmt.Fprintln(w, "Sweep:")
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "extensions\trate\tthroughput\tsuccess\tp50\tp99\theld\t")
	for _, s := range sweep {
		held := "no"
		if s.Held {
			held = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Extensions, fmtRate(s.RateRPS), fmtRate(s.ThroughputRPS), fmtPct(s.SuccessRatio), fmtMS(s.Latency.P50), fmtMS(s.Latency.P99), held)
	}
	tw.Flush()
}
