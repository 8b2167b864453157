package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// HistogramsFile is the name, inside a run directory, of the per-second HDR
// histograms the load engine writes beside report.json.
const HistogramsFile = "histograms.jsonl"

// Clocks a histogram line may measure.
const (
	ClockLatency = "latency"  // from the intended send time
	ClockService = "service"  // from the moment the request left
	ClockSendLag = "send_lag" // actual minus intended send time
	// Connection set-up, one value per connection opened (not request
	// latency): the TCP connect and the TLS handshake.
	ClockConnect   = "connect"
	ClockHandshake = "tls_handshake"
)

// HistogramLine is one line of histograms.jsonl: the latencies of one second
// of the run on one clock, as hdrhistogram-go's V2 compressed encoding
// (base64, what (*Histogram).Encode(hdrhistogram.V2CompressedEncodingCookieBase) returns).
type HistogramLine struct {
	T     float64 `json:"t"`     // seconds since StartedAt, like Second.T
	Clock string  `json:"clock"` // ClockLatency, ClockService, ClockSendLag, ClockConnect or ClockHandshake
	Unit  string  `json:"unit"`  // unit of the recorded values: "us" (default), "ns" or "ms"
	HDR   string  `json:"hdr"`
}

// Distribution is a run's whole latency distribution, merged from its per-second histograms.
type Distribution struct {
	Latency *hdrhistogram.Histogram
	Service *hdrhistogram.Histogram
	SendLag *hdrhistogram.Histogram
	// msPerUnit converts a recorded value to milliseconds.
	msPerUnit float64
}

var unitToMS = map[string]float64{"": 0.001, "us": 0.001, "ns": 1e-6, "ms": 1}

// EncodeHistogramLine renders one histograms.jsonl line (without the newline) for h, recorded in microseconds.
func EncodeHistogramLine(t float64, clock string, h *hdrhistogram.Histogram) ([]byte, error) {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("encode %s histogram at t=%g: %w", clock, t, err)
	}
	return json.Marshal(HistogramLine{T: t, Clock: clock, Unit: "us", HDR: string(enc)})
}

// ReadHistograms merges every line of a histograms.jsonl file into one Distribution.
func ReadHistograms(path string) (*Distribution, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read histograms: %w", err)
	}
	defer f.Close()
	d, err := DecodeHistograms(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// DecodeHistograms merges histograms.jsonl lines read from r.
func DecodeHistograms(r io.Reader) (*Distribution, error) {
	d := &Distribution{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var line HistogramLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		scale, ok := unitToMS[line.Unit]
		if !ok {
			return nil, fmt.Errorf("line %d: unknown unit %q (want us, ns or ms)", n, line.Unit)
		}
		if d.msPerUnit != 0 && d.msPerUnit != scale {
			return nil, fmt.Errorf("line %d: unit %q differs from earlier lines", n, line.Unit)
		}
		d.msPerUnit = scale
		h, err := hdrhistogram.Decode([]byte(line.HDR))
		if err != nil {
			return nil, fmt.Errorf("line %d: decode histogram: %w", n, err)
		}
		switch line.Clock {
		case ClockLatency, "":
			d.Latency = mergeInto(d.Latency, h)
		case ClockService:
			d.Service = mergeInto(d.Service, h)
		case ClockSendLag:
			d.SendLag = mergeInto(d.SendLag, h)
		case ClockConnect, ClockHandshake:
			// connection set-up: report.json's connections, not a request clock
		default:
			return nil, fmt.Errorf("line %d: unknown clock %q (want %s, %s or %s)", n, line.Clock, ClockLatency, ClockService, ClockSendLag)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if d.Latency == nil {
		return nil, fmt.Errorf("no %s histogram lines", ClockLatency)
	}
	return d, nil
}

func mergeInto(into, h *hdrhistogram.Histogram) *hdrhistogram.Histogram {
	if into == nil {
		return h
	}
	into.Merge(h)
	return into
}

// percentilePoint is one point of a percentile distribution curve.
type percentilePoint struct {
	Quantile float64 // 0..1
	MS       float64
}

// percentileCurve samples h's distribution like HdrHistogram's percentile
// output (five ticks per halving of the remaining tail) up to the highest
// recorded value.
func (d *Distribution) percentileCurve(h *hdrhistogram.Histogram) []percentilePoint {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	// Past 1-1/count the percentiles only repeat the maximum.
	last := 1 - 1/float64(h.TotalCount())
	var pts []percentilePoint
	for k := 0; ; k++ {
		q := 1 - math.Pow(0.5, float64(k)/5)
		if q > last || k > 200 {
			break
		}
		pts = append(pts, percentilePoint{q, float64(h.ValueAtQuantile(q*100)) * d.msPerUnit})
	}
	return append(pts, percentilePoint{1, float64(h.Max()) * d.msPerUnit})
}

// bars returns h's recorded values as (from, to, count) in milliseconds.
func (d *Distribution) bars(h *hdrhistogram.Histogram) []histBar {
	var out []histBar
	for _, b := range h.Distribution() {
		if b.Count == 0 {
			continue
		}
		out = append(out, histBar{float64(b.From) * d.msPerUnit, float64(b.To) * d.msPerUnit, float64(b.Count)})
	}
	return out
}

// histBar is one bin of a latency histogram.
type histBar struct {
	From, To float64 // ms
	Count    float64
}
