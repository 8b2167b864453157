// Package fuzz is `fgh contract --fuzz`: requests generated from the spec's schemas for every operation, valid and invalid, with FunctionGraph's own edge cases, judged on every answer and shrunk by rapid to a minimal failing case.
package fuzz

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"pgregory.net/rapid"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/rapidrun"
	"github.com/fgharness/fgharness/internal/urn"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// Result is what a fuzz run did.
type Result struct {
	Seed     uint64
	Budget   Budget
	Duration time.Duration
	// Operations lists the fuzzed operations in spec order with what
	// each got; Skipped says why the others were not fuzzed.
	Operations []OperationResult
	Skipped    map[string]string
	// Failures are the shrunk failures, as recorded (ids set).
	Failures []evidence.Failure
}

// OperationResult is one operation's share of a run.
type OperationResult struct {
	Operation string
	Positive  bool // valid cases had to be answered 2xx
	Requests  int  // cases sent, shrinking included
	Edges     int  // of them, cases of the edge set
	FailureID string
}

// Requests is the number of requests the run sent.
func (r Result) Requests() int {
	n := 0
	for _, o := range r.Operations {
		n += o.Requests
	}
	return n
}

// NewSeed picks a seed for a run that was given none (never 0, which rapid reads as "pick one").
func NewSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	if s := binary.LittleEndian.Uint64(b[:]) >> 1; s != 0 {
		return s
	}
	return 1
}

// Run fuzzes every operation of the spec the target can be sent, through
// the framework's client and validating transport, and records each
// shrunk failure in rec. Everything it creates is named with the run's
// prefix and deleted before it returns. An error means the run could not
// go on (setup failed, the target stopped answering).
func Run(ctx context.Context, f *fw.Framework, opts Options, rec *evidence.Recorder) (Result, error) {
	r, err := newRunner(f, opts, rec)
	if err != nil {
		return Result{}, err
	}
	return r.run(ctx)
}

// runner is one fuzz run.
type runner struct {
	f     *fw.Framework
	opts  Options
	rec   *evidence.Recorder
	limit *limiter
	// onSend sees every request sent, in a form that does not depend on
	// the run id (tests compare two runs with it).
	onSend func(op, line string)
	// only restricts the run to these operations (tests).
	only map[string]bool
	// noEdges leaves the edge set out, so tests reach rapid's random
	// cases and their shrinking with defects the edge set would find.
	noEdges bool

	mu      sync.Mutex
	lost    error    // the transport error that stopped the run
	created []string // unqualified URNs of functions to delete at the end
}

func newRunner(f *fw.Framework, opts Options, rec *evidence.Recorder) (*runner, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Seed == 0 {
		opts.Seed = NewSeed()
	}
	return &runner{f: f, opts: opts, rec: rec, limit: newLimiter(opts.Rate)}, nil
}

// shrinkTime bounds how long rapid minimises one failing case.
const shrinkTime = 30 * time.Second

func (r *runner) run(ctx context.Context) (Result, error) {
	start := time.Now()
	res := Result{Seed: r.opts.Seed, Budget: r.opts.Budget, Skipped: map[string]string{}}
	fn, err := r.function(ctx)
	if err != nil {
		return res, err
	}
	defer r.cleanup()
	var plans []*plan
	for _, op := range r.f.Spec.Operations() {
		if r.only != nil && !r.only[op.ID] {
			continue
		}
		if r.opts.ReadOnly && !createsNothing(op) {
			res.Skipped[op.ID] = "creates, changes or deletes (--read-only)"
			continue
		}
		p, why := planFor(r.f.Spec, op, fn)
		if p != nil && p.extensions {
			why = r.f.NoExtensionAPI(ctx)
		}
		if why != "" {
			res.Skipped[op.ID] = why
			continue
		}
		plans = append(plans, p)
	}
	release := rapidrun.Configure(rapidrun.Settings{Seed: r.opts.Seed, Checks: r.checksPerOperation(), ShrinkTime: shrinkTime})
	defer release()

	results := make([]OperationResult, len(plans))
	findings := make([]*evidence.Failure, len(plans))
	slice := time.Duration(0)
	if r.opts.Budget.Time > 0 && len(plans) > 0 {
		slice = r.opts.Budget.Time * time.Duration(r.opts.Workers) / time.Duration(len(plans))
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < r.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], findings[i] = r.fuzzOperation(ctx, r.ownFunction(ctx, plans[i]), slice)
			}
		}()
	}
	for i := range plans {
		if ctx.Err() != nil || r.targetLost() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for i, fail := range findings {
		if fail != nil {
			results[i].FailureID = r.rec.Fail(*fail)
		}
	}
	for _, o := range results {
		if o.Operation != "" {
			res.Operations = append(res.Operations, o)
		}
	}
	for _, fail := range r.rec.Failures() {
		if fail.Source == "fuzz" {
			res.Failures = append(res.Failures, fail)
		}
	}
	res.Duration = time.Since(start)
	if lost := r.targetLost(); lost != nil {
		return res, lost
	}
	return res, ctx.Err()
}

