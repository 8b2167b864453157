package load

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ParseRate reads "200", "200/s", "200/1s" or "6000/1m" into a Vegeta rate.
func ParseRate(s string) (vegeta.Rate, error) {
	s = strings.TrimSpace(s)
	freqStr, perStr, hasPer := strings.Cut(s, "/")
	freq, err := strconv.Atoi(strings.TrimSpace(freqStr))
	if err != nil || freq <= 0 {
		return vegeta.Rate{}, fmt.Errorf("rate %q: want a positive whole number of requests, e.g. 200/s", s)
	}
	per := time.Second
	if hasPer {
		p := strings.TrimSpace(perStr)
		if p != "" && (p[0] < '0' || p[0] > '9') {
			p = "1" + p
		}
		if per, err = time.ParseDuration(p); err != nil || per <= 0 {
			return vegeta.Rate{}, fmt.Errorf("rate %q: the part after / must be a duration like s, 1s or 1m", s)
		}
	}
	return vegeta.Rate{Freq: freq, Per: per}, nil
}

// RPS is the rate in requests per second.
func RPS(r vegeta.Rate) float64 {
	if r.Per <= 0 {
		return 0
	}
	return float64(r.Freq) / r.Per.Seconds()
}

// Pacing shapes the request rate over time. Shape "constant" uses Rate; "linear"
// starts at Rate and adds Slope req/s every second; "sine" oscillates around
// Rate by Amplitude with Period. All three are Vegeta's own pacers.
type Pacing struct {
	Shape     string        `json:"shape"`
	Rate      vegeta.Rate   `json:"-"`
	Slope     float64       `json:"slope,omitempty"`
	Amplitude vegeta.Rate   `json:"-"`
	Period    time.Duration `json:"period,omitempty"`
}

// Pacer returns the Vegeta pacer for p.
func (p Pacing) Pacer() (vegeta.Pacer, error) {
	if p.Rate.Freq <= 0 || p.Rate.Per <= 0 {
		return nil, fmt.Errorf("pacing needs a positive rate, e.g. --rate 200/s")
	}
	switch p.Shape {
	case "", "constant":
		return p.Rate, nil
	case "linear":
		return vegeta.LinearPacer{StartAt: p.Rate, Slope: p.Slope}, nil
	case "sine":
		if p.Period <= 0 {
			return nil, fmt.Errorf("sine pacing needs --sine-period > 0")
		}
		if RPS(p.Amplitude) >= RPS(p.Rate) {
			return nil, fmt.Errorf("sine pacing: amplitude %.0f/s must stay below the mean rate %.0f/s", RPS(p.Amplitude), RPS(p.Rate))
		}
		return vegeta.SinePacer{Period: p.Period, Mean: p.Rate, Amp: p.Amplitude, StartAt: vegeta.MeanUp}, nil
	default:
		return nil, fmt.Errorf("unknown pacing %q: use constant, linear or sine", p.Shape)
	}
}

// String describes the pacing for reports and the start banner.
func (p Pacing) String() string {
	switch p.Shape {
	case "linear":
		return fmt.Sprintf("linear from %.6g/s, %+.6g/s per second", RPS(p.Rate), p.Slope)
	case "sine":
		return fmt.Sprintf("sine %.6g/s ± %.6g/s every %s", RPS(p.Rate), RPS(p.Amplitude), p.Period)
	default:
		return fmt.Sprintf("constant %.6g/s", RPS(p.Rate))
	}
}

// ShardRate is 1/n of p: every rate (and slope) divided by n, exactly for
// constant pacing (Freq per n·Per), so n shards together ask for p.
func (p Pacing) ShardRate(n int) Pacing {
	if n <= 1 {
		return p
	}
	q := p
	q.Rate = vegeta.Rate{Freq: p.Rate.Freq, Per: p.Rate.Per * time.Duration(n)}
	if p.Amplitude.Freq > 0 {
		q.Amplitude = vegeta.Rate{Freq: p.Amplitude.Freq, Per: p.Amplitude.Per * time.Duration(n)}
	}
	q.Slope = p.Slope / float64(n)
	return q
}

