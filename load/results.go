package load

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/reports"
)

// Result is one request of an attack. Times are offsets from the attack's
// start on the monotonic clock: Intended is when the schedule wanted the
// request sent, Sent when it actually left (after signing and building),
// Done when the whole response had been read.
type Result struct {
	Seq       uint64
	Intended  time.Duration
	Sent      time.Duration // negative when the request never left
	Done      time.Duration
	Code      uint16
	Late      bool
	Dropped   bool // never sent: the generator was too far behind (Done is when it gave up)
	Error     string
	BytesIn   uint64
	BytesOut  uint64
	RequestID string // X-Cff-Request-Id, when the scenario needs it
	// Opened connections for this request, and the time their TCP connects
	// and TLS handshakes took (part of its service time).
	Opened             uint8
	Connect, Handshake time.Duration
	Checked            bool     // the response was sampled for spec validation
	Violations         []string // what the spec validator found, when Checked
}

// Success tells whether the request got the documented success: a 2xx answer, read whole, with a valid body.
func (r *Result) Success() bool { return r.Error == "" && r.Code >= 200 && r.Code < 300 }

// Latency is the response time from the intended send time.
func (r *Result) Latency() time.Duration { return r.Done - r.Intended }

// ServiceTime is the response time from the moment the request left.
func (r *Result) ServiceTime() time.Duration { return r.Done - r.Sent }

// secondMark tells the recorder that the pacer has scheduled every request of one second.
type secondMark struct {
	second      int64
	asked       int64 // due requests
	results     int64 // sent or dropped: how many results to wait for
	interrupted int64 // due but not sent because the attack stopped
}

// maxDistinctErrors bounds the error table; further messages are counted under otherErrors.
const (
	maxDistinctErrors = 64
	otherErrors       = "other errors (more than 64 distinct messages)"
	maxExamples       = 10
)

// openSecond accumulates one second of the schedule until all its results are in.
type openSecond struct {
	latency, service, sendLag *hdr.Histogram
	// connect and handshake time the connections opened by this second's
	// requests (nil until one is), so merged shards get exact percentiles.
	connect, handshake *hdr.Histogram
	count, errors      int64
	late               int64
	marked             bool
	asked              int64
	results            int64
}

// recorder consumes results: it streams them to results.bin in Vegeta's
// encoding, keeps per-second and whole-run HDR histograms, and counts codes
// and errors. Only the recorder goroutine touches its state, except the
// snapshot fields guarded by mu, which the progress display reads.
type recorder struct {
	attack string
	start  time.Time

	bin  *bufio.Writer
	enc  vegeta.Encoder
	vr   vegeta.Result
	hist *bufio.Writer
	err  error

	open   map[int64]*openSecond
	series map[int64]*reports.Second
	sent   map[int64]int64

	mu          sync.Mutex
	latency     *hdr.Histogram
	service     *hdr.Histogram
	sendLag     *hdr.Histogram
	connect     *hdr.Histogram // per connection opened
	handshake   *hdr.Histogram
	opened      int64
	dialTime    time.Duration
	dialPerSec  map[int64]*reports.Second // new connections and their time, by the second they were opened
	requests    int64
	successes   int64
	late        int64
	dropped     int64
	interrupted int64
	errorCount  int64
	codes       map[uint16]int64
	errs        map[string]int64
	bytesIn     int64
	bytesOut    int64
	checked     int64
	violations  int64
	examples    []string
	lastDone    time.Duration
	firstSent   time.Duration
	lastSent    time.Duration
	onResult    func(start time.Time, r *Result)
}

