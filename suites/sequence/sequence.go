// Package sequence is the stateful half of `fgh contract --fuzz`: random sequences of calls along the spec's producer→consumer links (a function, its versions, aliases, test events and triggers; dependency versions; workflows and their executions), each answer judged against what the documents promise, a failing sequence shrunk by rapid to the shortest that still fails.
package sequence

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"pgregory.net/rapid"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/rapidrun"
	fw "github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/fuzz"
)

// Options bound a sequence run; the seed is the fuzz run's.
type Options struct {
	// Seed makes the run reproducible; 0 is refused (the caller picks one).
	// Sequence i runs with its own seed, derived from Seed and i.
	Seed uint64
	// Sequences is how many random sequences run; Steps their average
	// number of actions (rapid draws the length).
	Sequences, Steps int
	// Workers is how many sequences run at once. Each sequence has its own
	// seed and resources, so the requests each one sends do not depend on
	// Workers; only their interleaving does.
	Workers int
	// Settle is how long a read may take to show a change before the
	// change counts as lost: a target may apply changes asynchronously.
	Settle time.Duration
	// Execution is how long a workflow execution may take to reach the
	// status the documents promise (success after a start, cancel after a
	// stop) before the sequence fails; it is polled every executionPoll.
	Execution time.Duration
	// Shrink bounds how long rapid minimises a failing sequence, and
	// ShrinkRequests how many requests it may send doing so: once spent,
	// the candidates rapid still tries are not sent, so the shortest
	// failing sequence found so far is the one reported.
	Shrink         time.Duration
	ShrinkRequests int
	// Time, when set, ends the run (shrinking included) once it is spent;
	// the sequences run until then count, and the run is no error.
	Time time.Duration
	// Rate caps requests per second over all workers (0: no cap); a 429
	// answer is waited out as its Retry-After says and sent again.
	Rate float64

	// randomOnly leaves the life-cycles out, and lifeCycles (when set)
	// replaces them: for the tests of shrinking.
	randomOnly bool
	lifeCycles []lifeCycle
}

// Defaults of a sequence run: small enough for CI, long enough to reach
// create → change → read chains.
const (
	DefaultSequences      = 20
	DefaultSteps          = 12
	DefaultSettle         = 5 * time.Second
	DefaultExecution      = 30 * time.Second
	DefaultShrink         = 10 * time.Second
	DefaultShrinkRequests = 10000
)

// DefaultOptions is a run of DefaultSequences sequences with seed, one at a time.
func DefaultOptions(seed uint64) Options {
	return Options{Seed: seed, Sequences: DefaultSequences, Steps: DefaultSteps, Workers: 1, Settle: DefaultSettle,
		Execution: DefaultExecution, Shrink: DefaultShrink, ShrinkRequests: DefaultShrinkRequests}
}

// FromFuzz is the sequence run of a fuzz run: its seed, rate and workers;
// with a time budget a fifth of that time (the generated requests get the
// rest), with a case budget a shrink budget in proportion to it
// (DefaultShrinkRequests at fuzz.DefaultCases).
func FromFuzz(fo fuzz.Options) Options {
	o := DefaultOptions(fo.Seed)
	o.Rate = fo.Rate
	if fo.Workers > 0 {
		o.Workers = fo.Workers
	}
	if fo.Budget.Time > 0 {
		o.Time = fo.Budget.Time / 5
	}
	if fo.Budget.Cases > 0 {
		o.ShrinkRequests = max(1, DefaultShrinkRequests*fo.Budget.Cases/fuzz.DefaultCases)
	}
	return o
}

// Validate reports options no run can start with.
func (o Options) Validate() error {
	var errs []error
	if o.Seed == 0 {
		errs = append(errs, errors.New("sequences: a seed is required"))
	}
	if o.Sequences < 1 || o.Steps < 1 || o.Workers < 1 {
		errs = append(errs, fmt.Errorf("sequences: %d sequences of %d steps on %d workers: give at least one of each", o.Sequences, o.Steps, o.Workers))
	}
	if o.Settle < 0 || o.Execution < 0 || o.Shrink < 0 || o.ShrinkRequests < 0 || o.Time < 0 || o.Rate < 0 {
		errs = append(errs, errors.New("sequences: settle, execution, shrink and time bounds cannot be negative"))
	}
	return errors.Join(errs...)
}

// Result is what a sequence run did.
type Result struct {
	Seed      uint64
	Sequences int // sequences run, shrinking included
	Requests  int
	// Failure is the shrunk failing sequence's failure, as recorded (nil
	// when every sequence kept the documents' promises); Sequence lists
	// its requests by operation, the failing one last. When several
	// sequences fail, the one with the lowest index is reported.
	Failure  *evidence.Failure
	Sequence []string

	// sent is, by sequence index, what each sequence's first run sent
	// (operation and body, the run's prefix cut out), for the tests of
	// determinism.
	sent [][]string
	// lifeCycleDone is, by sequence index, how many steps of its
	// life-cycle the first run finished.
	lifeCycleDone []int
}

// Source is the evidence source of sequence failures.
const Source = "sequence"

