package reports

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Inline SVG plotting: every chart is drawn here in Go so the HTML pages need
// no script, no CDN and no network to show their plots.

// Palette shared by every page so a clock or a side keeps its colour everywhere.
const (
	colorP50        = "#1f77b4"
	colorP99        = "#d62728"
	colorServiceP50 = "#17becf"
	colorServiceP99 = "#ff7f0e"
	colorAsked      = "#7f7f7f"
	colorAchieved   = "#2ca02c"
	colorError      = "#d62728"
	colorBaseline   = "#1f77b4"
	colorCurrent    = "#ff7f0e"
	colorBar        = "#4c78a8"
	colorGrid       = "#e5e5e5"
	colorAxis       = "#555555"
)

// plotSeries is one line on a chart.
type plotSeries struct {
	Name  string
	Class string // CSS class on the path, for tests and styling
	Color string
	X, Y  []float64
	Dash  bool
	Width float64
	Dots  bool // draw a dot at each point
}

// plotPoint is a marker (an error second, a change point).
type plotPoint struct {
	X, Y  float64
	Title string // shown as a tooltip
}

// plotBar is one bar spanning [X0, X1] up to Y.
type plotBar struct {
	X0, X1, Y float64
	Title     string
}

// plotVLine is a labelled vertical rule.
type plotVLine struct {
	X     float64
	Label string
	Color string
}

// axisTick is one labelled position on an axis.
type axisTick struct {
	V     float64
	Label string
}

// chart is an x/y chart of lines, bars and markers.
type chart struct {
	ID, Title      string
	XLabel, YLabel string
	Width, Height  int
	Series         []plotSeries
	Bars           []plotBar
	BarColor       string
	BarOpacity     float64 // 0: opaque
	Points         []plotPoint
	PointColor     string
	PointName      string // legend entry for Points
	VLines         []plotVLine
	XTicks, YTicks []axisTick // nil: chosen automatically
	XLog           bool       // bars and ticks on a log10 x axis
	XFmt, YFmt     func(float64) string
	YMin           *float64 // nil: 0
	Note           string   // one line under the title
}

const (
	padLeft, padRight, padTop, padBottom = 72, 24, 52, 48
)

