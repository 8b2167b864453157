package proxy

import (
	"net/http"
	"strconv"
	"time"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
	"github.com/fgharness/fgharness/suites/framework"
)

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
	for i, v := range vex.Violations {
		j := judged{check: framework.CheckOfViolation(v.Evidence()), violation: v}
		fail := evidence.Failure{
			Operation: op, Check: j.check, Rule: ruleOf(j.check, v), Violation: ex.Violations[i],
			Request: ex.Request, Response: ex.Response, Expect: p.expect(op, v), Source: source,
		}
		id, kept := p.tally.failureID(op, j.check, v, func() string { return p.rec.Fail(fail) })
		fail.ID = id
		j.verdict = p.accept.JudgeFailure(fail)
		if j.verdict.Accepted && kept {
			p.rec.SetAccepted(id, j.verdict.Note)
		}
		found = append(found, j)
		if !kept {
			id = ""
		}
		p.log.Warn("proxy: violation", "exchange", ex.ID, "failure", id, "operation", op, "check", j.check,
			"accepted", j.verdict.Accepted, "violation", red.Text(v.Evidence().String()))
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