// ownFunction re-plans an operation that changes the function it is sent
// to on a function of its own, so that it changes nothing the other
// operations send to (a concurrency of 0 would disable invocations).
func (r *runner) ownFunction(ctx context.Context, p *plan) *plan {
	if !p.changesFunction || r.targetLost() != nil {
		return p
	}
	name := r.f.Prefix + p.op.ID
	if len(name) > maxFunctionName {
		name = name[:maxFunctionName]
	}
	fn, err := r.createFunction(ctx, name)
	if err != nil {
		r.loseTarget(err)
		return p
	}
	if own, why := planFor(r.f.Spec, p.op, fn); own != nil && why == "" {
		return own
	}
	return p
}

// maxFunctionName is the documented limit of func_name.
const maxFunctionName = 60

// checksPerOperation is rapid's case count: the budget's, or with a time
// budget a cap the time slice ends long before.
func (r *runner) checksPerOperation() int {
	if r.opts.Budget.Time > 0 {
		return 1 << 20
	}
	return r.opts.Budget.Cases
}

// fuzzOperation sends one operation's edge set, then random cases drawn
// by rapid until its budget is spent or a case fails; a random failure is
// the shrunk case rapid ran last. With a budget in cases, the edge set
// counts against it and random cases fill the rest.
func (r *runner) fuzzOperation(ctx context.Context, p *plan, slice time.Duration) (OperationResult, *evidence.Failure) {
	out := OperationResult{Operation: p.op.ID, Positive: p.positive}
	var deadline time.Time
	if slice > 0 {
		deadline = time.Now().Add(slice)
	}
	n := 0
	name := func(kind string) string {
		n++
		return fmt.Sprintf("%s%s-%d", r.f.Prefix, kind, n)
	}
	spent := func() bool {
		return ctx.Err() != nil || r.targetLost() != nil || (!deadline.IsZero() && time.Now().After(deadline))
	}
	var edges []edge
	if !r.noEdges {
		edges = p.edges()
	}
	for _, e := range edges {
		if spent() {
			return out, nil
		}
		if e.extensions > 0 {
			sent, fail := r.registerExtensions(ctx, p, e.extensions, name)
			out.Requests += sent
			out.Edges += sent
			if fail != nil {
				return out, fail
			}
			continue
		}
		c, ok := p.edgeCase(e, name)
		if !ok {
			continue
		}
		out.Requests++
		out.Edges++
		// An edge case is already what rapid shrinks towards: every
		// optional member left out, one value at fault.
		if fail, _ := r.try(ctx, p, c); fail != nil {
			return out, fail
		}
	}
	random := r.opts.Budget.Cases - out.Edges
	switch {
	case p.extensions:
		random = 0 // nothing about a registration is drawn
	case r.opts.Budget.Time > 0:
		random = math.MaxInt
	}
	if random <= 0 || spent() {
		return out, nil
	}
	var last *evidence.Failure
	drawn := 0
	tb := rapidrun.NewTB(p.op.ID)
	rapid.Check(tb, func(t *rapid.T) {
		// Once a case failed, rapid is shrinking it: the budget no
		// longer applies, or the shrinking would stop at its first step.
		if spent() || last == nil && drawn >= random {
			// Failing with a message of its own ends rapid's loop at
			// once; last keeps the real failure, if any.
			t.Fatal(budgetSpent)
		}
		drawn++
		c := p.drawCase(t, name)
		out.Requests++
		if fail, msg := r.try(ctx, p, c); fail != nil {
			last = fail
			t.Fatal(msg)
		}
	})
	if !tb.Failed() {
		last = nil
	}
	return out, last
}

