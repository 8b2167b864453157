package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Renderings of a Comparison: terminal table, Markdown table, HTML page with
// both sides' curves overlaid.

// verdict says in a word or two what happened to one metric.
func (m MetricComparison) verdict() string {
	switch {
	case m.Regressed:
		return "REGRESSED"
	case m.Underpowered && m.Worse && math.Abs(m.Change) > m.Tolerance:
		return "worse, too few samples to judge"
	case m.Worse && m.Significant:
		return "worse, within tolerance"
	case m.Worse && math.Abs(m.Change) > m.Tolerance:
		return "worse, not significant"
	case !m.Worse && m.Change != 0 && m.Significant:
		return "better"
	}
	return "ok"
}

func (m MetricComparison) cells() []string {
	p := "-"
	if m.N1 > 0 && m.N2 > 0 {
		p = strconv.FormatFloat(m.P, 'f', 3, 64)
	}
	return []string{m.Metric, fmtUnit(m.Baseline, m.Unit), fmtUnit(m.Current, m.Unit), fmtChange(m.Change),
		"±" + strconv.FormatFloat(m.Tolerance*100, 'f', -1, 64) + "%", p, strconv.FormatFloat(m.Effect, 'f', 2, 64), m.verdict()}
}

var comparisonColumns = []string{"metric", "baseline", "current", "change", "tolerance", "p", "A", "verdict"}