// Run sends random sequences through f's client and validating transport,
// up to Options.Workers at once, and records the shortest failing one in
// rec. Everything a sequence creates is named with the run's prefix and
// deleted when the sequence ends. An error means the run could not go on
// (the target stopped answering).
func Run(ctx context.Context, f *fw.Framework, opts Options, rec *evidence.Recorder) (Result, error) {
	if err := opts.Validate(); err != nil {
		return Result{}, err
	}
	outer := ctx
	if opts.Time > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Time)
		defer cancel()
	}
	r := &runner{f: f, opts: opts}
	release := rapidrun.Configure(rapidrun.Settings{Seed: opts.Seed, Checks: 1, Steps: opts.Steps, ShrinkTime: opts.Shrink, Exact: true})
	defer release()
	f.Transport.TakeExchanges() // the sequences keep their own exchanges
	defer f.Transport.TakeExchanges()

	slots := make([]*slot, opts.Sequences)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(opts.Workers, opts.Sequences) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				slots[i] = r.check(ctx, i)
			}
		}()
	}
	for i := range slots {
		// A failing sequence ends the run: the ones after it are not
		// started; the ones running finish, and the lowest failing index
		// is reported, whatever the timing.
		if ctx.Err() != nil || r.targetLost() != nil || r.failedBefore(i) {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()

	res := Result{Seed: opts.Seed, Sequences: int(r.sequences.Load()), Requests: int(r.requests.Load())}
	var failing *slot
	for _, sl := range slots {
		if sl == nil {
			continue
		}
		res.sent = append(res.sent, sl.sent)
		res.lifeCycleDone = append(res.lifeCycleDone, sl.lifeCycleDone)
		if failing == nil && sl.tb.Failed() && sl.shortest != nil {
			failing = sl
		}
	}
	if lost := r.targetLost(); lost != nil && outer.Err() == nil && ctx.Err() == nil {
		return res, lost
	}
	if failing != nil {
		fl := *failing.shortest
		id := rec.Fail(fl)
		for _, got := range rec.Failures() {
			if got.ID == id {
				fl = got
			}
		}
		res.Failure = &fl
		res.Sequence = append(operationsOf(fl.Steps), fl.Operation)
	}
	return res, outer.Err()
}

// runner is one sequence run; its workers share it.
type runner struct {
	f         *fw.Framework
	opts      Options
	sequences atomic.Int64
	requests  atomic.Int64

	mu       sync.Mutex
	lost     error
	lastSent time.Time // for Options.Rate
	failed   int       // lowest index of a failed sequence + 1; 0: none
}

// slot is one sequence of the run: rapid's check of it and the shortest
// failure rapid found while shrinking it.
type slot struct {
	index    int
	tb       *rapidrun.TB
	attempts int // the sequence's runs: the first, then shrink candidates
	// shortest is the failing run with the fewest requests, the last of
	// equals: rapid runs its minimal case last.
	shortest *evidence.Failure
	// shrinkSent counts the requests of shrink candidates (ShrinkRequests).
	shrinkSent int
	sent       []string
	// lifeCycleDone counts the steps of the slot's life-cycle that its
	// first run finished.
	lifeCycleDone int
}

// check runs sequence i as a rapid property with its own seed.
func (r *runner) check(ctx context.Context, i int) *slot {
	sl := &slot{index: i, tb: rapidrun.NewTB(fmt.Sprintf("sequence %d", i))}
	rapidrun.Check(sl.tb, sequenceSeed(r.opts.Seed, i), func(t *rapid.T) {
		if ctx.Err() != nil || r.targetLost() != nil {
			t.Skip("stopped")
		}
		if sl.shortest != nil && sl.shrinkSent >= r.opts.ShrinkRequests {
			t.Skip("shrink budget spent")
		}
		sl.attempts++
		r.sequences.Add(1)
		s := r.newSeq(ctx, t, sl)
		defer s.end()
		if lc, ok := r.lifeCycle(i); ok {
			s.runLifeCycle(lc)
			return
		}
		s.start()
		t.Repeat(s.actions())
	})
	if sl.tb.Failed() {
		r.mu.Lock()
		if r.failed == 0 || i+1 < r.failed {
			r.failed = i + 1
		}
		r.mu.Unlock()
	}
	return sl
}

// lifeCycle is sequence i's life-cycle: the first sequences of a run are
// the life-cycles, in order, as many as the run has sequences for.
func (r *runner) lifeCycle(i int) (lifeCycle, bool) {
	lcs := lifeCycles
	if r.opts.lifeCycles != nil {
		lcs = r.opts.lifeCycles
	}
	if r.opts.randomOnly || i >= len(lcs) {
		return lifeCycle{}, false
	}
	return lcs[i], true
}

// sequenceSeed is sequence i's seed: splitmix64 of the run's seed and i,
// never 0 (which rapid reads as "pick one").
func sequenceSeed(seed uint64, i int) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	if z == 0 {
		z = 1
	}
	return z
}

func (r *runner) failedBefore(i int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed != 0 && r.failed <= i
}

func (r *runner) loseTarget(err error) {
	r.mu.Lock()
	if r.lost == nil {
		r.lost = err
	}
	r.mu.Unlock()
}

func (r *runner) targetLost() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

func (sl *slot) keep(fl evidence.Failure) {
	if sl.shortest == nil || len(fl.Steps) <= len(sl.shortest.Steps) {
		sl.shortest = &fl
	}
}

func operationsOf(exs []evidence.Exchange) []string {
	out := make([]string, len(exs))
	for i, ex := range exs {
		out[i] = ex.Operation
	}
	return out
}

// Summary is the run in a few lines for the terminal.
func (r Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sequences: %d run (seed %d), %d requests", r.Sequences, r.Seed, r.Requests)
	if r.Failure == nil {
		b.WriteString(", every promise kept\n")
		return b.String()
	}
	fmt.Fprintf(&b, "\n  %s %s: %s\n  shortest failing sequence (%d requests): %s\n", r.Failure.ID, r.Failure.Operation,
		r.Failure.Rule, len(r.Sequence), strings.Join(r.Sequence, " → "))
	return b.String()
}