// try sends one case and judges its answer; it returns the failure the
// answer makes (nil: none, or the target was lost) and its message.
func (r *runner) try(ctx context.Context, p *plan, c testCase) (*evidence.Failure, string) {
	resp, err := r.send(ctx, c.req)
	if err != nil {
		r.loseTarget(err)
		return nil, ""
	}
	r.adopt(p.op.ID, resp)
	fd := judge(p, c, resp)
	if fd == nil {
		return nil, ""
	}
	ex := resp.Exchange.Evidence()
	fail := fd.failure(p.op, ex, r.opts.Seed)
	fail.Steps, fail.Cleanup = r.replaySteps(p, resp, credentialsOf(ex.Request.Header))
	return &fail, fd.message()
}

// budgetSpent ends an operation's property when its time is up or the run
// stops; it is never reported.
const budgetSpent = "fuzz: budget spent"

// maxRetries bounds how often one request is re-sent after 429 answers.
const maxRetries = 5

// send sends one request at the run's rate, waiting out 429 answers as
// their Retry-After says.
func (r *runner) send(ctx context.Context, req fw.Request) (*fw.Response, error) {
	for attempt := 0; ; attempt++ {
		if err := r.limit.wait(ctx); err != nil {
			return nil, err
		}
		resp, err := r.f.Do(ctx, req)
		// The framework keeps exchanges for a spec's failure report; a fuzz
		// run reports from its own, and must not hold thousands of bodies.
		r.f.Transport.TakeExchanges()
		if err != nil {
			return nil, err
		}
		if r.onSend != nil {
			r.onSend(req.Operation, r.logLine(resp.Exchange.Evidence()))
		}
		if resp.Status != http.StatusTooManyRequests || attempt == maxRetries {
			return resp, nil
		}
		r.limit.pause(RetryAfter(resp.Header.Get("Retry-After")))
	}
}

// logLine is a request without what differs between two runs of one
// seed: the host, credentials, dates and the run id in names.
func (r *runner) logLine(ex evidence.Exchange) string {
	u := ex.Request.URL
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			u = u[i+3+j:]
		}
	}
	sum := sha256.Sum256([]byte(strings.ReplaceAll(string(ex.Request.Body.Bytes()), r.f.Prefix, "fgh-RUN-")))
	return fmt.Sprintf("%s %s %s %s", ex.Request.Method, strings.ReplaceAll(u, r.f.Prefix, "fgh-RUN-"),
		ex.Request.Header.Get("Content-Type"), hex.EncodeToString(sum[:8]))
}

// replaySteps are what replay sends before a failing request (the
// creation of the function it names) and after it (deleting that function,
// or the one a wrongly accepted createFunction made).
func (r *runner) replaySteps(p *plan, resp *fw.Response, creds http.Header) (steps, cleanup []evidence.Exchange) {
	if p.fn != nil && p.fn.made != nil {
		steps = []evidence.Exchange{*p.fn.made}
		cleanup = append(cleanup, r.deleteExchange(p.fn.urn, creds))
	}
	if u, ok := createdFunction(p.op.ID, resp); ok {
		cleanup = append(cleanup, r.deleteExchange(u, creds))
	}
	return steps, cleanup
}

// deleteExchange is the request that deletes a function, as replay sends
// it: with the failing request's credential headers (redacted when
// recorded), which tell replay to authenticate it.
func (r *runner) deleteExchange(u urn.URN, creds http.Header) evidence.Exchange {
	op, _ := r.f.Spec.Operation(fgs.OpDeleteFunction)
	path, _ := op.Expand(map[string]string{"project_id": r.f.Target.ProjectID, "function_urn": u.Unqualified().String()})
	return evidence.Exchange{Operation: op.ID, Request: evidence.Request{Method: op.Method, URL: strings.TrimRight(r.f.Target.BaseURL, "/") + path, Header: creds}}
}

