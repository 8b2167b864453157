// Package load runs open-model load scenarios (sync invocation, extension
// fan-out, find-max) against a FunctionGraph endpoint and measures them
// without coordinated omission.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Hitter sends one request and fills res (everything but Seq, Intended and Late,
// which the runner sets). It must set res.Sent just before the request leaves,
// after any signing and building, and res.Done when the response is read.
// It bounds each request by its own timeout; ctx is cancelled when an
// interrupted attack's drain grace ends (a Hitter with an Abort method is
// also told then, to unblock what ctx cannot reach).
type Hitter interface {
	Hit(ctx context.Context, start time.Time, res *Result)
}

// Runner is the open-model scheduler. A single pacer goroutine walks the
// schedule (intended send times fixed by the pacer in virtual time) and hands
// each request to a bounded pool of workers over an unbuffered channel.
//
// Lateness rule: a request is late when a worker takes it more than
// LateAfter past its intended time — because every worker was busy or the
// generator itself was behind. Late requests are still sent (so their latency,
// measured from the intended time, shows the stall) and counted in
// late_requests. A request already more than MaxBacklog past its intended
// time when its turn comes is dropped instead: it is not sent, it is counted
// in late_requests and dropped_requests, and the schedule moves on. Nothing
// due is lost without being counted.
type Runner struct {
	hitter     Hitter
	workers    int
	maxWorkers int
	lateAfter  time.Duration
	maxBacklog time.Duration
	timeout    time.Duration
	maxReqs    uint64
	offset     time.Duration
	shard      Shard
	startAt    time.Time
	results    io.Writer
	histograms io.Writer
	onResult   func(start time.Time, r *Result)
	onStart    func(*Attack)
	drainGrace time.Duration
	precise    bool

	goroutinesPeak atomic.Int64
}

// Default generator settings.
const (
	DefaultTimeout    = 30 * time.Second
	DefaultLateAfter  = time.Millisecond
	DefaultDrainGrace = 2 * time.Second
)

// NewRunner returns a runner that sends requests through h.
func NewRunner(h Hitter, opts ...func(*Runner)) *Runner {
	r := &Runner{hitter: h, timeout: DefaultTimeout, drainGrace: DefaultDrainGrace, precise: preciseTimers}
	for _, o := range opts {
		o(r)
	}
	if r.maxBacklog <= 0 {
		r.maxBacklog = r.timeout
	}
	return r
}

// Workers sets the initial worker count; 0 sizes it from the rate.
func Workers(n int) func(*Runner) { return func(r *Runner) { r.workers = n } }

// MaxWorkers caps the worker pool; 0 sizes it with Little's law (see WorkerCap).
func MaxWorkers(n int) func(*Runner) { return func(r *Runner) { r.maxWorkers = n } }

// LateAfter is the lateness budget of the lateness rule (default: see LateBudget).
func LateAfter(d time.Duration) func(*Runner) { return func(r *Runner) { r.lateAfter = d } }

// MaxBacklog is how far behind schedule a request may be and still be sent (default: the timeout).
func MaxBacklog(d time.Duration) func(*Runner) { return func(r *Runner) { r.maxBacklog = d } }

// Timeout is the request timeout the hitter applies; it sizes the default worker cap.
func Timeout(d time.Duration) func(*Runner) { return func(r *Runner) { r.timeout = d } }

// MaxRequests bounds the attack by count as well as by duration.
func MaxRequests(n uint64) func(*Runner) { return func(r *Runner) { r.maxReqs = n } }

// Offset shifts every intended send time, so shards interleave (see Shard.Offset).
// Constant pacing ignores it and uses ShardOf instead, which is exact.
func Offset(d time.Duration) func(*Runner) { return func(r *Runner) { r.offset = d } }

// ShardOf makes a constant pacer (already at the shard's rate, see
// Pacing.ShardRate) send request Index, Index+Count, … of the whole run's schedule.
func ShardOf(s Shard) func(*Runner) { return func(r *Runner) { r.shard = s } }

// StartAt starts the schedule at a wall-clock instant shared by every shard.
func StartAt(t time.Time) func(*Runner) { return func(r *Runner) { r.startAt = t } }

// Output streams results (Vegeta gob encoding) and per-second histograms (JSON lines); either may be nil.
func Output(results, histograms io.Writer) func(*Runner) {
	return func(r *Runner) { r.results, r.histograms = results, histograms }
}

// OnResult is called for every result, in the recorder goroutine, with the attack's start.
func OnResult(f func(start time.Time, r *Result)) func(*Runner) {
	return func(r *Runner) { r.onResult = f }
}

// OnStart is called once the attack has started, with the live attack (for progress and abort checks).
func OnStart(f func(*Attack)) func(*Runner) { return func(r *Runner) { r.onStart = f } }

// PreciseTimers paces on the kernel's high-resolution timer (see
// preciseWaiter; the default on Linux) instead of Go timers.
func PreciseTimers(on bool) func(*Runner) {
	return func(r *Runner) { r.precise = on && preciseTimers }
}

// DrainGrace is how long in-flight requests may finish after an interrupt before they are cancelled.
func DrainGrace(d time.Duration) func(*Runner) { return func(r *Runner) { r.drainGrace = d } }

// WorkerCap sizes the worker pool with Little's law: in-flight requests =
// rate × response time. Sizing for the timeout would allow every request to
// hang until it times out, which at high rates means tens of thousands of
// goroutines and connections and a collapsing generator; so the product is
// capped at 128 workers per CPU (at most 768 in all, each worker costing up
// to three goroutines with its connection). Beyond the cap, requests queue in
// the schedule and are counted late rather than spawning without bound.
func WorkerCap(rps float64, timeout time.Duration) int {
	little := math.Ceil(rps * timeout.Seconds())
	limit := float64(min(128*max(runtime.GOMAXPROCS(0), startProcs), 768))
	return int(max(1, min(little, limit)))
}

// startProcs is the process's scheduler size before any run narrowed it
// (Options.Procs): fewer Ps make pacing cheaper, but requests in flight wait
// on the network, not on a P, so the worker cap keeps the machine's size.
var startProcs = runtime.GOMAXPROCS(0)

// initialWorkers is enough for about 10 ms of responses at the rate, grown on demand.
func initialWorkers(rps float64, cap int) int {
	return max(1, min(cap, int(math.Ceil(rps*0.010))+runtime.GOMAXPROCS(0)))
}

// Attack is one running attack; Stop ends it early.
type Attack struct {
	Name  string
	Start time.Time
	rec   *recorder
	stop  chan struct{}
	once  sync.Once
	// ticks: this run's workers wait on it for its pacer's next wake-up.
	ticks *tickBoard
	// Aborted is set by Stop with a reason (a failed threshold).
	abortReason atomic.Value
}

func newAttack(name string, start time.Time) *Attack {
	return &Attack{Name: name, Start: start, stop: make(chan struct{}), ticks: new(tickBoard)}
}

// Stop ends the attack: nothing more is scheduled; in-flight requests finish.
func (a *Attack) Stop(reason string) {
	a.once.Do(func() {
		if reason != "" {
			a.abortReason.Store(reason)
		}
		close(a.stop)
	})
}

// Snapshot is the attack so far.
func (a *Attack) Snapshot() Snapshot { return a.rec.snapshot() }

// AbortReason is why Stop was called, if it was called with one.
func (a *Attack) AbortReason() string {
	s, _ := a.abortReason.Load().(string)
	return s
}

// errRunOver cancels the requests still in flight one request timeout after
// the run's duration; they are counted as timeouts.
var errRunOver = fmt.Errorf("still in flight a request timeout after the run's duration: %w", context.DeadlineExceeded)

type job struct {
	seq      uint64
	intended time.Duration
	late     bool
}

