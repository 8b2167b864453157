// Package sequence is the stateful half of `fgh contract --fuzz`: random sequences of calls along the spec's producer→consumer links (a function, its versions, aliases and test events), each answer judged against what the documents promise, a failing sequence shrunk by rapid to the shortest that still fails.
package sequence

import (
	"context"
	"errors"
	"fmt"
	"github.com/fgharness/fgharness/internal/rapidrun"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/fgharness/fgharness/internal/evidence"
	fw "github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/fuzz"
)

// Options bound a sequence run; the seed is the fuzz run's.
type Options struct {
	// Seed makes the run reproducible; 0 is refused (the caller picks one).
	Seed uint64
	// Sequences is how many random sequences run; Steps their average
	// number of actions (rapid draws the length).
	Sequences, Steps int
	// Settle is how long a read may take to show a change before the
	// change counts as lost: a target may apply changes asynchronously.
	Settle time.Duration
	// Shrink bounds how long rapid minimises a failing sequence.
	Shrink time.Duration
	// Time, when set, ends the run (shrinking included) once it is spent;
	// the sequences run until then count, and the run is no error.
	Time time.Duration
	// Rate caps requests per second (0: no cap); a 429 answer is waited
	// out as its Retry-After says and sent again.
	Rate float64
}

// Defaults of a sequence run: small enough for CI, long enough to reach
// create → change → read chains.
const (
	DefaultSequences = 20
	DefaultSteps     = 12
	DefaultSettle    = 5 * time.Second
	DefaultShrink    = 10 * time.Second
)

// DefaultOptions is a run of DefaultSequences sequences with seed.
func DefaultOptions(seed uint64) Options {
	return Options{Seed: seed, Sequences: DefaultSequences, Steps: DefaultSteps, Settle: DefaultSettle, Shrink: DefaultShrink}
}

// FromFuzz is the sequence run of a fuzz run: its seed and rate, and with
// a time budget a fifth of that time (the generated requests get the rest).
func FromFuzz(fo fuzz.Options) Options {
	o := DefaultOptions(fo.Seed)
	o.Rate = fo.Rate
	if fo.Budget.Time > 0 {
		o.Time = fo.Budget.Time / 5
	}
	return o
}

// Validate reports options no run can start with.
func (o Options) Validate() error {
	var errs []error
	if o.Seed == 0 {
		errs = append(errs, errors.New("sequences: a seed is required"))
	}
	if o.Sequences < 1 || o.Steps < 1 {
		errs = append(errs, fmt.Errorf("sequences: %d sequences of %d steps: give at least one of each", o.Sequences, o.Steps))
	}
	if o.Settle < 0 || o.Shrink < 0 || o.Time < 0 || o.Rate < 0 {
		errs = append(errs, errors.New("sequences: settle and shrink times cannot be negative"))
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
	// its requests by operation, the failing one last.
	Failure  *evidence.Failure
	Sequence []string
}

// Source is the evidence source of sequence failures.
const Source = "sequence"

// Run sends random sequences through f's client and validating transport
// and records the shortest failing one in rec. Every function it creates
// is named with the run's prefix and deleted when its sequence ends. An
// error means the run could not go on (the target stopped answering).
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
	release := rapidrun.Configure(rapidrun.Settings{Seed: opts.Seed, Checks: opts.Sequences, Steps: opts.Steps, ShrinkTime: opts.Shrink})
	defer release()
	tb := rapidrun.NewTB("sequences")
	rapid.Check(tb, func(t *rapid.T) {
		if ctx.Err() != nil || r.lost != nil {
			t.Skip("stopped")
		}
		r.sequences++
		s := r.newSeq(ctx, t)
		defer s.end()
		s.create()
		t.Repeat(s.actions())
	})
	res := Result{Seed: opts.Seed, Sequences: r.sequences, Requests: r.requests}
	if r.lost != nil && outer.Err() == nil && ctx.Err() == nil {
		return res, r.lost
	}
	if tb.Failed() && r.shortest != nil {
		fl := *r.shortest
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

// runner is one sequence run.
type runner struct {
	f         *fw.Framework
	opts      Options
	sequences int
	requests  int
	lost      error
	lastSent  time.Time // for Options.Rate
	// shortest is the failing sequence with the fewest requests, the last
	// of equals: rapid runs its minimal case last.
	shortest *evidence.Failure
}

func (r *runner) keep(fl evidence.Failure) {
	if r.shortest == nil || len(fl.Steps) <= len(r.shortest.Steps) {
		r.shortest = &fl
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