func newRecorder(attack string, start time.Time, results, histograms io.Writer) *recorder {
	rec := &recorder{
		attack:     attack,
		start:      start,
		open:       make(map[int64]*openSecond),
		series:     make(map[int64]*reports.Second),
		sent:       make(map[int64]int64),
		latency:    newHistogram(),
		service:    newHistogram(),
		sendLag:    newHistogram(),
		connect:    newHistogram(),
		handshake:  newHistogram(),
		dialPerSec: make(map[int64]*reports.Second),
		codes:      make(map[uint16]int64),
		errs:       make(map[string]int64),
		firstSent:  -1,
	}
	if results != nil {
		rec.bin = bufio.NewWriterSize(results, 64<<10)
		rec.enc = vegeta.NewEncoder(rec.bin)
	}
	if histograms != nil {
		rec.hist = bufio.NewWriterSize(histograms, 64<<10)
	}
	return rec
}

func (rec *recorder) fail(err error) {
	if rec.err == nil && err != nil {
		rec.err = err
	}
}

func secondOf(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return int64(d / time.Second)
}

func (rec *recorder) record(r *Result) {
	if rec.enc != nil {
		rec.vr = vegeta.Result{
			Attack:    rec.attack,
			Seq:       r.Seq,
			Code:      r.Code,
			Timestamp: rec.start.Add(r.Intended),
			Latency:   r.Latency(),
			BytesOut:  r.BytesOut,
			BytesIn:   r.BytesIn,
			Error:     r.Error,
			Method:    "POST",
		}
		rec.fail(rec.enc.Encode(&rec.vr))
	}

	sec := secondOf(r.Intended)
	os := rec.open[sec]
	if os == nil {
		os = &openSecond{latency: getHistogram(), service: getHistogram(), sendLag: getHistogram()}
		rec.open[sec] = os
	}
	os.count++
	recordDuration(os.latency, r.Latency())
	if r.Sent >= 0 {
		recordDuration(os.service, r.ServiceTime())
		recordDuration(os.sendLag, r.Sent-r.Intended)
		rec.sent[secondOf(r.Sent)]++
	}
	ok := r.Success()
	if !ok {
		os.errors++
	}
	if r.Late {
		os.late++
	}
	if r.Opened > 0 {
		if os.connect == nil {
			os.connect, os.handshake = getHistogram(), getHistogram()
		}
		recordDial(os.connect, os.handshake, r)
	}

	rec.mu.Lock()
	if r.Dropped {
		rec.dropped++ // in the latency figures (censored: at least its lag), not in requests sent
	} else {
		rec.requests++
	}
	if ok {
		rec.successes++
	} else {
		rec.errorCount++
	}
	if r.Late {
		rec.late++
	}
	if !r.Dropped {
		rec.codes[r.Code]++
	}
	if r.Error != "" {
		rec.countError(r.Error)
	}
	rec.bytesIn += int64(r.BytesIn)
	rec.bytesOut += int64(r.BytesOut)
	recordDuration(rec.latency, r.Latency())
	if r.Sent >= 0 {
		recordDuration(rec.service, r.ServiceTime())
		recordDuration(rec.sendLag, r.Sent-r.Intended)
		if rec.firstSent < 0 || r.Sent < rec.firstSent {
			rec.firstSent = r.Sent
		}
		if r.Sent > rec.lastSent {
			rec.lastSent = r.Sent
		}
	}
	if r.Opened > 0 {
		rec.opened += int64(r.Opened)
		rec.dialTime += r.Connect + r.Handshake
		recordDial(rec.connect, rec.handshake, r)
		ds := rec.dialPerSec[secondOf(r.Sent)]
		if ds == nil {
			ds = &reports.Second{}
			rec.dialPerSec[secondOf(r.Sent)] = ds
		}
		ds.NewConnections += int64(r.Opened)
		ds.ConnectMS += float64(r.Connect+r.Handshake) / float64(time.Millisecond)
	}
	if r.Done > rec.lastDone {
		rec.lastDone = r.Done
	}
	if r.Checked {
		rec.checked++
		if len(r.Violations) > 0 {
			rec.violations++
			if len(rec.examples) < maxExamples {
				rec.examples = append(rec.examples, r.Violations[0])
			}
		}
	}
	rec.mu.Unlock()

	if rec.onResult != nil {
		rec.onResult(rec.start, r)
	}
	rec.maybeClose(sec, os)
}