// svg renders the chart as an inline <svg> element.
func (c chart) svg() string {
	if c.Width == 0 {
		c.Width = 1100
	}
	if c.Height == 0 {
		c.Height = 320
	}
	if c.XFmt == nil {
		c.XFmt = fmtTick
	}
	if c.YFmt == nil {
		c.YFmt = fmtTick
	}
	xmin, xmax, ymin, ymax := c.bounds()
	tx := func(v float64) float64 { return v }
	if c.XLog {
		tx = func(v float64) float64 { return math.Log10(math.Max(v, 1e-9)) }
	}
	pw, ph := float64(c.Width-padLeft-padRight), float64(c.Height-padTop-padBottom)
	X := func(v float64) float64 {
		lo, hi := tx(xmin), tx(xmax)
		if hi == lo {
			return padLeft + pw/2
		}
		return padLeft + (tx(v)-lo)/(hi-lo)*pw
	}
	Y := func(v float64) float64 {
		if ymax == ymin {
			return padTop + ph/2
		}
		return padTop + ph - (v-ymin)/(ymax-ymin)*ph
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		esc(c.ID), c.Width, c.Height, esc(c.Title))
	fmt.Fprintf(&b, `<text class="title" x="%d" y="22" font-size="16" font-weight="600">%s</text>`, padLeft, esc(c.Title))
	if c.Note != "" {
		fmt.Fprintf(&b, `<text class="note" x="%d" y="40" font-size="12" fill="#666">%s</text>`, padLeft, esc(c.Note))
	}

	yt := c.YTicks
	if yt == nil {
		yt = autoTicks(ymin, ymax, 6, c.YFmt)
	}
	for _, t := range yt {
		y := Y(t.V)
		fmt.Fprintf(&b, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, padLeft, padLeft+pw, y, y, colorGrid)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="%s">%s</text>`, padLeft-6, y+4, colorAxis, esc(t.Label))
	}
	xt := c.XTicks
	if xt == nil {
		if c.XLog {
			xt = logTicks(xmin, xmax, c.XFmt)
		} else {
			xt = autoTicks(xmin, xmax, 10, c.XFmt)
		}
	}
	for _, t := range xt {
		x := X(t.V)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" stroke="%s"/>`, x, x, padTop, padTop+ph, colorGrid)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="%s">%s</text>`, x, padTop+ph+16, colorAxis, esc(t.Label))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%.1f" fill="none" stroke="%s"/>`, padLeft, padTop, pw, ph, colorAxis)
	if c.XLabel != "" {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" text-anchor="middle" fill="%s">%s</text>`, padLeft+pw/2, c.Height-8, colorAxis, esc(c.XLabel))
	}
	if c.YLabel != "" {
		fmt.Fprintf(&b, `<text transform="translate(16 %.1f) rotate(-90)" font-size="12" text-anchor="middle" fill="%s">%s</text>`, padTop+ph/2, colorAxis, esc(c.YLabel))
	}

	barColor := c.BarColor
	if barColor == "" {
		barColor = colorBar
	}
	barOpacity := ""
	if c.BarOpacity > 0 {
		barOpacity = fmt.Sprintf(` fill-opacity="%g"`, c.BarOpacity)
	}
	for _, bar := range c.Bars {
		x0, x1 := X(bar.X0), X(bar.X1)
		y := Y(bar.Y)
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"%s><title>%s</title></rect>`,
			x0, y, math.Max(x1-x0-0.5, 0.8), math.Max(Y(ymin)-y, 0), barColor, barOpacity, esc(bar.Title))
	}
	for _, v := range c.VLines {
		x := X(v.X)
		fmt.Fprintf(&b, `<line class="vline" x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="5 3"/>`, x, x, padTop, padTop+ph, v.Color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" fill="%s">%s</text>`, x+4, padTop+12, v.Color, esc(v.Label))
	}
	for _, s := range c.Series {
		if len(s.X) == 0 {
			continue
		}
		var d strings.Builder
		for i := range s.X {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f", cmd, X(s.X[i]), Y(s.Y[i]))
		}
		w := s.Width
		if w == 0 {
			w = 1.8
		}
		dash := ""
		if s.Dash {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<path class="series %s" d="%s" fill="none" stroke="%s" stroke-width="%.1f" stroke-linejoin="round"%s><title>%s</title></path>`,
			esc(s.Class), d.String(), s.Color, w, dash, esc(s.Name))
		if s.Dots {
			for i := range s.X {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`, X(s.X[i]), Y(s.Y[i]), s.Color)
			}
		}
	}
	pc := c.PointColor
	if pc == "" {
		pc = colorError
	}
	for _, p := range c.Points {
		fmt.Fprintf(&b, `<circle class="marker" cx="%.1f" cy="%.1f" r="4.5" fill="%s" fill-opacity="0.85" stroke="#fff"><title>%s</title></circle>`, X(p.X), Y(p.Y), pc, esc(p.Title))
	}
	c.legend(&b, pc)
	b.WriteString(`</svg>`)
	return b.String()
}

