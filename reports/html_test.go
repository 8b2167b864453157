package reports

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
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

// TestComparisonPagesRenderInChromium checks the compare, trend and compat pages draw.
func TestComparisonPagesRenderInChromium(t *testing.T) {
	chromiumPath(t)
	dir := t.TempDir()
	c, err := Compare(runs(10, 5, 12), runs(20, 5, 36), CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs, labels := trendReports(30, 15)
	tr, err := BuildTrend(rs, labels, "p99", ChangePointOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := BuildCompatMatrix(readConformanceFixtures(t))
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