func (rec *recorder) countError(msg string) {
	if _, ok := rec.errs[msg]; !ok && len(rec.errs) >= maxDistinctErrors {
		msg = otherErrors
	}
	rec.errs[msg]++
}

func (rec *recorder) mark(m secondMark) {
	os := rec.open[m.second]
	if os == nil {
		os = &openSecond{latency: getHistogram(), service: getHistogram(), sendLag: getHistogram()}
		rec.open[m.second] = os
	}
	os.marked, os.asked, os.results = true, m.asked, m.results
	if m.interrupted > 0 {
		rec.mu.Lock()
		rec.interrupted += m.interrupted
		rec.mu.Unlock()
	}
	rec.maybeClose(m.second, os)
}

// maybeClose persists a second once the pacer is past it and all its results are in.
func (rec *recorder) maybeClose(sec int64, os *openSecond) {
	if os.marked && os.count >= os.results {
		rec.closeSecond(sec, os)
	}
}

func (rec *recorder) closeSecond(sec int64, os *openSecond) {
	delete(rec.open, sec)
	lat, svc := percentilesOf(os.latency), percentilesOf(os.service)
	rec.series[sec] = &reports.Second{
		T:            float64(sec),
		AskedRPS:     float64(os.asked),
		Count:        os.count,
		Errors:       os.errors,
		Late:         os.late,
		P50:          lat.P50,
		P99:          lat.P99,
		ServiceP50:   svc.P50,
		ServiceP99:   svc.P99,
		ServiceCount: os.service.TotalCount(),
	}
	if rec.hist != nil {
		rec.writeHistogramLine(float64(sec), reports.ClockLatency, os.latency)
		if os.service.TotalCount() > 0 {
			rec.writeHistogramLine(float64(sec), reports.ClockService, os.service)
			rec.writeHistogramLine(float64(sec), reports.ClockSendLag, os.sendLag)
		}
	}
	putHistogram(os.latency)
	putHistogram(os.service)
	putHistogram(os.sendLag)
	if os.connect != nil {
		if rec.hist != nil {
			rec.writeHistogramLine(float64(sec), reports.ClockConnect, os.connect)
			if os.handshake.TotalCount() > 0 {
				rec.writeHistogramLine(float64(sec), reports.ClockHandshake, os.handshake)
			}
		}
		putHistogram(os.connect)
		putHistogram(os.handshake)
	}
}

// recordDial records the connect and TLS handshake time of each connection r opened.
func recordDial(connect, handshake *hdr.Histogram, r *Result) {
	recordDuration(connect, r.Connect/time.Duration(r.Opened))
	if r.Handshake > 0 {
		recordDuration(handshake, r.Handshake/time.Duration(r.Opened))
	}
}

// flush pushes buffered output to disk, so a crash loses at most a moment.
func (rec *recorder) flush() {
	if rec.bin != nil {
		rec.fail(rec.bin.Flush())
	}
	if rec.hist != nil {
		rec.fail(rec.hist.Flush())
	}
}

// finish closes every second still open and writes the per-second send counts.
func (rec *recorder) finish() error {
	secs := make([]int64, 0, len(rec.open))
	for s := range rec.open {
		secs = append(secs, s)
	}
	sort.Slice(secs, func(i, j int) bool { return secs[i] < secs[j] })
	for _, s := range secs {
		rec.closeSecond(s, rec.open[s])
	}
	for s, n := range rec.sent {
		if sr := rec.series[s]; sr != nil {
			sr.AchievedRPS = float64(n)
		} else {
			rec.series[s] = &reports.Second{T: float64(s), AchievedRPS: float64(n)}
		}
	}
	for s, ds := range rec.dialPerSec {
		if sr := rec.series[s]; sr != nil {
			sr.NewConnections, sr.ConnectMS = ds.NewConnections, ds.ConnectMS
		}
	}
	rec.flush()
	if rec.err != nil {
		return fmt.Errorf("write results: %w", rec.err)
	}
	return nil
}