// legend draws one swatch per named series (and the markers) across the top right.
func (c chart) legend(b *strings.Builder, pointColor string) {
	type entry struct {
		name, color string
		dash, dot   bool
	}
	var es []entry
	for _, s := range c.Series {
		if s.Name != "" {
			es = append(es, entry{s.Name, s.Color, s.Dash, false})
		}
	}
	if c.PointName != "" && len(c.Points) > 0 {
		es = append(es, entry{c.PointName, pointColor, false, true})
	}
	x := float64(c.Width - padRight)
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		x -= float64(len([]rune(e.name)))*6.6 + 34
		if e.dot {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="17" r="4.5" fill="%s"/>`, x+11, e.color)
		} else {
			dash := ""
			if e.dash {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="17" y2="17" stroke="%s" stroke-width="3"%s/>`, x, x+22, e.color, dash)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="21" font-size="12">%s</text>`, x+27, esc(e.name))
	}
}

// bounds returns the data range, with y starting at 0 (or YMin) and a little headroom.
func (c chart) bounds() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	ymax = math.Inf(-1)
	see := func(x, y float64) {
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			return
		}
		xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
		ymax = math.Max(ymax, y)
	}
	for _, s := range c.Series {
		for i := range s.X {
			see(s.X[i], s.Y[i])
		}
	}
	for _, bar := range c.Bars {
		see(bar.X0, bar.Y)
		see(bar.X1, bar.Y)
	}
	for _, p := range c.Points {
		see(p.X, p.Y)
	}
	for _, t := range c.XTicks {
		xmin, xmax = math.Min(xmin, t.V), math.Max(xmax, t.V)
	}
	if math.IsInf(xmin, 1) {
		xmin, xmax, ymax = 0, 1, 1
	}
	if c.YMin != nil {
		ymin = *c.YMin
	}
	if ymax <= ymin {
		ymax = ymin + 1
	}
	ymax = niceCeil(ymin + (ymax-ymin)*1.05)
	return xmin, xmax, ymin, ymax
}

// autoTicks returns about n evenly spaced round ticks covering [lo, hi].
func autoTicks(lo, hi float64, n int, format func(float64) string) []axisTick {
	if hi <= lo {
		return []axisTick{{lo, format(lo)}}
	}
	step := niceStep((hi - lo) / float64(n))
	var ts []axisTick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		v = math.Round(v/step) * step
		ts = append(ts, axisTick{v, format(v)})
	}
	return ts
}

// logTicks returns ticks at 1, 2 and 5 times each power of ten within [lo, hi].
func logTicks(lo, hi float64, format func(float64) string) []axisTick {
	var ts []axisTick
	for e := math.Floor(math.Log10(math.Max(lo, 1e-9))); e <= math.Ceil(math.Log10(math.Max(hi, 1e-9))); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= lo*0.999 && v <= hi*1.001 {
				ts = append(ts, axisTick{v, format(v)})
			}
		}
	}
	return ts
}

// niceStep rounds a raw step to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// niceCeil rounds v up to a tidy axis maximum.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	step := niceStep(v / 8)
	return math.Ceil(v/step) * step
}

// fmtTick prints an axis value compactly.
func fmtTick(v float64) string {
	switch a := math.Abs(v); {
	case a == 0:
		return "0"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	case a < 0.01:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

// percentileAxis maps a quantile to HdrHistogram's x = log10(1/(1-q)).
func percentileAxis(q float64) float64 {
	if q >= 1 {
		return math.NaN()
	}
	return math.Log10(1 / (1 - q))
}

// percentileTicks labels the percentile axis as HdrHistogram plots do.
func percentileTicks(maxX float64) []axisTick {
	ts := []axisTick{{0, "0%"}, {percentileAxis(0.5), "50%"}, {1, "90%"}, {2, "99%"}, {3, "99.9%"}, {4, "99.99%"}}
	for e := 5.0; e <= maxX+0.5 && e <= 7; e++ {
		ts = append(ts, axisTick{e, "99." + strings.Repeat("9", int(e)-2) + "%"})
	}
	return ts
}

// category is one labelled row of a horizontal bar chart.
type category struct {
	Label  string
	Values []float64 // one per stack
	Color  string    // overrides the stack colour when there is a single stack
	Title  string
}

// barStack names one segment kind of a stacked horizontal bar.
type barStack struct {
	Name, Color string
}

// categoryChart draws labelled horizontal (stacked) bars, values printed at the end.
type categoryChart struct {
	ID, Title string
	Stacks    []barStack
	Rows      []category
	Width     int
}

func (c categoryChart) svg() string {
	if c.Width == 0 {
		c.Width = 1100
	}
	const rowH, left, top = 26, 180, 36
	height := top + rowH*len(c.Rows) + 16
	max := 0.0
	for _, r := range c.Rows {
		sum := 0.0
		for _, v := range r.Values {
			sum += v
		}
		max = math.Max(max, sum)
	}
	if max == 0 {
		max = 1
	}
	pw := float64(c.Width - left - 300)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, esc(c.ID), c.Width, height, esc(c.Title))
	fmt.Fprintf(&b, `<text class="title" x="%d" y="22" font-size="16" font-weight="600">%s</text>`, padLeft, esc(c.Title))
	for i, r := range c.Rows {
		y := float64(top + i*rowH)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="12" text-anchor="end">%s</text>`, left-8, y+15, esc(r.Label))
		x := float64(left)
		total := 0.0
		for j, v := range r.Values {
			color := r.Color
			if color == "" || len(c.Stacks) > 1 {
				color = c.Stacks[j].Color
			}
			w := v / max * pw
			if v > 0 {
				fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"><title>%s: %s</title></rect>`,
					x, y+2, math.Max(w, 1), rowH-6, color, esc(c.Stacks[j].Name), fmtTick(v))
			}
			x += w
			total += v
		}
		label := r.Title
		if label == "" {
			label = fmtTick(total)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" fill="%s">%s</text>`, x+6, y+15, colorAxis, esc(label))
	}
	if len(c.Stacks) > 1 {
		x := float64(c.Width - padRight)
		for i := len(c.Stacks) - 1; i >= 0; i-- {
			s := c.Stacks[i]
			x -= float64(len(s.Name))*6.6 + 30
			fmt.Fprintf(&b, `<rect x="%.1f" y="10" width="14" height="12" fill="%s"/><text x="%.1f" y="21" font-size="12">%s</text>`, x, s.Color, x+19, esc(s.Name))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }
