package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// renderHTML writes one self-contained page: inline CSS and inline SVG, no
// script and nothing fetched, so it reads the same opened from disk or from a CI artifact.
func renderHTML(w io.Writer, r *Report, dist *Distribution) error {
	page := htmlPage{Title: runTitle(r), Report: r}
	page.Cards = []htmlCard{
		{"requests", fmtCount(r.Requests)},
		{"throughput", fmtRate(r.ThroughputRPS)},
		{"success", fmtPct(r.SuccessRatio)},
		{"p50", fmtMS(r.Latency.P50)},
		{"p99", fmtMS(r.Latency.P99)},
		{"late", fmtPct(lateRatio(r))},
	}
	if r.Fanout != nil {
		page.Cards = append(page.Cards, htmlCard{"delivered", fmtPct(r.Fanout.DeliveredRatio)}, htmlCard{"after answer", fmtCount(r.Fanout.AfterAnswer)})
		page.Lateness = []string{ExplainLate, ExplainAfterAnswer}
	}
	if r.Requests > 0 && r.Successes == 0 {
		var codes []string
		for _, sc := range statusCodeCounts(r.StatusCodes) {
			codes = append(codes, fmt.Sprintf("%s × %s", sc.Code, fmtCount(sc.Count)))
		}
		page.AllFailed = fmt.Sprintf("Every request failed: %s of %s", fmtCount(r.Requests), fmtCount(r.Requests))
		if len(codes) > 0 {
			page.AllFailed += " (status " + strings.Join(codes, ", ") + ")"
		}
		page.AllFailed += ". The latencies below are those of the failures; the errors are listed at the end."
	}
	page.Thresholds = r.Thresholds
	page.ThresholdsPassed = ThresholdsPassed(r.Thresholds)
	page.Latency = append([]string{"latency (from intended send)"}, fmtPercentiles(r.Latency)...)
	page.Service = append([]string{"service time"}, fmtPercentiles(r.ServiceTime)...)
	page.SendLag = append([]string{sendLagLabel}, fmtPercentiles(r.SendLag)...)
	page.Columns = percentileColumns
	for _, e := range r.Errors {
		page.Errors = append(page.Errors, ErrorCount{Message: scrubText(e.Message), Count: e.Count})
	}

	var charts []string
	if len(r.Series) > 0 {
		charts = append(charts, latencyOverTime(r), rateOverTime(r))
	}
	charts = append(charts, percentileChart("percentile-distribution", "Latency by percentile", reportCurves(r, dist)))
	charts = append(charts, latencyHistogram(r, dist))
	if len(r.StatusCodes) > 0 {
		charts = append(charts, statusCodeChart(r))
	}
	if r.Fanout != nil {
		charts = append(charts, fanoutChart(r.Fanout))
	}
	for _, c := range charts {
		page.Charts = append(page.Charts, template.HTML(c))
	}
	page.Meta = metadata(r)
	return pageTemplate.Execute(w, page)
}

type htmlCard struct{ Label, Value string }

type htmlPage struct {
	Title            string
	Report           *Report
	Cards            []htmlCard
	AllFailed        string
	Lateness         []string // what "late" and "after answer" count, on fan-out pages
	Thresholds       []ThresholdResult
	ThresholdsPassed bool
	Columns          []string
	Latency, Service []string
	SendLag          []string
	Errors           []ErrorCount
	Charts           []template.HTML
	Meta             []setting
}

