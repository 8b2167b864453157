package reports

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

// TrendPoint is one run's value of the trended metric.
type TrendPoint struct {
	Label     string    `json:"label"` // usually the report's file name
	StartedAt time.Time `json:"started_at"`
	Value     float64   `json:"value"`
}

// Trend is one metric over many runs, oldest first, with its change points.
type Trend struct {
	Metric       string        `json:"metric"`
	Unit         string        `json:"unit"`
	Points       []TrendPoint  `json:"points"`
	ChangePoints []ChangePoint `json:"change_points"`
}

// BuildTrend orders the runs by start time, extracts metric (a threshold
// metric name such as p99, throughput, success) and finds its change points.
// labels name the runs (file names); they follow their reports when sorted.
func BuildTrend(rs []*Report, labels []string, metric string, opts ChangePointOptions) (*Trend, error) {
	name := canonicalMetric(strings.ToLower(strings.TrimSpace(metric)))
	def, ok := metrics[name]
	if !ok {
		return nil, fmt.Errorf("trend: unknown metric %q; valid metrics: %s", metric, strings.Join(ThresholdMetrics(), ", "))
	}
	if len(labels) != len(rs) {
		return nil, fmt.Errorf("trend: %d labels for %d reports", len(labels), len(rs))
	}
	t := &Trend{Metric: name, Unit: def.kind.unit()}
	for i, r := range rs {
		v, ok := def.value(r)
		if !ok {
			return nil, fmt.Errorf("trend: %s has no %s", labels[i], name)
		}
		t.Points = append(t.Points, TrendPoint{Label: labels[i], StartedAt: r.StartedAt, Value: v})
	}
	t.findChangePoints(opts)
	return t, nil
}

// ScoreMetric is the trend metric of conformance summaries: the
// conformance score of `fgh report compat`, in percent.
const ScoreMetric = "conformance.score"

// BuildScoreTrend is BuildTrend over conformance summaries: their
// conformance score per run, oldest first, with its change points.
func BuildScoreTrend(cs []*Conformance, labels []string, opts ChangePointOptions) (*Trend, error) {
	if len(labels) != len(cs) {
		return nil, fmt.Errorf("trend: %d labels for %d summaries", len(labels), len(cs))
	}
	t := &Trend{Metric: ScoreMetric, Unit: "%"}
	for i, c := range cs {
		s := ConformanceScore(c)
		if s.Judged == 0 {
			return nil, fmt.Errorf("trend: %s judged no operation × check cell, so it has no conformance score", labels[i])
		}
		t.Points = append(t.Points, TrendPoint{Label: labels[i], StartedAt: c.StartedAt, Value: s.Percent})
	}
	t.findChangePoints(opts)
	return t, nil
}

// findChangePoints orders the points by start time and finds the change points.
func (t *Trend) findChangePoints(opts ChangePointOptions) {
	sort.SliceStable(t.Points, func(i, j int) bool { return t.Points[i].StartedAt.Before(t.Points[j].StartedAt) })
	values := make([]float64, len(t.Points))
	for i, p := range t.Points {
		values[i] = p.Value
	}
	t.ChangePoints = ChangePoints(values, opts)
}

// Worsened reports whether any change point moved the metric the bad way.
func (t *Trend) Worsened() bool {
	for _, cp := range t.ChangePoints {
		if t.worse(cp) {
			return true
		}
	}
	return false
}

func (t *Trend) worse(cp ChangePoint) bool {
	if lowerIsWorse[t.Metric] || t.Metric == ScoreMetric {
		return cp.MeanAfter < cp.MeanBefore
	}
	return cp.MeanAfter > cp.MeanBefore
}

// describe says what one change point did, in a sentence.
func (t *Trend) describe(cp ChangePoint) string {
	dir := "improved"
	if t.worse(cp) {
		dir = "worsened"
	}
	p := t.Points[cp.Index]
	return fmt.Sprintf("%s %s at run %d (%s, %s): mean %s → %s (%+.1f%%, p = %.3f)", t.Metric, dir, cp.Index+1, p.Label, fmtTime(p.StartedAt),
		fmtUnit(cp.MeanBefore, t.Unit), fmtUnit(cp.MeanAfter, t.Unit), cp.Change*100, cp.P)
}

