package proxy

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
	"github.com/fgharness/fgharness/suites/framework"
)

// maxErrorsKept bounds the upstream errors the report lists.
const maxErrorsKept = 20

// ruleOf says in words what a violation of check broke.
func ruleOf(check string, v spec.Violation) string {
	if v.InRequest() {
		return "the client's request matches the spec (if the client is right, the spec is too strict)"
	}
	switch check {
	case reports.CheckStatus:
		return "the answer's status is one the operation documents"
	case reports.CheckHeaders:
		return "the answer carries the documented headers, well-formed"
	case reports.CheckErrorCode:
		return "an error answer has the documented error body (error_code, error_msg)"
	}
	return "the answer's body matches the documented schema"
}

// checksOf are the checks one exchange of a documented operation is judged on.
func checksOf(status int) []string {
	cs := []string{reports.CheckSchema, reports.CheckStatus, reports.CheckHeaders}
	if status >= 400 {
		cs = append(cs, reports.CheckErrorCode)
	}
	return cs
}

type checkKey struct{ op, check string }

type checkState struct {
	judged, failed int
	first          string // the first violation
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
	perRule   map[string]int // op, check and location → violations seen
}

func newTally() *tally {
	return &tally{started: time.Now(), statuses: map[string]map[int]bool{}, checks: map[checkKey]*checkState{}, perRule: map[string]int{}}
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

// keep tells whether the violation's evidence should be kept: the first
// few of each rule are, later repeats are only counted.
func (t *tally) keep(op, check string, v spec.Violation) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := op + "\x00" + check + "\x00" + v.Location
	t.perRule[k]++
	return t.perRule[k] <= maxKeptPerRule
}

// judged is one violation of an exchange and the check it breaks.
type judged struct {
	check     string
	violation spec.Violation
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
	failedChecks := map[string]judged{}
	for _, j := range found {
		judgedChecks[j.check] = true
		if _, dup := failedChecks[j.check]; !dup {
			failedChecks[j.check] = j
		}
	}
	for c := range judgedChecks {
		st := t.checks[checkKey{op, c}]
		if st == nil {
			st = &checkState{}
			t.checks[checkKey{op, c}] = st
		}
		st.judged++
		if j, failed := failedChecks[c]; failed {
			st.failed++
			if st.first == "" {
				st.first = j.violation.Evidence().String()
			}
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
		if st.failed > 0 {
			ch.Result = reports.ResultFail
			ch.Reason = fmt.Sprintf("%d of %d exchanges: %s", st.failed, st.judged, st.first)
		}
		c.Checks = append(c.Checks, ch)
	}
	framework.SortChecks(c.Checks)
	// The missing statuses need no reason each: the clients did not
	// happen to be answered with them.
	for _, op := range sp.Operations() {
		c.Coverage.Operations = append(c.Coverage.Operations, framework.CoverageOf(op, t.statuses[op.ID], nil))
	}
	return c
}

// record keeps one answered exchange: its evidence (redacted with the
// exchange's own credentials), a failure for each violation, and the tally.
func (p *Proxy) record(out *http.Request, body []byte, resp *http.Response, respBody []byte, started time.Time, vex framework.Exchange) {
	op, documented := vex.Operation, false
	if _, ok := p.spec.Operation(op); ok {
		documented = true
	}
	red := p.secrets.redactor(out.Header, resp.Header)
	ex := evidence.FromHTTP(out, body, resp, respBody)
	ex.Operation, ex.Started, ex.Duration = op, started, time.Since(started)
	for _, v := range vex.Violations {
		ex.Violations = append(ex.Violations, v.Evidence())
	}
	ex = red.Exchange(ex)
	ex.ID = p.rec.Record(ex)
	found := make([]judged, 0, len(vex.Violations))
	for _, v := range vex.Violations {
		j, id := judged{check: framework.CheckOfViolation(v.Evidence()), violation: v}, ""
		if p.tally.keep(op, j.check, v) {
			id = p.rec.Fail(evidence.Failure{
				Operation: op, Check: j.check, Rule: ruleOf(j.check, v), Violation: ex.Violations[len(found)],
				Request: ex.Request, Response: ex.Response, Expect: p.expect(op, v), Source: source,
			})
		}
		found = append(found, j)
		p.log.Warn("proxy: violation", "exchange", ex.ID, "failure", id, "operation", op, "check", j.check, "violation", red.Text(v.Evidence().String()))
	}
	p.tally.exchange(op, documented, resp.StatusCode, found)
	p.log.Debug("proxy: exchange", "exchange", ex.ID, "operation", op, "status", resp.StatusCode, "violations", len(found))
}

// expect is what replay re-checks: the exchange against the spec, and for
// a status violation the statuses the operation documents.
func (p *Proxy) expect(op string, v spec.Violation) evidence.Expect {
	e := evidence.Expect{Spec: true}
	if o, ok := p.spec.Operation(op); ok && v.Location == "status" {
		for _, s := range o.Statuses {
			e.Status = append(e.Status, strconv.Itoa(s))
		}
	}
	return e
}
