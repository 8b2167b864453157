package load

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/reports"
)

// delivery is the account of one invocation request id.
type delivery struct {
	sent, answered time.Time // zero answered: events came before (or without) the answer
	count          [fgs.MaxExtensions]uint16
	first          [fgs.MaxExtensions]time.Time
}

type expiring struct {
	id       string
	deadline time.Time
}

// FanoutAccount matches extension events to invocations by request id:
// delivered to all K exactly once, missing, duplicated, delivered after the
// invocation answered, and the delivery latency (invocation sent → event
// received). Memory stays bounded: an id is settled and forgotten Grace after
// its answer (or after its first event, when no answer carries it).
type FanoutAccount struct {
	k     int
	grace time.Duration

	mu          sync.Mutex
	byID        map[string]*delivery
	queue       []expiring
	invocations int64
	delivered   [fgs.MaxExtensions]int64
	missing     [fgs.MaxExtensions]int64
	duplicates  [fgs.MaxExtensions]int64
	afterAnswer [fgs.MaxExtensions]int64
	unmatched   int64
	all         *hdr.Histogram
	perExt      [fgs.MaxExtensions]*hdr.Histogram
}

// NewFanoutAccount accounts for k extensions, settling ids grace after their answer.
func NewFanoutAccount(k int, grace time.Duration) *FanoutAccount {
	a := &FanoutAccount{k: k, grace: grace, byID: make(map[string]*delivery), all: newHistogram()}
	for i := range k {
		a.perExt[i] = newHistogram()
	}
	return a
}

// Answered records a successful invocation carrying request id id.
func (a *FanoutAccount) Answered(id string, sent, answered time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.invocations++
	d := a.byID[id]
	if d == nil {
		d = &delivery{}
		a.byID[id] = d
	}
	d.sent, d.answered = sent, answered
	for i := range a.k {
		if d.count[i] > 0 {
			a.deliveredLocked(i, d, d.first[i])
		}
	}
	a.queue = append(a.queue, expiring{id: id, deadline: answered.Add(a.grace)})
	a.expireLocked(answered)
}