// fmtUnit prints a metric value in its threshold unit.
func fmtUnit(v float64, unit string) string {
	switch unit {
	case "ms":
		return fmtMS(v)
	case "%":
		return fmtPct(v / 100)
	case "rps":
		return fmtRate(v)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func fmtChange(c float64) string {
	if math.IsInf(c, 0) {
		return "new"
	}
	return fmt.Sprintf("%+.1f%%", c*100)
}

// method describes the test in one sentence.
func (c *Comparison) method() string {
	over := fmt.Sprintf("per-second samples of %s vs %s", plural(len(c.Baseline), "baseline run"), plural(len(c.Current), "current run"))
	if c.Mode == CompareRuns {
		over = fmt.Sprintf("repeated runs: %s vs %s", plural(len(c.Baseline), "baseline run"), plural(len(c.Current), "current run"))
	}
	return fmt.Sprintf("Mann–Whitney U (one-sided, α = %g, minimum effect A ≥ %.2f) over %s", c.Alpha, c.MinEffect, over)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (c *Comparison) headline() string {
	if c.Regressed() {
		var bad []string
		for _, m := range c.Metrics {
			if m.Regressed {
				bad = append(bad, m.Metric)
			}
		}
		return "REGRESSION: " + strings.Join(bad, ", ") + " got worse beyond tolerance, and the difference is significant"
	}
	if c.Underpowered() {
		h := fmt.Sprintf("INCONCLUSIVE: too few samples to reach significance at α = %g, so this comparison cannot detect a regression", c.Alpha)
		var worse []string
		for _, m := range c.Metrics {
			if m.Underpowered && m.Worse && math.Abs(m.Change) > m.Tolerance {
				worse = append(worse, m.Metric+" "+fmtChange(m.Change))
			}
		}
		if len(worse) > 0 {
			h += "; worse beyond tolerance but untestable: " + strings.Join(worse, ", ")
		}
		return h
	}
	return "no significant regression beyond tolerance"
}

// verdictClass styles the headline: fail, warn (inconclusive) or pass.
func (c *Comparison) verdictClass() string {
	switch {
	case c.Regressed():
		return "fail"
	case c.Underpowered():
		return "warn"
	}
	return "pass"
}

// RenderText writes the comparison as a terminal table.
func (c *Comparison) RenderText(w io.Writer) error {
	fmt.Fprintf(w, "%s\n%s\n\n", c.headline(), c.method())
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(comparisonColumns, "\t"))
	for _, m := range c.Metrics {
		fmt.Fprintln(tw, strings.Join(m.cells(), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, m := range c.Metrics {
		if m.Note != "" {
			fmt.Fprintf(w, "note: %s: %s\n", m.Metric, m.Note)
		}
	}
	return nil
}

// RenderMarkdown writes the comparison as a CI summary table.
func (c *Comparison) RenderMarkdown(w io.Writer) error {
	md := &mdWriter{w: w}
	mark := map[string]string{"pass": "✅", "warn": "⚠️", "fail": "❌"}[c.verdictClass()]
	md.printf("## Baseline comparison\n\n%s **%s**\n\n%s.\n\n", mark, c.headline(), c.method())
	md.table(comparisonColumns, []bool{false, true, true, true, true, true, true, false})
	for _, m := range c.Metrics {
		cells := m.cells()
		if m.Regressed {
			cells[7] = "❌ " + cells[7]
		}
		md.row(cells...)
	}
	md.printf("\n")
	for _, m := range c.Metrics {
		if m.Note != "" {
			md.printf("> %s: %s\n\n", m.Metric, mdEscape(m.Note))
		}
	}
	return md.err
}

// RenderHTML writes a self-contained page: the table and both sides' curves overlaid.
func (c *Comparison) RenderHTML(w io.Writer) error {
	var over []plotSeries
	var curves []curve
	var ticks []axisTick
	add := func(rs []*Report, side, color string, dash bool) {
		for i, r := range rs {
			name := ""
			if i == 0 {
				name = side
			}
			ax := newSecondAxis(r)
			if len(ax.ticks) > len(ticks) {
				ticks = ax.ticks
			}
			if len(r.Series) > 0 {
				over = append(over, plotSeries{Name: name, Class: side + "-p99", Color: color, X: ax.x, Y: ax.values(r.Series, func(s Second) float64 { return s.P99 }), Width: 1.4})
			}
			curves = append(curves, curve{Name: name, Class: side, Color: color, Dash: dash, Points: percentilePoints(r.Latency), Count: r.Requests})
		}
	}
	add(c.Baseline, "baseline", colorBaseline, false)
	add(c.Current, "current", colorCurrent, false)
	charts := []template.HTML{
		template.HTML(chart{ID: "compare-p99-over-time", Title: "p99 latency over time, every run", XLabel: "seconds since start", YLabel: "ms", XTicks: ticks, Series: over}.svg()),
		template.HTML(percentileChart("compare-percentiles", "Latency by percentile, every run", curves)),
	}
	rows := make([][]string, len(c.Metrics))
	for i, m := range c.Metrics {
		rows[i] = m.cells()
	}
	return comparePage.Execute(w, map[string]any{
		"Headline": c.headline(), "Class": c.verdictClass(), "Method": c.method(),
		"Columns": comparisonColumns, "Rows": rows, "Metrics": c.Metrics, "Charts": charts,
		"Baseline": runLabels(c.Baseline), "Current": runLabels(c.Current),
	})
}

// runLabels names runs by scenario, target and start time.
func runLabels(rs []*Report) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s, %s", runTitle(r), fmtTime(r.StartedAt))
	}
	return out
}

var comparePage = template.Must(template.New("compare").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fgh baseline comparison</title>
<style>` + pageStyle + `</style></head>
<body><main>
<h1>Baseline comparison</h1>
<div id="verdict" class="verdict {{.Class}}">{{.Headline}}</div>
<div class="sub">{{.Method}}</div>
<table id="comparison"><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range $i, $r := .Rows}}<tr>{{range $r}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{range .Metrics}}{{if .Note}}<p class="note"><b>{{.Metric}}</b>: {{.Note}}</p>
{{end}}{{end}}{{range .Charts}}<section class="plot">{{.}}</section>
{{end}}
<h2>Runs</h2><table class="meta"><tr><th>baseline</th><td>{{range .Baseline}}{{.}}<br>{{end}}</td></tr>
<tr><th>current</th><td>{{range .Current}}{{.}}<br>{{end}}</td></tr></table>
</main></body></html>
`))
