package proxy

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
	"github.com/fgharness/fgharness/suites/framework"
)

// unobserved is why a documented status of an operation the clients used
// is missing from the coverage.
const unobserved = "no exchange through the proxy was answered with it"

// maxErrorsKept bounds the upstream errors the report lists.
const maxErrorsKept = 20

// checksOf are the checks one exchange of a documented operation is judged on.
func checksOf(status int) []string {
	cs := []string{reports.CheckSchema, reports.CheckStatus, reports.CheckHeaders}
	if status >= 400 {
		cs = append(cs, reports.CheckErrorCode)
	}
	return cs
}

type checkKey struct{ op, check string }

// checkState is one check of one operation over the exchanges so far.
// An exchange that broke it counts in failed; in accepted too when the
// accept file accepts every violation of the check in that exchange.
type checkState struct {
	judged, failed, accepted int
	first                    string // the first violation not accepted
	firstAccepted            string // the first accepted one
	acceptNotes, expiredNote []string
}

// tally is what the proxy has seen so far: per operation, the statuses
// answered and each check's outcome.
type tally struct {
	mu        sync.Mutex
	started   time.Time
	exchanges int
	refusals  int
	errors    int
	lastErrs  []string
	statuses  map[string]map[int]bool
	checks    map[checkKey]*checkState
	perRule   map[string]int    // op, check and location → violations seen
	firstID   map[string]string // op, check and location → the first one's failure id
}

func newTally() *tally {
	return &tally{started: time.Now(), statuses: map[string]map[int]bool{}, checks: map[checkKey]*checkState{}, perRule: map[string]int{}, firstID: map[string]string{}}
}

func (t *tally) refused() {
	t.mu.Lock()
	t.refusals++
	t.mu.Unlock()
}

func (t *tally) upstreamError(msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errors++
	if len(t.lastErrs) < maxErrorsKept {
		t.lastErrs = append(t.lastErrs, msg)
	}
}

// failureID gives a violation its failure id: the first few of each rule
// are recorded by fail, with their evidence; a later repeat is only
// counted and is judged by the accept file under the id of the first.
func (t *tally) failureID(op, check string, v spec.Violation, fail func() string) (id string, kept bool) {
	k := op + "\x00" + check + "\x00" + v.Location
	t.mu.Lock()
	t.perRule[k]++
	n := t.perRule[k]
	t.mu.Unlock()
	if n > maxKeptPerRule {
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.firstID[k], false
	}
	id = fail()
	t.mu.Lock()
	if t.firstID[k] == "" {
		t.firstID[k] = id
	}
	t.mu.Unlock()
	return id, true
}

// judged is one violation of an exchange and the check it breaks.
type judged struct {
	check     string
	violation spec.Violation
	verdict   reports.AcceptVerdict
}

// outcome is what one exchange did to one check.
type outcome struct {
	failed, accepted bool
	first            judged // the first violation not accepted, else the first
	notes, expired   []string
}

// outcomes sums an exchange's violations per check: the check failed when
// one broke it, and is accepted when the accept file accepts them all.
func outcomes(found []judged) map[string]*outcome {
	out := map[string]*outcome{}
	for _, j := range found {
		o := out[j.check]
		if o == nil {
			o = &outcome{failed: true, accepted: true, first: j}
			out[j.check] = o
		}
		if !j.verdict.Accepted && o.accepted {
			o.accepted, o.first = false, j
		}
		if j.verdict.Accepted {
			o.notes = appendNew(o.notes, j.verdict.Note)
		}
		if j.verdict.Expired {
			o.expired = appendNew(o.expired, j.verdict.Note)
		}
	}
	return out
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func (t *tally) exchange(op string, documented bool, status int, found []judged) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.exchanges++
	if documented {
		if t.statuses[op] == nil {
			t.statuses[op] = map[int]bool{}
		}
		t.statuses[op][status] = true
	}
	judgedChecks := map[string]bool{}
	if documented {
		for _, c := range checksOf(status) {
			judgedChecks[c] = true
		}
	}
	failedChecks := outcomes(found)
	for c := range failedChecks {
		judgedChecks[c] = true
	}
	for c := range judgedChecks {
		st := t.checks[checkKey{op, c}]
		if st == nil {
			st = &checkState{}
			t.checks[checkKey{op, c}] = st
		}
		st.judged++
		o := failedChecks[c]
		if o == nil {
			continue
		}
		st.failed++
		for _, n := range o.expired {
			st.expiredNote = appendNew(st.expiredNote, n)
		}
		if o.accepted {
			st.accepted++
			for _, n := range o.notes {
				st.acceptNotes = appendNew(st.acceptNotes, n)
			}
			if st.firstAccepted == "" {
				st.firstAccepted = o.first.violation.Evidence().String()
			}
			continue
		}
		if st.first == "" {
			st.first = o.first.violation.Evidence().String()
		}
	}
}

// stats are the counts the report heads with.
type stats struct {
	Exchanges, Refused, UpstreamErrors int
	Errors                             []string
}

func (t *tally) stats() stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return stats{Exchanges: t.exchanges, Refused: t.refusals, UpstreamErrors: t.errors, Errors: append([]string(nil), t.lastErrs...)}
}

// conformance is the summary in the contract run's model: one check per
// operation the clients used and check judged, and the coverage of every
// documented operation.
func (t *tally) conformance(sp *spec.Spec, target, name string) *reports.Conformance {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &reports.Conformance{Target: target, Name: name, StartedAt: t.started, DurationS: time.Since(t.started).Seconds()}
	for k, st := range t.checks {
		ch := reports.ConformanceCheck{Operation: k.op, Check: k.check, Result: reports.ResultPass, Spec: "fgh proxy"}
		ch.Reason = fmt.Sprintf("%d exchanges", st.judged)
		switch {
		case st.failed > st.accepted:
			ch.Result = reports.ResultFail
			ch.Reason = fmt.Sprintf("%d of %d exchanges: %s", st.failed-st.accepted, st.judged, st.first)
			if len(st.expiredNote) > 0 {
				ch.Reason = strings.Join(st.expiredNote, "; ") + " — " + ch.Reason
			}
		case st.failed > 0:
			ch.Result = reports.ResultAccepted
			ch.Reason = fmt.Sprintf("accepted deviation: %s — %d of %d exchanges: %s",
				strings.Join(st.acceptNotes, "; "), st.accepted, st.judged, st.firstAccepted)
		}
		c.Checks = append(c.Checks, ch)
	}
	framework.SortChecks(c.Checks)
	// A missing status of an operation the clients used has one reason:
	// no exchange was answered with it; unused operations need none.
	for _, op := range sp.Operations() {
		var why func(int) string
		if len(t.statuses[op.ID]) > 0 {
			why = func(int) string { return unobserved }
		}
		c.Coverage.Operations = append(c.Coverage.Operations, framework.CoverageOf(op, t.statuses[op.ID], why))
	}
	return c
}