// Run attacks for duration d at the pacer's rate and returns when every
// scheduled request has been sent (or dropped) and answered. Cancelling ctx
// stops the schedule; in-flight requests get DrainGrace before they are
// cancelled.
func (r *Runner) Run(ctx context.Context, p vegeta.Pacer, d time.Duration, name string) (*Attack, error) {
	if d <= 0 && r.maxReqs == 0 {
		return nil, errors.New("an attack needs a duration or a request count: unbounded attacks are not allowed")
	}
	rps := p.Rate(0)
	if r.lateAfter <= 0 {
		r.lateAfter = LateBudget(rps)
	}
	maxW := r.maxWorkers
	if maxW <= 0 {
		maxW = WorkerCap(rps, r.timeout)
	}
	workers := r.workers
	if workers <= 0 {
		workers = initialWorkers(rps, maxW)
	}
	workers = min(workers, maxW)

	if !r.startAt.IsZero() {
		if wait := time.Until(r.startAt); wait > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil, fmt.Errorf("attack %s: interrupted before its start time: %w", name, ctx.Err())
			}
		}
	}
	start := time.Now()
	if !r.startAt.IsZero() {
		// Keep the monotonic reading but line up with the shared wall-clock start.
		start = start.Add(r.startAt.Sub(start))
	}
	atk := newAttack(name, start)
	atk.rec = newRecorder(name, start, r.results, r.histograms)
	atk.rec.onResult = r.onResult

	// Requests run under their own context: an interrupt stops the schedule at
	// once but lets in-flight requests finish for DrainGrace. They wait for
	// this run's pacer only (see tickBoard).
	reqCtx, cancelCause := context.WithCancelCause(withTicks(context.WithoutCancel(ctx), atk.ticks))
	cancelReqs := func(cause error) {
		cancelCause(cause)
		if ab, ok := r.hitter.(interface{ Abort() }); ok {
			ab.Abort()
		}
	}
	defer cancelCause(nil)
	stopDrain := context.AfterFunc(ctx, func() {
		atk.Stop("")
		t := time.AfterFunc(r.drainGrace, func() { cancelReqs(context.Canceled) })
		<-reqCtx.Done()
		t.Stop()
	})
	defer stopDrain()

	results := make(chan Result, 4096)
	marks := make(chan secondMark, 64)
	jobs := make(chan job)
	var wg sync.WaitGroup
	var live atomic.Int64
	spawn := func() {
		wg.Add(1)
		if n := live.Add(1); n > r.goroutinesPeak.Load() {
			r.goroutinesPeak.Store(n)
		}
		go func() {
			defer wg.Done()
			var res Result // one per worker: Hit takes a pointer, which would otherwise allocate per request
			for j := range jobs {
				res = Result{Seq: j.seq, Intended: j.intended, Late: j.late, Sent: -1}
				r.hitter.Hit(reqCtx, start, &res)
				results <- res
			}
		}()
	}
	for range workers {
		spawn()
	}

	recDone := make(chan error, 1)
	go func() { recDone <- r.record(atk.rec, results, marks) }()
	if r.onStart != nil {
		r.onStart(atk)
	}

	// The run's wall time stays within its duration plus one request
	// timeout: what is still in flight then is cancelled (a timeout).
	cutoffAfter := d + r.timeout
	if d <= 0 {
		cutoffAfter = -1 // bounded by count: one timeout after the schedule ends
	}
	var cutoff *time.Timer
	if cutoffAfter > 0 {
		cutoff = time.AfterFunc(time.Until(start.Add(cutoffAfter)), func() { cancelReqs(errRunOver) })
	}
	r.runPacer(atk, p, d, jobs, results, marks, spawn, &workers, maxW)
	close(jobs)
	if cutoff == nil {
		cutoff = time.AfterFunc(r.timeout, func() { cancelReqs(errRunOver) })
	}
	wg.Wait()
	cutoff.Stop()
	close(results)
	close(marks)
	err := <-recDone
	if ctx.Err() != nil {
		return atk, fmt.Errorf("attack %s: %w", name, ctx.Err())
	}
	return atk, err
}

// LateBudget is the default lateness budget at rps: one request interval,
// at most DefaultLateAfter. A request later than an interval has swapped
// places with the next one, so the schedule's shape is no longer the one asked.
func LateBudget(rps float64) time.Duration {
	if rps <= 0 {
		return DefaultLateAfter
	}
	return min(DefaultLateAfter, time.Duration(float64(time.Second)/rps))
}

// runPacer runs pace on the kernel's high-resolution timer (see
// preciseWaiter) or, when asked or where there is none, on Go timers.
func (r *Runner) runPacer(atk *Attack, p vegeta.Pacer, d time.Duration, jobs chan<- job, results chan<- Result, marks chan<- secondMark, spawn func(), workers *int, maxW int) {
	var w waiter = newGoWaiter()
	if r.precise {
		if pw, err := newPreciseWaiter(atk); err == nil {
			w = pw
		}
	}
	defer w.close()
	r.pace(atk, w, p, d, jobs, results, marks, spawn, workers, maxW)
}

