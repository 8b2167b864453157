package fuzz

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/spec"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// finding is one answer that broke a rule, with what replay re-checks.
type finding struct {
	check     string
	rule      string
	violation evidence.Violation
	expect    evidence.Expect
}

// Names of the fuzz checks, as the conformance summary names its own.
const (
	checkStatus  = fw.CheckStatus
	checkSchema  = fw.CheckSchema
	checkErrors  = fw.CheckErrors
	checkRequest = "request" // a valid case the spec itself refuses: the generator's defect, not the target's
)

// judge applies the checks every answer gets, in order of severity.
func judge(p *plan, c testCase, resp *fw.Response) *finding {
	op := p.op
	status := resp.Status
	statusBreak := func(rule, expected string, allowed ...string) *finding {
		return &finding{check: checkStatus, rule: rule,
			violation: evidence.Violation{Status: status, Location: "status", Expected: expected, Actual: strconv.Itoa(status), Message: c.describe()},
			expect:    evidence.Expect{Status: allowed}}
	}
	switch {
	case status >= 500:
		return statusBreak("an answer is never a 5xx", "no server error", "2xx", "4xx")
	case !op.Documents(status):
		return statusBreak("the status is one the operation documents", "one of "+statusList(op.Statuses), statusTexts(op.Statuses)...)
	case c.valid && p.positive && (status < 200 || status > 299):
		return statusBreak("a valid request is answered with a documented 2xx", "2xx", "2xx")
	case !c.valid && (status < 400 || status > 499):
		return statusBreak("an invalid request is refused with a documented 4xx", "4xx", "4xx")
	}
	for _, v := range resp.Violations {
		if v.InRequest() {
			if c.valid {
				return &finding{check: checkRequest, rule: "a valid case validates against the spec", violation: v.Evidence()}
			}
			continue
		}
		check, rule := checkSchema, "every answer validates against the spec"
		if status >= 400 {
			check, rule = checkErrors, "an error answer carries a well-formed error_code and error_msg"
		}
		return &finding{check: check, rule: rule, violation: v.Evidence(), expect: evidence.Expect{Spec: true}}
	}
	return nil
}

func statusList(statuses []int) string {
	return strings.Join(statusTexts(statuses), ", ")
}

func statusTexts(statuses []int) []string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = strconv.Itoa(s)
	}
	return out
}

// message is what the property fails with: the same for every case that
// breaks the same rule at the same place, since rapid shrinks a failure
// only to cases that fail with the same message.
func (f *finding) message() string {
	return fmt.Sprintf("%s: %s (%s)", f.check, f.rule, f.violation.Location)
}

// failure turns a finding into the shared evidence record.
func (f *finding) failure(op spec.Operation, ex evidence.Exchange, seed uint64) evidence.Failure {
	s := int64(seed)
	return evidence.Failure{
		Operation: op.ID, Check: f.check, Rule: f.rule, Violation: f.violation,
		Request: ex.Request, Response: ex.Response, Expect: f.expect,
		Seed: &s, Shrunk: true, Source: "fuzz",
	}
}