func credentialsOf(h http.Header) http.Header {
	out := http.Header{}
	for k, vs := range h {
		if evidence.CredentialHeader(k) {
			out[k] = vs
		}
	}
	return out
}

// createdFunction is the function a 2xx createFunction answer names.
func createdFunction(opID string, resp *fw.Response) (urn.URN, bool) {
	if opID != fgs.OpCreateFunction || resp.Status < 200 || resp.Status > 299 {
		return urn.URN{}, false
	}
	var body struct {
		FuncURN string `json:"func_urn"`
	}
	if json.Unmarshal(resp.Body, &body) != nil || body.FuncURN == "" {
		return urn.URN{}, false
	}
	u, err := urn.Parse(body.FuncURN)
	return u, err == nil
}

// adopt remembers functions an answer says were created, so that even a
// case the target wrongly accepted leaves nothing behind.
func (r *runner) adopt(opID string, resp *fw.Response) {
	if u, ok := createdFunction(opID, resp); ok {
		r.mu.Lock()
		r.created = append(r.created, u.Unqualified().String())
		r.mu.Unlock()
	}
}

// cleanup deletes every function the run created, its own first.
func (r *runner) cleanup() {
	r.mu.Lock()
	created := r.created
	r.created = nil
	r.mu.Unlock()
	for i := len(created) - 1; i >= 0; i-- {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = r.limit.wait(ctx)
		_, _ = r.f.Do(ctx, fw.Request{Operation: fgs.OpDeleteFunction, Path: map[string]string{"function_urn": created[i]}})
		cancel()
	}
}

// function is the function the operations on one are sent to: one the
// run creates, or under --read-only the one --function names (nil: none,
// and those operations name a function that does not exist).
func (r *runner) function(ctx context.Context) (*fuzzed, error) {
	if r.opts.ReadOnly {
		if r.f.Config.FunctionURN == "" {
			return nil, nil
		}
		u, err := urn.Parse(r.f.Config.FunctionURN)
		if err != nil {
			return nil, fmt.Errorf("--function %q: %w", r.f.Config.FunctionURN, err)
		}
		if u.Qualifier == "" {
			u = u.WithQualifier(urn.Latest)
		}
		return &fuzzed{urn: u, name: u.Name}, nil
	}
	return r.createFunction(ctx, r.f.Prefix+"fuzz")
}

// createFunction makes a function of the run from the documented
// createFunction example, under name.
func (r *runner) createFunction(ctx context.Context, name string) (*fuzzed, error) {
	body, ok := exampleBody(r.f.Spec, fgs.OpCreateFunction)
	if !ok {
		return nil, errors.New("fuzz: the spec documents no createFunction example to make the run's function from")
	}
	body["func_name"], body["package"] = name, "default"
	body["user_data"] = `{"FGH_HANDLER":"echo"}`
	if err := r.limit.wait(ctx); err != nil {
		return nil, err
	}
	resp, err := r.f.Do(ctx, fw.Request{Operation: fgs.OpCreateFunction, Body: body})
	if err != nil {
		return nil, fmt.Errorf("fuzz: create the run's function: %w", err)
	}
	r.adopt(fgs.OpCreateFunction, resp)
	if resp.Status != http.StatusOK {
		return nil, fmt.Errorf("fuzz: create the run's function %s: status %d: %s", name, resp.Status, resp.Body)
	}
	u, ok := createdFunction(fgs.OpCreateFunction, resp)
	if !ok {
		return nil, fmt.Errorf("fuzz: createFunction answered no func_urn: %s", resp.Body)
	}
	made := resp.Exchange.Evidence()
	return &fuzzed{urn: u.WithQualifier(urn.Latest), name: name, made: &made}, nil
}

func (r *runner) loseTarget(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lost == nil {
		r.lost = err
	}
}

func (r *runner) targetLost() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}