// RenderText writes one line per change point.
func (t *Trend) RenderText(w io.Writer) error {
	if len(t.ChangePoints) == 0 {
		_, err := fmt.Fprintf(w, "%s over %d runs: no change point\n", t.Metric, len(t.Points))
		return err
	}
	fmt.Fprintf(w, "%s over %d runs: %d change point(s)\n", t.Metric, len(t.Points), len(t.ChangePoints))
	for _, cp := range t.ChangePoints {
		if _, err := fmt.Fprintf(w, "  %s\n", t.describe(cp)); err != nil {
			return err
		}
	}
	return nil
}

// RenderHTML writes the trend page: the metric per run with change points marked.
func (t *Trend) RenderHTML(w io.Writer) error {
	xs, ys := make([]float64, len(t.Points)), make([]float64, len(t.Points))
	for i, p := range t.Points {
		xs[i], ys[i] = float64(i+1), p.Value
	}
	c := chart{ID: "trend", Title: fmt.Sprintf("%s per run", t.Metric), XLabel: "run (oldest first)", YLabel: t.Unit,
		Note:   "change points: E-divisive means (energy statistic, permutation test), as Hunter / Apache Otava",
		Series: []plotSeries{{Name: t.Metric, Class: "trend", Color: colorP50, X: xs, Y: ys, Dots: true}}}
	var lines []string
	segStart := 0
	for k, cp := range t.ChangePoints {
		color := colorAchieved
		if t.worse(cp) {
			color = colorError
		}
		c.VLines = append(c.VLines, plotVLine{X: float64(cp.Index) + 0.5, Label: fmt.Sprintf("%+.0f%%", cp.Change*100), Color: color})
		c.Points = append(c.Points, plotPoint{X: float64(cp.Index + 1), Y: cp.MeanAfter, Title: t.describe(cp)})
		c.Series = append(c.Series, segmentMean(xs, segStart, cp.Index, cp.MeanBefore, k == 0))
		segStart = cp.Index
		lines = append(lines, t.describe(cp))
	}
	if n := len(t.ChangePoints); n > 0 {
		c.Series = append(c.Series, segmentMean(xs, segStart, len(xs), t.ChangePoints[n-1].MeanAfter, false))
		c.PointName, c.PointColor = "change point", colorServiceP99
	}
	rows := make([][]string, len(t.Points))
	for i, p := range t.Points {
		rows[i] = []string{fmt.Sprint(i + 1), p.Label, fmtTime(p.StartedAt), fmtUnit(p.Value, t.Unit)}
	}
	return trendPage.Execute(w, map[string]any{
		"Metric": t.Metric, "Runs": len(t.Points), "Chart": template.HTML(c.svg()), "Lines": lines,
		"Rows": rows, "Worsened": t.Worsened(), "ChangeAt": changeIndexSet(t.ChangePoints),
	})
}

// segmentMean is a flat line at a segment's mean, drawn under the data.
func segmentMean(xs []float64, from, to int, m float64, named bool) plotSeries {
	name := ""
	if named {
		name = "segment mean"
	}
	return plotSeries{Name: name, Class: "segment-mean", Color: colorAsked, Dash: true, Width: 1.2,
		X: []float64{xs[from], xs[to-1]}, Y: []float64{m, m}}
}

func changeIndexSet(cps []ChangePoint) map[int]bool {
	out := map[int]bool{}
	for _, cp := range cps {
		out[cp.Index] = true
	}
	return out
}

var trendPage = template.Must(template.New("trend").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fgh trend: {{.Metric}}</title>
<style>` + pageStyle + `</style></head>
<body><main>
<h1>{{.Metric}} over {{.Runs}} runs</h1>
{{if .Lines}}<div id="verdict" class="verdict {{if .Worsened}}fail{{else}}pass{{end}}">{{len .Lines}} change point(s)</div>
<ul id="change-points">{{range .Lines}}<li>{{.}}</li>{{end}}</ul>
{{else}}<div id="verdict" class="verdict pass">No change point</div>{{end}}
<section class="plot">{{.Chart}}</section>
<h2>Runs</h2><table id="runs"><tr><th>#</th><th>run</th><th>started</th><th>{{.Metric}}</th></tr>
{{range $i, $r := .Rows}}<tr{{if index $.ChangeAt $i}} class="fail"{{end}}>{{range $r}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
</main></body></html>
`))
