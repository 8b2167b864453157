package load

import (
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fgharness/fgharness/reports"
)

// Histogram bounds: 1 µs to 60 s at 3 significant digits, recorded in microseconds.
const (
	histLowestUS  = 1
	histHighestUS = 60_000_000
	histSigFigs   = 3
)

func newHistogram() *hdr.Histogram { return hdr.New(histLowestUS, histHighestUS, histSigFigs) }

// histPool recycles per-second histograms so a long run allocates a handful, not one per second.
var histPool = sync.Pool{New: func() any { return newHistogram() }}

func getHistogram() *hdr.Histogram { return histPool.Get().(*hdr.Histogram) }

func putHistogram(h *hdr.Histogram) {
	h.Reset()
	histPool.Put(h)
}

// recordDuration records d in microseconds, clamped into the histogram's range.
func recordDuration(h *hdr.Histogram, d time.Duration) {
	us := d.Microseconds()
	if us < histLowestUS {
		us = histLowestUS
	} else if us > histHighestUS {
		us = histHighestUS
	}
	_ = h.RecordValue(us)
}

// percentilesOf summarises h (microseconds) in float milliseconds.
func percentilesOf(h *hdr.Histogram) reports.Percentiles {
	if h.TotalCount() == 0 {
		return reports.Percentiles{}
	}
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 95, 99, 99.9, 99.99})
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return reports.Percentiles{
		Min:   ms(h.Min()),
		Mean:  h.Mean() / 1000,
		P50:   ms(v[0]),
		P90:   ms(v[1]),
		P95:   ms(v[2]),
		P99:   ms(v[3]),
		P999:  ms(v[4]),
		P9999: ms(v[5]),
		Max:   ms(h.Max()),
	}
}

// ResultsFile holds every result in Vegeta's own gob encoding, so
// `vegeta report` and `vegeta plot` read it. Its timestamps are the intended
// send times and its latencies run from them.
const ResultsFile = "results.bin"

// FanoutHistogramsFile holds the extension delivery latency histograms of a
// fan-out run (one line for all extensions, one per extension), so shards merge them.
const FanoutHistogramsFile = "fanout-histograms.jsonl"

// fanoutHistogramLine is one line of FanoutHistogramsFile; Extension is "" for all extensions together.
type fanoutHistogramLine struct {
	Extension string `json:"extension"`
	Unit      string `json:"unit"`
	HDR       string `json:"hdr"`
}