// schedule turns a Vegeta pacer into intended send offsets. It paces in
// virtual time (the intended time of the previous request, not the wall
// clock), so the n-th offset is fixed by the pacer alone and a stalled
// generator cannot move it: that is what keeps coordinated omission out.
// Offsets start at 0: Vegeta's first hit is due one interval in, and that
// interval is subtracted so a run of rate r for d seconds schedules r·d requests.
//
// Constant pacing is computed exactly, k·Per/Freq, rather than by adding
// Vegeta's whole-nanosecond interval (which drifts and lets 30/s for 1 s
// schedule a 31st request at 999,999,990 ns); a shard's requests are the
// k = Index + j·Count of the whole run's schedule, so N shards send exactly
// the requests of one run.
type schedule struct {
	pacer   vegeta.Pacer
	virtual time.Duration
	hits    uint64
	first   time.Duration
	offset  time.Duration
	shard   Shard
}

func newSchedule(p vegeta.Pacer, offset time.Duration, shard Shard) *schedule {
	return &schedule{pacer: p, first: -1, offset: offset, shard: shard}
}

// next returns the intended offset of the next request, or false when the pacer stops.
func (s *schedule) next() (time.Duration, bool) {
	if r, ok := s.pacer.(vegeta.Rate); ok && r.Freq > 0 && r.Per > 0 {
		return s.nextConstant(r)
	}
	wait, stop := s.pacer.Pace(s.virtual, s.hits)
	if stop {
		return 0, false
	}
	if wait < 0 {
		wait = 0
	}
	if s.virtual > math.MaxInt64-wait {
		return 0, false
	}
	s.virtual += wait
	s.hits++
	if s.first < 0 {
		s.first = s.virtual
	}
	return s.virtual - s.first + s.offset, true
}

// nextConstant is request k = Index + hits·Count of the whole run, due at
// k·Per/Freq of the whole rate; r is this shard's rate (Freq per Count·Per).
func (s *schedule) nextConstant(r vegeta.Rate) (time.Duration, bool) {
	count := uint64(max(1, s.shard.Count))
	hi, lo := bits.Mul64(s.hits, count)
	if hi != 0 {
		return 0, false
	}
	k := lo + uint64(s.shard.Index)
	// k·(Count·Per) / (Count·Freq) = k·Per/Freq of the whole rate.
	hi, lo = bits.Mul64(k, uint64(r.Per))
	div := count * uint64(r.Freq)
	if hi >= div {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, div)
	if q > math.MaxInt64 {
		return 0, false
	}
	s.hits++
	return time.Duration(q), true
}

// PeakRPS is the highest rate p asks for within d.
func (p Pacing) PeakRPS(d time.Duration) float64 {
	switch p.Shape {
	case "linear":
		return max(RPS(p.Rate), RPS(p.Rate)+p.Slope*d.Seconds())
	case "sine":
		return RPS(p.Rate) + RPS(p.Amplitude)
	default:
		return RPS(p.Rate)
	}
}

// procRPS is the rate one scheduler thread (P) of the generator paces with
// room to spare: about 25–35 µs of CPU a request, so 20,000 req/s is half to
// two thirds of a core, measured with 0 late requests and a lower p99 than
// with two Ps.
const procRPS = 20_000

// GeneratorProcs is how many scheduler threads (GOMAXPROCS) a generator
// pacing peakRPS needs, at most cpus. Fewer than the machine has is
// cheaper: at a few thousand requests a second the process idles between
// requests, and every idle P is another thread the runtime wakes to spin for
// work; on a 2-core machine one P instead of two cut the CPU per request at
// 5,000 req/s from about 48 µs to 31–34 µs, and at 20,000 req/s from 33 µs
// to 25 µs, with the same achieved rate.
func GeneratorProcs(peakRPS float64, cpus int) int {
	n := int(math.Ceil(peakRPS / procRPS))
	return max(1, min(n, cpus))
}