// writeHistogramLine appends one second of one clock to histograms.jsonl, in the reports package's format.
func (rec *recorder) writeHistogramLine(t float64, clock string, h *hdr.Histogram) {
	line, err := reports.EncodeHistogramLine(t, clock, h)
	if err != nil {
		rec.fail(err)
		return
	}
	_, err = rec.hist.Write(append(line, '\n'))
	rec.fail(err)
}

// Snapshot is the run so far, for the progress display and abort-on-fail thresholds.
type Snapshot struct {
	Elapsed   time.Duration
	Requests  int64
	Successes int64
	Errors    int64
	Late      int64
	Dropped   int64
	P50, P99  time.Duration
}

func (rec *recorder) snapshot() Snapshot {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return Snapshot{
		Elapsed:   time.Since(rec.start),
		Requests:  rec.requests,
		Successes: rec.successes,
		Errors:    rec.errorCount,
		Late:      rec.late,
		Dropped:   rec.dropped,
		P50:       time.Duration(rec.latency.ValueAtPercentile(50)) * time.Microsecond,
		P99:       time.Duration(rec.latency.ValueAtPercentile(99)) * time.Microsecond,
	}
}

// fillReport writes the recorder's totals and series into r, once the attack
// has finished (the caller sets scenario, target, settings).
func (rec *recorder) fillReport(r *reports.Report) {
	rec.fillTotals(r)
	r.Series = sortedSeries(rec.series)
}

// fillTotals writes the whole-run numbers into r; safe while the attack runs.
func (rec *recorder) fillTotals(r *reports.Report) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	r.Requests = rec.requests
	r.Successes = rec.successes
	r.LateRequests = rec.late
	r.DroppedRequests = rec.dropped
	r.InterruptedRequests = rec.interrupted
	r.BytesIn, r.BytesOut = rec.bytesIn, rec.bytesOut
	r.StatusCodes = make(map[string]int64, len(rec.codes))
	for c, n := range rec.codes {
		r.StatusCodes[strconv.Itoa(int(c))] = n
	}
	r.Errors = errorTable(rec.errs)
	r.Latency = percentilesOf(rec.latency)
	r.ServiceTime = percentilesOf(rec.service)
	r.SendLag = percentilesOf(rec.sendLag)
	if rec.opened > 0 {
		r.Connections = &reports.Connections{Opened: rec.opened, ConnectMS: percentilesOf(rec.connect),
			HandshakeMS: percentilesOf(rec.handshake), TotalSeconds: rec.dialTime.Seconds()}
	}
	if rec.checked > 0 || r.Validation != nil {
		if r.Validation == nil {
			r.Validation = &reports.Validation{}
		}
		r.Validation.Checked = rec.checked
		r.Validation.Violations = rec.violations
		r.Validation.Examples = append([]string(nil), rec.examples...)
	}
	if rec.firstSent >= 0 && rec.lastSent > rec.firstSent {
		r.AchievedRPS = float64(rec.requests-1) / (rec.lastSent - rec.firstSent).Seconds()
	}
	r.EndedAt = rec.start.Add(rec.lastDone).UTC()
}

func errorTable(m map[string]int64) []reports.ErrorCount {
	out := make([]reports.ErrorCount, 0, len(m))
	for msg, n := range m {
		out = append(out, reports.ErrorCount{Message: msg, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Message < out[j].Message
	})
	return out
}

func sortedSeries(m map[int64]*reports.Second) []reports.Second {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	out := make([]reports.Second, 0, len(keys))
	for _, k := range keys {
		out = append(out, *m[k])
	}
	return out
}