// pace is the single scheduling goroutine. It hands out requests in intended
// order and tells the recorder when each second is complete. Every request
// that falls due ends in exactly one of three ways: handed to a worker (sent),
// dropped (a result with its lag as a censored latency), or counted as
// interrupted before it was sent when the attack stops.
func (r *Runner) pace(atk *Attack, wait waiter, p vegeta.Pacer, d time.Duration, jobs chan<- job, results chan<- Result, marks chan<- secondMark, spawn func(), workers *int, maxW int) {
	sched := newSchedule(p, r.offset, r.shard)
	var (
		seq  uint64
		cur  = int64(-1)
		mark secondMark
	)
	flushMark := func() {
		if cur >= 0 {
			marks <- mark
		}
	}
	defer flushMark()
	due := func(intended time.Duration) {
		if sec := secondOf(intended); sec != cur {
			flushMark()
			cur, mark = sec, secondMark{second: sec}
		}
		mark.asked++
	}
	next := func() (time.Duration, bool) {
		if r.maxReqs > 0 && seq >= r.maxReqs {
			return 0, false
		}
		intended, ok := sched.next()
		// Shards share the run's clock: the run ends at d for every one of them.
		return intended, ok && (d <= 0 || intended < d)
	}
	drop := func(intended time.Duration, why string) {
		results <- Result{Seq: seq, Intended: intended, Sent: -1, Done: time.Since(atk.Start), Late: true, Dropped: true, Error: why}
		mark.results++
		seq++
	}
	// interrupted counts the pending request and every later one already due.
	interrupted := func() {
		mark.interrupted++
		seq++
		now := time.Since(atk.Start)
		for {
			intended, ok := next()
			if !ok || intended > now {
				return
			}
			due(intended)
			mark.interrupted++
			seq++
		}
	}
	tooLate := fmt.Sprintf("dropped: not sent, more than %s behind schedule", r.maxBacklog)
	const ended = "dropped: not sent, every worker still busy a request timeout after the run's duration ended"
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		intended, ok := next()
		if !ok {
			return
		}
		if !wait.wait(atk, intended) {
			return // stopped before it was due
		}
		due(intended)
		lag := time.Since(atk.Start) - intended
		if lag > r.maxBacklog {
			drop(intended, tooLate)
			continue
		}
		j := job{seq: seq, intended: intended, late: lag > r.lateAfter}
		select {
		case jobs <- j:
			// Let the worker send before the pacer sets its next timer.
			runtime.Gosched()
		default:
			spawned := *workers < maxW
			if spawned {
				*workers++
				spawn()
			}
			// Workers waiting for a tick may be the ones this request
			// needs. At the cap the pacer's next tick waits for one of
			// them, so it is not soon: a worker that writes meanwhile
			// must not wait for it.
			atk.ticks.fire(spawned)
			// Wait for a worker no longer than the backlog allows, nor past the run's cutoff.
			until, why := intended+r.maxBacklog, tooLate
			if d > 0 && d+r.timeout < until {
				until, why = d+r.timeout, ended
			}
			timer.Reset(max(0, until-time.Since(atk.Start)))
			select {
			case jobs <- j:
				timer.Stop()
			case <-timer.C:
				drop(intended, why)
				continue
			case <-atk.stop:
				timer.Stop()
				interrupted()
				return
			}
		}
		mark.results++
		seq++
	}
}

// recordEvery is how often the recorder collects results. It polls rather
// than waits on the results channel so that a finished request never has to
// wake it: at 5,000 req/s a wake-up per result cost about 10 µs of CPU, many
// times the recording itself. Results wait at most this long in the
// channel's buffer (4096 results, 200 ms at 20,000 req/s), so progress and
// per-second closing lag by at most this much.
const recordEvery = 10 * time.Millisecond

func (r *Runner) record(rec *recorder, results <-chan Result, marks <-chan secondMark) error {
	poll := time.NewTicker(recordEvery)
	defer poll.Stop()
	lastFlush := time.Now()
	var res Result // one for the loop: rec.record takes its address, which would otherwise allocate per result
	for results != nil || marks != nil {
		<-poll.C
		for marks != nil {
			m, ok, closed := tryReceive(marks)
			if closed {
				marks = nil
			}
			if !ok {
				break
			}
			rec.mark(m)
		}
		for results != nil {
			var ok, closed bool
			res, ok, closed = tryReceive(results)
			if closed {
				results = nil
			}
			if !ok {
				break
			}
			rec.record(&res)
		}
		if time.Since(lastFlush) >= time.Second {
			rec.flush()
			lastFlush = time.Now()
		}
	}
	return rec.finish()
}

// tryReceive takes one value from c without blocking: ok is false when c is
// empty or closed, closed tells which.
func tryReceive[T any](c <-chan T) (v T, ok, closed bool) {
	select {
	case v, ok = <-c:
		return v, ok, !ok
	default:
		return v, false, false
	}
}