// Received records extension ext receiving the event for id at at.
func (a *FanoutAccount) Received(ext int, id string, at time.Time) {
	if ext < 0 || ext >= a.k {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.byID[id]
	if d == nil {
		d = &delivery{}
		a.byID[id] = d
		a.queue = append(a.queue, expiring{id: id, deadline: at.Add(2 * a.grace)})
	}
	d.count[ext]++
	switch {
	case d.count[ext] > 1:
		a.duplicates[ext]++
	case !d.answered.IsZero():
		a.deliveredLocked(ext, d, at)
	default:
		d.first[ext] = at
	}
	a.expireLocked(at)
}

// deliveredLocked counts ext's first event for an answered invocation.
func (a *FanoutAccount) deliveredLocked(ext int, d *delivery, at time.Time) {
	a.delivered[ext]++
	if at.After(d.answered) {
		a.afterAnswer[ext]++
	}
	lat := at.Sub(d.sent)
	recordDuration(a.all, lat)
	recordDuration(a.perExt[ext], lat)
}

// expireLocked settles every id whose deadline passed.
func (a *FanoutAccount) expireLocked(now time.Time) {
	n := 0
	for n < len(a.queue) && a.queue[n].deadline.Before(now) {
		a.settleLocked(a.queue[n].id)
		n++
	}
	if n > 0 {
		a.queue = append(a.queue[:0], a.queue[n:]...)
	}
}

func (a *FanoutAccount) settleLocked(id string) {
	d := a.byID[id]
	if d == nil {
		return
	}
	delete(a.byID, id)
	if d.answered.IsZero() {
		// Events for an invocation we never saw answered (failed, timed out, or no request id).
		for i := range a.k {
			a.unmatched += int64(d.count[i])
		}
		return
	}
	for i := range a.k {
		if d.count[i] == 0 {
			a.missing[i]++
		}
	}
}

// Settle waits up to grace for straggling events, then settles every id.
func (a *FanoutAccount) Settle(ctx context.Context) {
	select {
	case <-time.After(a.grace):
	case <-ctx.Done():
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range a.queue {
		a.settleLocked(e.id)
	}
	a.queue = nil
}

// Report is the fan-out section of report.json.
func (a *FanoutAccount) Report(sinks []*ExtensionSink) *reports.Fanout {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := &reports.Fanout{Extensions: a.k, Invocations: a.invocations, Expected: a.invocations * int64(a.k),
		Latency: percentilesOf(a.all), Unmatched: a.unmatched}
	for i := range a.k {
		f.Delivered += a.delivered[i]
		f.Missing += a.missing[i]
		f.Duplicates += a.duplicates[i]
		f.AfterAnswer += a.afterAnswer[i]
		ed := reports.ExtensionDelivery{Delivered: a.delivered[i], Missing: a.missing[i], Duplicates: a.duplicates[i],
			AfterAnswer: a.afterAnswer[i], Latency: percentilesOf(a.perExt[i])}
		if i < len(sinks) {
			ed.Name, ed.Address = sinks[i].Name, sinks[i].Address
		}
		f.PerExtension = append(f.PerExtension, ed)
	}
	if f.Expected > 0 {
		f.DeliveredRatio = float64(f.Delivered) / float64(f.Expected)
	}
	return f
}

// writeHistograms persists the delivery latency histograms for MergeRuns.
func (a *FanoutAccount) writeHistograms(w io.Writer, sinks []*ExtensionSink) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	write := func(name string, h *hdr.Histogram) error {
		b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
		if err != nil {
			return err
		}
		return enc.Encode(fanoutHistogramLine{Extension: name, Unit: "us", HDR: string(b)})
	}
	if err := write("", a.all); err != nil {
		return err
	}
	for i := range a.k {
		name := fmt.Sprintf("fgh-sink-%d", i+1)
		if i < len(sinks) {
			name = sinks[i].Name
		}
		if err := write(name, a.perExt[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// fanoutRig is the sinks of a fan-out run, registered once and reused by every step.
type fanoutRig struct {
	sinks   []*ExtensionSink
	account *FanoutAccount
	mu      sync.Mutex
}

func (r *fanoutRig) received(ext int, id string, at time.Time) {
	r.mu.Lock()
	acc := r.account
	r.mu.Unlock()
	if acc != nil {
		acc.Received(ext, id, at)
	}
}

// grow starts and registers sinks until there are k.
func (r *fanoutRig) grow(ctx context.Context, o *Options, env *environment, k int) error {
	if k <= len(r.sinks) {
		return nil
	}
	api, err := env.api()
	if err != nil {
		return fmt.Errorf("register extensions: %w", err)
	}
	extAPI := o.ExtensionAPI
	if extAPI == "" {
		if extAPI, err = api.ExtensionAPI(ctx, env.function); err != nil {
			return fmt.Errorf("%w: %v", errNoExtensionAPI, err)
		}
	}
	base := 0 // a negative --extension-port picks free ports
	if o.ExtensionPort > 0 {
		base = o.ExtensionPort + len(r.sinks)
	}
	more, err := StartExtensionSinks(k-len(r.sinks), base, r.received)
	if err != nil {
		return err
	}
	for i, s := range more {
		s.Index = len(r.sinks) + i
		s.Name = fmt.Sprintf("fgh-sink-%d", s.Index+1)
		if err := api.RegisterExtension(ctx, extAPI, s.Name, s.Address); err != nil {
			CloseExtensionSinks(more)
			return err
		}
		o.logf("registered extension %s at %s\n", s.Name, s.Address)
	}
	r.sinks = append(r.sinks, more...)
	return nil
}

// runFanoutStep runs one attack with k extensions registered and accounts their deliveries.
func runFanoutStep(ctx context.Context, o *Options, env *environment, rig *fanoutRig, k int, dir string, pacing Pacing) (*reports.Report, error) {
	if err := rig.grow(ctx, o, env, k); err != nil {
		return nil, err
	}
	acc := NewFanoutAccount(k, o.FanoutGrace)
	rig.mu.Lock()
	rig.account = acc
	rig.mu.Unlock()
	onResult := func(start time.Time, r *Result) {
		if r.RequestID == "" || !r.Success() || r.Sent < 0 {
			return
		}
		acc.Answered(r.RequestID, start.Add(r.Sent), start.Add(r.Done))
	}
	rep, err := runSingle(ctx, o, env, dir, pacing, onResult)
	acc.Settle(ctx)
	rig.mu.Lock()
	rig.account = nil
	rig.mu.Unlock()
	if rep == nil {
		return nil, err
	}
	rep.Fanout = acc.Report(rig.sinks[:k])
	if f, ferr := os.Create(filepath.Join(dir, FanoutHistogramsFile)); ferr == nil {
		werr := acc.writeHistograms(f, rig.sinks[:k])
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil && err == nil {
			err = fmt.Errorf("write fan-out histograms: %w", werr)
		}
	}
	return rep, err
}

// runFanout runs the extension-fanout scenario: one K, or a sweep over several.
func runFanout(ctx context.Context, o *Options, env *environment) (*reports.Report, error) {
	rig := &fanoutRig{}
	defer func() { CloseExtensionSinks(rig.sinks) }()
	ks := append([]int(nil), o.Fanout...)
	sort.Ints(ks) // registrations accumulate, so the sweep climbs
	if len(ks) == 1 {
		return runFanoutStep(ctx, o, env, rig, ks[0], o.OutDir, o.Pacing)
	}
	var (
		sweep []reports.SweepPoint
		last  *reports.Report
		err   error
	)
	for _, k := range ks {
		dir := filepath.Join(o.OutDir, "steps", fmt.Sprintf("fanout-%02d", k))
		o.logf("fan-out sweep: %d extension(s)\n", k)
		var rep *reports.Report
		rep, err = runFanoutStep(ctx, o, env, rig, k, dir, o.Pacing)
		if rep == nil {
			break
		}
		o.finish(rep, env)
		_ = reports.WriteAll(dir, rep)
		sweep = append(sweep, sweepPoint(rep, k, true))
		last = rep
		if err != nil {
			break
		}
	}
	if last == nil {
		return nil, err
	}
	if merr := adoptStepFiles(filepath.Join(o.OutDir, "steps", fmt.Sprintf("fanout-%02d", last.Fanout.Extensions)), o.OutDir); merr != nil && err == nil {
		err = merr
	}
	head := *last
	head.Sweep = sweep
	return &head, err
}

func sweepPoint(r *reports.Report, k int, held bool) reports.SweepPoint {
	return reports.SweepPoint{Extensions: k, RateRPS: r.RateRPS, ThroughputRPS: r.ThroughputRPS,
		SuccessRatio: r.SuccessRatio, Latency: r.Latency, Held: held}
}

// adoptStepFiles copies a step's raw results to the run directory, so the
// top-level report has results.bin and histograms.jsonl beside it.
func adoptStepFiles(stepDir, outDir string) error {
	for _, name := range []string{ResultsFile, reports.HistogramsFile, FanoutHistogramsFile} {
		src := filepath.Join(stepDir, name)
		data, err := os.ReadFile(src)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(outDir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
