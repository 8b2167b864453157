package reports

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestHTMLRendersInChromium opens the page in a real headless Chromium and
// checks every plot made it into the DOM with data in it.
func TestHTMLRendersInChromium(t *testing.T) {
	r, err := ReadReport("testdata/fanout")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeHistograms(t, dir, 20, 200, 8, 100) // the fixture: 20 s at 200/s around 8 ms
	if err := WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, FormatFiles[FormatHTML])
	dom := dumpDOM(t, page)
	for _, id := range []string{"latency-over-time", "rate-over-time", "percentile-distribution", "latency-histogram", "status-codes", "fanout-delivery"} {
		svg := regexp.MustCompile(`(?s)<svg id="` + id + `".*?</svg>`).FindString(dom)
		if svg == "" {
			t.Errorf("svg#%s missing from the rendered DOM", id)
			continue
		}
		if !strings.Contains(svg, `<path class="series`) && !strings.Contains(svg, `class="bar"`) {
			t.Errorf("svg#%s has no data drawn", id)
		}
	}
	for _, class := range []string{"latency-p50", "latency-p99", "service-p50", "service-p99", "asked", "achieved"} {
		if !regexp.MustCompile(`<path class="series ` + class + `" d="M[0-9.]+ [0-9.]+L`).MatchString(dom) {
			t.Errorf("series %s is not drawn as a line", class)
		}
	}
	if !strings.Contains(dom, `class="marker"`) {
		t.Error("error seconds are not marked on the latency plot")
	}
	for _, label := range []string{">50%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<"} {
		if !strings.Contains(dom, label) {
			t.Errorf("percentile axis label %s missing", label)
		}
	}
	if strings.Contains(dom, knownToken) {
		t.Error("the rendered page shows the secret token")
	}
	png := screenshot(t, page, "report-screenshot.png", 1280, 2000)
	t.Logf("screenshot: %s", png)
}

// TestHTMLIsSelfContained: nothing on the page may reach the network.
func TestHTMLIsSelfContained(t *testing.T) {
	r, err := ReadReport("testdata/sync-invoke")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Render(&b, r, FormatHTML); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url(", "https://", "//cdn"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must not load anything", bad)
		}
	}
}