// metadata lists what identifies the run, settings last and redacted.
func metadata(r *Report) []setting {
	m := []setting{
		{"scenario", r.Scenario},
		{"attack", r.Attack},
		{"target", displayTarget(r.Target)},
		{"function", scrubText(r.Function)},
		{"started", fmtTime(r.StartedAt)},
		{"ended", fmtTime(r.EndedAt)},
		{"duration", fmt.Sprintf("%.1fs", r.DurationS)},
		{"asked rate", fmtRate(r.RateRPS)},
		{"achieved rate", fmtRate(r.AchievedRPS)},
		{"late / dropped requests", fmtCount(r.LateRequests) + " / " + fmtCount(r.DroppedRequests)},
		{"bytes in / out", fmtBytes(r.BytesIn) + " / " + fmtBytes(r.BytesOut)},
		{"protocol", r.Protocol},
		{"connections", connectionsText(r)},
		{"interrupted", strconv.FormatBool(r.Interrupted)},
	}
	if r.Shards > 1 {
		m = append(m, setting{"shards", strconv.Itoa(r.Shards)})
	}
	if v := r.Validation; v != nil {
		m = append(m, setting{"spec violations", fmt.Sprintf("%d of %d sampled", v.Violations, v.Checked)})
	}
	if fm := r.FindMax; fm != nil {
		m = append(m, setting{"find-max", fmt.Sprintf("held up to %s (%s)", fmtRate(fm.MaxRateRPS), strings.Join(fm.SLO, ", "))})
	}
	out := m[:0]
	for _, s := range m {
		if s.Value != "" {
			out = append(out, s)
		}
	}
	for _, s := range safeSettings(r.Settings) {
		out = append(out, setting{"setting " + s.Key, s.Value})
	}
	return out
}

// latencyOverTime plots per-second p50/p99 on both clocks, errors marked.
func latencyOverTime(r *Report) string {
	ax := newSecondAxis(r)
	get := func(f func(Second) float64) []float64 { return ax.values(r.Series, f) }
	var marks []plotPoint
	for _, s := range r.Series {
		if s.Errors > 0 {
			marks = append(marks, plotPoint{ax.mid(s), s.P99, fmt.Sprintf("t=%gs: %d errors of %d", s.T, s.Errors, s.Count)})
		}
	}
	note := "latency counts from the intended send time (no coordinated omission); service time from when the request left"
	if r.Requests > 0 && r.Successes == 0 {
		note = "every request failed: these are the latencies of the failures"
	}
	return chart{
		ID: "latency-over-time", Title: "Latency over time", XLabel: "seconds since start", YLabel: "ms",
		Note: note, XTicks: ax.ticks,
		Series: []plotSeries{
			{Name: "p50", Class: "latency-p50", Color: colorP50, X: ax.x, Y: get(func(s Second) float64 { return s.P50 })},
			{Name: "p99", Class: "latency-p99", Color: colorP99, X: ax.x, Y: get(func(s Second) float64 { return s.P99 })},
			{Name: "service p50", Class: "service-p50", Color: colorServiceP50, X: ax.x, Y: get(func(s Second) float64 { return s.ServiceP50 }), Dash: true},
			{Name: "service p99", Class: "service-p99", Color: colorServiceP99, X: ax.x, Y: get(func(s Second) float64 { return s.ServiceP99 }), Dash: true},
		},
		Points: marks, PointName: "errors",
	}.svg()
}

// rateOverTime plots the asked and achieved rate per second, errors as bars.
func rateOverTime(r *Report) string {
	ax := newSecondAxis(r)
	var bars []plotBar
	for _, s := range r.Series {
		if s.Errors > 0 {
			bars = append(bars, plotBar{s.T + 0.1, s.T + 0.9, float64(s.Errors), fmt.Sprintf("t=%gs: %d errors of %d", s.T, s.Errors, s.Count)})
		}
	}
	c := chart{
		ID: "rate-over-time", Title: "Asked vs achieved rate", XLabel: "seconds since start", YLabel: "requests/s", XTicks: ax.ticks,
		Series: []plotSeries{
			{Name: "asked", Class: "asked", Color: colorAsked, X: ax.x, Y: ax.values(r.Series, func(s Second) float64 { return s.AskedRPS }), Dash: true},
			{Name: "achieved", Class: "achieved", Color: colorAchieved, X: ax.x, Y: ax.values(r.Series, func(s Second) float64 { return s.AchievedRPS })},
		},
		Bars: bars, BarColor: colorError, BarOpacity: 0.45,
	}
	if len(bars) > 0 {
		c.Series = append(c.Series, plotSeries{Name: "errors/s", Color: colorError})
	}
	if r.Connections != nil && r.Connections.Opened > 0 {
		// A handshake storm: new connections climbing towards the request rate.
		c.Series = append(c.Series, plotSeries{Name: "new connections/s", Class: "new-connections", Color: colorBaseline, X: ax.x,
			Y: ax.values(r.Series, func(s Second) float64 { return float64(s.NewConnections) })})
	}
	if r.Requests > 0 && r.Successes == 0 {
		c.Note = "every request failed: the bars are the errors of each second"
	}
	return c.svg()
}

// secondAxis places per-second samples on a time axis that spans the whole
// run from 0: second t covers [t, t+1), so its value sits at t+0.5, and a
// run of a single second draws its values as flat lines across that second
// (one point alone would be an invisible path).
type secondAxis struct {
	x     []float64
	ticks []axisTick
	flat  bool
}

func newSecondAxis(r *Report) secondAxis {
	end := r.DurationS
	for _, s := range r.Series {
		end = math.Max(end, s.T+1)
	}
	end = math.Max(math.Ceil(end-1e-9), 1)
	ax := secondAxis{flat: len(r.Series) == 1}
	if ax.flat {
		t := r.Series[0].T
		ax.x = []float64{t, t + 1}
	} else {
		for _, s := range r.Series {
			ax.x = append(ax.x, s.T+0.5)
		}
	}
	step := math.Max(1, niceStep(end/10))
	for v := 0.0; v <= end+1e-9; v += step {
		ax.ticks = append(ax.ticks, axisTick{v, fmtTick(v)})
	}
	if last := ax.ticks[len(ax.ticks)-1].V; last < end {
		ax.ticks = append(ax.ticks, axisTick{end, ""}) // the axis reaches the end of the run
	}
	return ax
}

// mid is where second s's value sits.
func (ax secondAxis) mid(s Second) float64 { return s.T + 0.5 }

// values returns f of every second, in step with x.
func (ax secondAxis) values(series []Second, f func(Second) float64) []float64 {
	if ax.flat {
		v := f(series[0])
		return []float64{v, v}
	}
	out := make([]float64, len(series))
	for i, s := range series {
		out[i] = f(s)
	}
	return out
}

// curve is one percentile distribution to plot.
type curve struct {
	Name, Class, Color string
	Dash               bool
	Points             []percentilePoint
	Count              int64
}

// reportCurves returns the latency and service-time distributions of r,
// precise from dist when given, else from report.json's percentiles.
func reportCurves(r *Report, dist *Distribution) []curve {
	lat := curve{Name: "latency", Class: "latency", Color: colorP99, Count: r.Requests}
	svc := curve{Name: "service time", Class: "service", Color: colorServiceP99, Dash: true, Count: r.Requests}
	if dist != nil {
		lat.Points, lat.Count = dist.percentileCurve(dist.Latency), dist.Latency.TotalCount()
		if dist.Service != nil {
			svc.Points, svc.Count = dist.percentileCurve(dist.Service), dist.Service.TotalCount()
		}
	} else {
		lat.Points = percentilePoints(r.Latency)
		svc.Points = percentilePoints(r.ServiceTime)
	}
	out := []curve{lat}
	if len(svc.Points) > 0 && r.ServiceTime != (Percentiles{}) {
		out = append(out, svc)
	}
	return out
}

// percentilePoints turns report.json's summary into curve points.
func percentilePoints(p Percentiles) []percentilePoint {
	if p == (Percentiles{}) {
		return nil
	}
	return []percentilePoint{{0, p.Min}, {0.5, p.P50}, {0.9, p.P90}, {0.95, p.P95}, {0.99, p.P99}, {0.999, p.P999}, {0.9999, p.P9999}, {1, p.Max}}
}

