package reports

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// writeHistograms writes a histograms.jsonl of perSecond lognormal
// latencies (recorded in µs) around medianMS, with one in tailEvery eight
// times slower: a second mode report.json's percentiles cannot show.
func writeHistograms(t *testing.T, dir string, seconds, perSecond int, medianMS float64, tailEvery int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for s := 0; s < seconds; s++ {
		lat, svc := hdrhistogram.New(1, 60_000_000, 3), hdrhistogram.New(1, 60_000_000, 3)
		for i := 0; i < perSecond; i++ {
			v := medianMS * 1000 * math.Exp(0.3*rng.NormFloat64())
			if i%tailEvery == 0 {
				v *= 8
			}
			_ = lat.RecordValue(int64(v) + 300)
			_ = svc.RecordValue(int64(v))
		}
		for _, h := range []struct {
			clock string
			h     *hdrhistogram.Histogram
		}{{ClockLatency, lat}, {ClockService, svc}} {
			line, err := EncodeHistogramLine(float64(s), h.clock, h.h)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(line, '\n'))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, HistogramsFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadHistogramsMergesSeconds(t *testing.T) {
	dir := t.TempDir()
	writeHistograms(t, dir, 4, 500, 5, 10)
	d, err := LoadDistribution(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if d == nil || d.Latency.TotalCount() != 2000 || d.Service.TotalCount() != 2000 {
		t.Fatalf("distribution %+v, want 2000 latencies and 2000 service times", d)
	}
	curve := d.percentileCurve(d.Latency)
	if len(curve) < 20 || curve[0].Quantile != 0 || curve[len(curve)-1].Quantile != 1 {
		t.Fatalf("percentile curve has %d points from %v to %v", len(curve), curve[0], curve[len(curve)-1])
	}
	for i := 1; i < len(curve); i++ {
		if curve[i].Quantile <= curve[i-1].Quantile || curve[i].MS < curve[i-1].MS {
			t.Fatalf("curve not monotonic at %d: %v then %v", i, curve[i-1], curve[i])
		}
	}
	if p50 := float64(d.Latency.ValueAtQuantile(50)) / 1000; p50 < 4 || p50 > 7 {
		t.Errorf("p50 %.2fms, want about 5.5ms (values are microseconds)", p50)
	}
}

func TestLoadDistributionAbsentIsNil(t *testing.T) {
	d, err := LoadDistribution(t.TempDir())
	if d != nil || err != nil {
		t.Fatalf("got %v, %v; want nil, nil", d, err)
	}
}

func TestReadHistogramsRejectsGarbage(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"t":0,"clock":"latency","hdr":"not base64!"}`, "line 1: decode histogram"},
		{`{"t":0,"clock":"wall","hdr":""}`, "line 1"},
		{`{"t":0,"clock":"latency","unit":"parsec","hdr":""}`, `unknown unit "parsec"`},
		{`not json`, "line 1"},
		{``, "no latency histogram lines"},
	} {
		_, err := DecodeHistograms(strings.NewReader(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.body, err, tc.want)
		}
	}
}

// TestHTMLUsesHistograms: with histograms.jsonl beside the report the
// plots are drawn from it rather than from report.json's percentiles.
func TestHTMLUsesHistograms(t *testing.T) {
	dir := t.TempDir()
	r, err := ReadReport("testdata/sync-invoke")
	if err != nil {
		t.Fatal(err)
	}
	writeHistograms(t, dir, 3, 500, 5, 10)
	if err := WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, FormatFiles[FormatHTML]))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("from the run&#39;s HDR histograms")) {
		t.Error("the histogram plot does not say it used histograms.jsonl")
	}
	d, err := LoadDistribution(dir)
	if err != nil {
		t.Fatal(err)
	}
	svg := latencyHistogram(r, d)
	if n := strings.Count(svg, `class="bar"`); n < 20 {
		t.Errorf("only %d histogram bars drawn", n)
	}
	// The percentile curve follows the histograms: dozens of points, not report.json's eight.
	curve := percentileChart("p", "p", reportCurves(r, d))
	if n := strings.Count(regexp.MustCompile(`class="series percentile latency" d="[^"]*"`).FindString(curve), "L"); n < 20 {
		t.Errorf("percentile curve has %d segments, want the HDR curve's dozens", n)
	}
}