// comparisonPages builds a 3x-slower comparison of n runs a side, a trend with
// a change point and the fixtures' compatibility matrix.
func comparisonPages(t *testing.T, n int) (*Comparison, *Trend, *CompatMatrix) {
	t.Helper()
	c, err := Compare(runs(10, n, 12), runs(20, n, 36), CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs, labels := trendReports(30, 15)
	tr, err := BuildTrend(rs, labels, "p99", ChangePointOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c, tr, BuildCompatMatrix(readConformanceFixtures(t))
}

// TestComparisonPagesRenderInChromium checks the compare, trend and compat pages draw.
func TestComparisonPagesRenderInChromium(t *testing.T) {
	chromiumPath(t)
	dir := t.TempDir()
	c, tr, m := comparisonPages(t, 5)
	for _, tc := range []struct {
		file   string
		render func(io.Writer) error
		want   []string
	}{
		{"compare.html", c.RenderHTML, []string{`<svg id="compare-p99-over-time"`, `class="series baseline-p99"`, `class="series current-p99"`, `<svg id="compare-percentiles"`, "REGRESSION: p50, p99"}},
		{"trend.html", tr.RenderHTML, []string{`<svg id="trend"`, `class="series trend"`, `class="vline"`, "p99 worsened at run 16"}},
		{"compat.html", m.RenderHTML, []string{`<table id="compat">`, `class="cell fail"`, `class="differs"`, "vendor-x eu-1"}},
	} {
		path := filepath.Join(dir, tc.file)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := tc.render(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		dom := dumpDOM(t, path)
		for _, w := range tc.want {
			if !strings.Contains(dom, w) {
				t.Errorf("%s: %q missing from the rendered DOM", tc.file, w)
			}
		}
	}
}

// oneSecondFailedRun is a run of a single second in which every request failed.
func oneSecondFailedRun() *Report {
	r := synthReport(7, 12, 1)
	s := &r.Series[0]
	s.Errors, s.AchievedRPS = s.Count, float64(s.Count)
	r.Successes, r.SuccessRatio, r.ThroughputRPS = 0, 0, 0
	r.StatusCodes = map[string]int64{"503": r.Requests}
	r.Errors = []ErrorCount{{Message: "503 Service Unavailable", Count: r.Requests}}
	return r
}

// seriesPath finds the path of series class in an svg and returns its points.
func seriesPath(t *testing.T, dom, class string) [][2]float64 {
	t.Helper()
	m := regexp.MustCompile(`<path class="series ` + class + `" d="([^"]*)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Errorf("series %s missing", class)
		return nil
	}
	var pts [][2]float64
	for _, p := range regexp.MustCompile(`[ML]([-0-9.]+) ([-0-9.]+)`).FindAllStringSubmatch(m[1], -1) {
		x, _ := strconv.ParseFloat(p[1], 64)
		y, _ := strconv.ParseFloat(p[2], 64)
		pts = append(pts, [2]float64{x, y})
	}
	return pts
}

// TestHTMLOneSecondRunsAreDrawn: a run of one second draws its lines across
// that second on a 0…1 s axis, and a run where every request failed says so
// and draws its errors inside the run, not on a −0.4…0.4 s axis. The checks
// run on the page as written and, when Chromium is there, on the DOM it built.
func TestHTMLOneSecondRunsAreDrawn(t *testing.T) {
	ok := synthReport(3, 12, 1)
	failed := oneSecondFailedRun()
	check := func(t *testing.T, name, dom string, allFailed bool) {
		for _, class := range []string{"latency-p50", "latency-p99", "service-p50", "service-p99", "asked", "achieved"} {
			pts := seriesPath(t, dom, class)
			if len(pts) < 2 || pts[len(pts)-1][0]-pts[0][0] < 500 {
				t.Errorf("%s: series %s is %v: want a line across the plot", name, class, pts)
			}
		}
		rate := regexp.MustCompile(`(?s)<svg id="rate-over-time".*?</svg>`).FindString(dom)
		if strings.Contains(rate, ">-0.") || !strings.Contains(rate, ">0</text>") || !strings.Contains(rate, ">1</text>") {
			t.Errorf("%s: the time axis does not run from 0 to 1 s:\n%s", name, rate)
		}
		bars := regexp.MustCompile(`<rect class="bar" x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"`).FindAllStringSubmatch(rate, -1)
		if allFailed != (len(bars) == 1) {
			t.Fatalf("%s: %d error bars, want %v", name, len(bars), allFailed)
		}
		for _, b := range bars {
			x, _ := strconv.ParseFloat(b[1], 64)
			w, _ := strconv.ParseFloat(b[2], 64)
			if x <= padLeft || x+w >= 1100-padRight || w > 0.9*(1100-padLeft-padRight) {
				t.Errorf("%s: error bar x=%g width=%g does not sit inside its second", name, x, w)
			}
		}
		if got := strings.Contains(dom, `id="all-failed"`) && strings.Contains(dom, "Every request failed"); got != allFailed {
			t.Errorf("%s: says every request failed = %v, want %v", name, got, allFailed)
		}
	}
	dir := t.TempDir()
	pages := map[string]bool{}
	for name, r := range map[string]*Report{"ok": ok, "failed": failed} {
		var b strings.Builder
		if err := Render(&b, r, FormatHTML); err != nil {
			t.Fatal(err)
		}
		check(t, name+" page", b.String(), r.Successes == 0)
		path := filepath.Join(dir, name+".html")
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		pages[path] = r.Successes == 0
	}
	for path, allFailed := range pages {
		check(t, filepath.Base(path)+" in Chromium", dumpDOM(t, path), allFailed)
	}
}

// TestHTMLPagesUseNoEmoji: a machine without an emoji font draws emoji as
// empty boxes, so no HTML page may depend on one.
func TestHTMLPagesUseNoEmoji(t *testing.T) {
	c, tr, m := comparisonPages(t, 3)
	report := func(w io.Writer) error { return Render(w, synthFanout(synthReport(5, 12, 20)), FormatHTML) }
	for name, render := range map[string]func(io.Writer) error{"report": report, "compare": c.RenderHTML, "trend": tr.RenderHTML, "compat": m.RenderHTML} {
		var b strings.Builder
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		for i, r := range b.String() {
			if r >= 0x2600 && r <= 0x27BF || r >= 0x2B00 && r <= 0x2BFF || r >= 0x1F000 || r == 0xFE0F {
				t.Errorf("%s page: emoji %q at byte %d", name, r, i)
				break
			}
		}
		if name == "compat" && (!strings.Contains(b.String(), `class="cell fail" title="`) || !strings.Contains(b.String(), ">fail</td>")) {
			t.Errorf("compat page does not say fail in words")
		}
	}
}