// percentileChart draws curves on HdrHistogram's log percentile axis.
func percentileChart(id, title string, curves []curve) string {
	c := chart{ID: id, Title: title, XLabel: "percentile", YLabel: "ms",
		Note: "x = 1/(1−p) on a log scale, as HdrHistogram plots: the tail gets the room"}
	maxX := 4.0
	for _, cv := range curves {
		var xs, ys []float64
		for _, p := range cv.Points {
			x := percentileAxis(p.Quantile)
			// Past 1-1/Count a percentile is the maximum; plot the maximum there.
			tail := math.Log10(math.Max(float64(cv.Count), 2))
			if math.IsNaN(x) || x > tail {
				x = tail
			}
			if len(xs) > 0 && x <= xs[len(xs)-1] {
				xs, ys = xs[:len(xs)-1], ys[:len(ys)-1]
			}
			xs, ys = append(xs, x), append(ys, p.MS)
			maxX = math.Max(maxX, x)
		}
		c.Series = append(c.Series, plotSeries{Name: cv.Name, Class: "percentile " + cv.Class, Color: cv.Color, X: xs, Y: ys, Dash: cv.Dash, Dots: len(xs) < 12})
	}
	c.XTicks = percentileTicks(maxX)
	return c.svg()
}

// latencyHistogram draws the latency distribution in log-spaced bins.
func latencyHistogram(r *Report, dist *Distribution) string {
	const nbins = 48
	c := chart{ID: "latency-histogram", Title: "Latency histogram", XLabel: "latency (ms, log scale)", YLabel: "requests", XLog: true}
	var lo, hi float64
	var counts []float64
	if dist != nil && dist.Latency.TotalCount() > 0 {
		bars := dist.bars(dist.Latency)
		lo, hi = bars[0].From, bars[len(bars)-1].To
		edges := logEdges(lo, hi, nbins)
		counts = make([]float64, nbins)
		for _, b := range bars {
			counts[binOf(edges, (b.From+b.To)/2)] += b.Count
		}
		c.Note = "from the run's HDR histograms (histograms.jsonl)"
		return histogramBars(c, edges, counts)
	}
	pts := percentilePoints(r.Latency)
	if len(pts) == 0 || r.Requests == 0 {
		c.Note = "no requests"
		return c.svg()
	}
	lo, hi = pts[0].MS, pts[len(pts)-1].MS
	edges := logEdges(lo, hi, nbins)
	counts = make([]float64, nbins)
	for i := range counts {
		counts[i] = (cdfAt(pts, edges[i+1]) - cdfAt(pts, edges[i])) * float64(r.Requests)
	}
	c.Note = "approximated from report.json's percentiles; histograms.jsonl beside the report gives the exact shape"
	return histogramBars(c, edges, counts)
}

func histogramBars(c chart, edges, counts []float64) string {
	for i, n := range counts {
		if n <= 0 {
			continue
		}
		c.Bars = append(c.Bars, plotBar{edges[i], edges[i+1], n, fmt.Sprintf("%s–%s: %.0f", fmtMS(edges[i]), fmtMS(edges[i+1]), n)})
	}
	c.XFmt = func(v float64) string { return fmtTick(v) }
	if len(c.Bars) == 0 {
		return c.svg()
	}
	c.XTicks = logTicks(edges[0], edges[len(edges)-1], c.XFmt)
	if len(c.XTicks) < 2 {
		c.XTicks = []axisTick{{edges[0], fmtTick(edges[0])}, {edges[len(edges)-1], fmtTick(edges[len(edges)-1])}}
	}
	return c.svg()
}

// logEdges splits [lo, hi] into n log-spaced bins (n+1 edges).
func logEdges(lo, hi float64, n int) []float64 {
	lo = math.Max(lo, 0.001)
	if hi <= lo {
		hi = lo * 1.01
	}
	edges := make([]float64, n+1)
	for i := range edges {
		edges[i] = lo * math.Pow(hi/lo, float64(i)/float64(n))
	}
	return edges
}

func binOf(edges []float64, v float64) int {
	i := sort.SearchFloat64s(edges, v) - 1
	return min(max(i, 0), len(edges)-2)
}

// cdfAt interpolates the share of requests at or below v from percentile
// points, linearly in log latency (latency distributions are closer to log-normal).
func cdfAt(pts []percentilePoint, v float64) float64 {
	if v <= pts[0].MS {
		return 0
	}
	lg := func(x float64) float64 { return math.Log(math.Max(x, 1e-6)) }
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		if v <= b.MS {
			if b.MS == a.MS {
				return b.Quantile
			}
			return a.Quantile + (b.Quantile-a.Quantile)*(lg(v)-lg(a.MS))/(lg(b.MS)-lg(a.MS))
		}
	}
	return 1
}

// statusCodeChart draws one bar per status code, coloured by class.
func statusCodeChart(r *Report) string {
	c := categoryChart{ID: "status-codes", Title: "Status codes", Stacks: []barStack{{"responses", colorBar}}}
	for _, sc := range statusCodeCounts(r.StatusCodes) {
		color := map[byte]string{'2': colorAchieved, '3': colorP50, '4': colorServiceP99, '5': colorError}[sc.Code[0]]
		label := sc.Code
		if sc.Code == "0" {
			label, color = "0 (no response)", colorAsked
		}
		share := 0.0
		if r.Requests > 0 {
			share = float64(sc.Count) / float64(r.Requests)
		}
		c.Rows = append(c.Rows, category{Label: label, Values: []float64{float64(sc.Count)}, Color: color,
			Title: fmtCount(sc.Count) + " (" + fmtPct(share) + ")"})
	}
	return c.svg()
}

// fanoutChart draws delivered, missing and duplicate deliveries per extension.
func fanoutChart(f *Fanout) string {
	c := categoryChart{ID: "fanout-delivery", Title: "Fan-out delivery per extension",
		Stacks: []barStack{{"delivered", colorAchieved}, {"missing", colorError}, {"duplicates", colorServiceP99}}}
	rows := f.PerExtension
	if len(rows) == 0 {
		rows = []ExtensionDelivery{{Name: "all extensions", Delivered: f.Delivered, Missing: f.Missing, Duplicates: f.Duplicates, AfterAnswer: f.AfterAnswer, Latency: f.Latency}}
	}
	for _, e := range rows {
		ratio := 0.0
		if e.Delivered+e.Missing > 0 {
			ratio = float64(e.Delivered) / float64(e.Delivered+e.Missing)
		}
		c.Rows = append(c.Rows, category{Label: e.Name, Values: []float64{float64(e.Delivered), float64(e.Missing), float64(e.Duplicates)},
			Title: fmt.Sprintf("%s delivered, %d after answer, p99 %s", fmtPct(ratio), e.AfterAnswer, fmtMS(e.Latency.P99))})
	}
	return c.svg()
}

// pageStyle is shared by every HTML page fgh writes.
const pageStyle = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#f6f7f9}
main{max-width:1160px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:4px 0 2px} h2{font-size:17px;margin:28px 0 8px}
.sub{color:#666;margin-bottom:14px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}
.card .v{font-size:20px;font-weight:600} .card .l{color:#666;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
section.plot{background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px 8px;margin:12px 0}
table{border-collapse:collapse;background:#fff;margin:6px 0} th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}
th{background:#f0f1f4} td:first-child,th:first-child{text-align:left}
table.meta td{text-align:left} code{font:12px ui-monospace,Menlo,Consolas,monospace}
.pass{color:#1a7f37;font-weight:600} .fail{color:#cf222e;font-weight:600}
.verdict{padding:8px 12px;border-radius:6px;display:inline-block;margin:6px 0}
.verdict.pass{background:#dafbe1} .verdict.fail{background:#ffebe9} .verdict.warn{background:#fff8c5;color:#7d4e00;font-weight:600}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
`

var pageTemplate = template.Must(template.New("report").Funcs(templateFuncs).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fgh report: {{.Title}}</title>
<style>` + pageStyle + `</style></head>
<body><main>
<h1>{{.Title}}</h1>
<div class="sub">{{with .Report}}{{.Scenario}} · {{printf "%.1f" .DurationS}}s{{if .Interrupted}} · <span class="fail">interrupted</span>{{end}}{{end}}</div>
{{with .AllFailed}}<div id="all-failed" class="verdict fail">{{.}}</div>
{{end}}{{if .Thresholds}}<div id="slo-verdict" class="verdict {{if .ThresholdsPassed}}pass">All SLO thresholds passed{{else}}fail">SLO thresholds failed{{end}}</div>
<table id="thresholds"><tr><th>threshold</th><th>actual</th><th>verdict</th></tr>
{{range .Thresholds}}<tr><td><code>{{.Expr}}</code></td><td>{{actual .}}</td><td class="{{if .Pass}}pass">PASS{{else}}fail">FAIL{{end}}</td></tr>
{{end}}</table>{{end}}
<div class="cards">{{range .Cards}}<div class="card"><div class="v">{{.Value}}</div><div class="l">{{.Label}}</div></div>{{end}}</div>
<table id="percentiles"><tr><th>clock</th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
<tr>{{range .Latency}}<td>{{.}}</td>{{end}}</tr>
<tr>{{range .Service}}<td>{{.}}</td>{{end}}</tr>
<tr>{{range .SendLag}}<td>{{.}}</td>{{end}}</tr></table>
{{range .Charts}}<section class="plot">{{.}}</section>
{{end}}
{{if .Errors}}<h2>Errors</h2><table id="errors"><tr><th>error</th><th>count</th></tr>
{{range .Errors}}<tr><td><code>{{.Message}}</code></td><td>{{.Count}}</td></tr>{{end}}</table>{{end}}
{{with .Report.Fanout}}{{if .PerExtension}}<h2>Fan-out per extension</h2><table id="fanout"><tr><th>extension</th><th>delivered</th><th>missing</th><th>duplicates</th><th>after answer</th><th>p50</th><th>p99</th></tr>
{{range .PerExtension}}<tr><td>{{.Name}}</td><td>{{.Delivered}}</td><td>{{.Missing}}</td><td>{{.Duplicates}}</td><td>{{.AfterAnswer}}</td><td>{{ms .Latency.P50}}</td><td>{{ms .Latency.P99}}</td></tr>
{{end}}</table>{{end}}{{end}}
{{with .Lateness}}<div id="lateness" class="sub">{{range .}}<p>{{.}}</p>{{end}}</div>{{end}}
{{with .Report.Sweep}}<h2>Sweep</h2><table id="sweep"><tr><th>extensions</th><th>rate</th><th>throughput</th><th>success</th><th>p50</th><th>p99</th><th>held</th></tr>
{{range .}}<tr><td>{{.Extensions}}</td><td>{{rate .RateRPS}}</td><td>{{rate .ThroughputRPS}}</td><td>{{pct .SuccessRatio}}</td><td>{{ms .Latency.P50}}</td><td>{{ms .Latency.P99}}</td><td>{{if .Held}}yes{{else}}no{{end}}</td></tr>
{{end}}</table>{{end}}
<h2>Run</h2><table id="metadata" class="meta">{{range .Meta}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
</main></body></html>
`))

// templateFuncs lets templates format numbers the way the text report does.
var templateFuncs = template.FuncMap{
	"ms":     fmtMS,
	"pct":    fmtPct,
	"rate":   fmtRate,
	"actual": func(t ThresholdResult) string { return FormatThresholdValue(t.Actual, t.Unit) },
}
