package sequence

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/reports"
	fw "github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/fuzz"
)

// send sends one request of the sequence; a transport error ends the run
// (the target is gone), a spec violation fails the sequence.
func (s *seq) send(req fw.Request) *fw.Response {
	return s.sendCreate(req, nil)
}

// sendCreate is send for a request that creates something: made sees a
// 2xx answer before it is judged, so that what the target made is in the
// model, and deleted at the end, even when the answer breaks a promise.
func (s *seq) sendCreate(req fw.Request, made func(*fw.Response)) *fw.Response {
	var resp *fw.Response
	var err error
	for attempt := 0; ; attempt++ {
		s.r.pace(s.ctx, 0)
		resp, err = s.r.f.Do(s.ctx, req)
		s.r.requests.Add(1)
		s.countShrink()
		if err != nil || resp.Status != http.StatusTooManyRequests || attempt == maxRetries {
			break
		}
		s.r.pace(s.ctx, fuzz.RetryAfter(resp.Header.Get("Retry-After"))) // a refused attempt is no step
	}
	if err != nil {
		if s.ctx.Err() == nil {
			s.r.loseTarget(err)
		}
		s.t.Skip("stopped: " + err.Error())
	}
	s.history = append(s.history, exchangeOf(resp))
	if made != nil && resp.Status/100 == 2 {
		made(resp)
	}
	if len(resp.Violations) > 0 {
		v := resp.Violations[0]
		s.fail(reports.CheckSchema, req.Operation+" answers as the spec documents", v.Evidence(), evidence.Expect{Spec: true})
	}
	return resp
}

// exchangeOf is the evidence of one answered request, kept by the
// sequence that sent it (other sequences send at the same time).
func exchangeOf(resp *fw.Response) evidence.Exchange {
	ex := resp.Exchange.Evidence()
	ex.ID = resp.Exchange.ID
	for _, v := range resp.Violations {
		ex.Violations = append(ex.Violations, v.Evidence())
	}
	return ex
}

// countShrink charges a request to the shrink budget once the sequence
// has failed: what follows are rapid's shrink candidates.
func (s *seq) countShrink() {
	if s.sl.shortest != nil {
		s.sl.shrinkSent++
	}
}

// maxRetries bounds how often one request is sent again after 429 answers.
const maxRetries = 5

// pace waits until the next request may go: Options.Rate apart from the
// last one of any worker, and at least wait from now.
func (r *runner) pace(ctx context.Context, wait time.Duration) {
	next := time.Now().Add(wait)
	r.mu.Lock()
	if r.opts.Rate > 0 {
		if due := r.lastSent.Add(time.Duration(float64(time.Second) / r.opts.Rate)); due.After(next) {
			next = due
		}
	}
	r.lastSent = next
	r.mu.Unlock()
	if d := time.Until(next); d > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
}

// fail records the last exchange as the failing step, the ones before it
// as the steps replay re-sends first, and ends the sequence.
func (s *seq) fail(check, rule string, v evidence.Violation, expect evidence.Expect) {
	last := len(s.history) - 1
	ex := s.history[last]
	seed := int64(s.r.opts.Seed)
	s.failure = &evidence.Failure{
		Operation: ex.Operation, Check: check, Rule: rule, Violation: v,
		Request: ex.Request, Response: ex.Response, Steps: slices.Clone(s.history[:last]),
		Expect: expect, Seed: &seed, Shrunk: true, Source: Source,
	}
	s.t.Fatalf("%s: %s (after %s)", ex.Operation, rule, strings.Join(operationsOf(s.history[:last]), " → "))
}

func (s *seq) expectStatus(resp *fw.Response, status int, rule string) {
	if resp.Status != status {
		fl := statusFailure(resp, status, rule)
		s.fail(fl.check, fl.rule, fl.v, fl.expect)
	}
}

func (s *seq) expectMember(resp *fw.Response, name, want, rule string) {
	if got := member(resp, name); got != want {
		s.fail(reports.CheckBehaviour, rule, evidence.Violation{Status: resp.Status, Location: "body /" + name, Expected: want, Actual: got},
			evidence.Expect{BodyHas: fmt.Sprintf(`"%s":%q`, name, want)})
	}
}

// failure is what poll's judge found wrong with an answer.
type failure struct {
	check, rule string
	v           evidence.Violation
	expect      evidence.Expect
}

func statusFailure(resp *fw.Response, status int, rule string) *failure {
	return &failure{check: reports.CheckStatus, rule: rule, v: evidence.Violation{Status: resp.Status, Location: "status", Expected: fmt.Sprint(status), Actual: fmt.Sprint(resp.Status)},
		expect: evidence.Expect{Status: []string{fmt.Sprint(status)}}}
}

// poll sends req until judge finds nothing wrong or timeout is over, every
// interval: a change may reach the reads of a target later than its
// answer. Only the last read is a step of the sequence.
func (s *seq) poll(req fw.Request, timeout, interval time.Duration, judge func(*fw.Response) *failure) *fw.Response {
	deadline := time.Now().Add(timeout)
	for {
		resp := s.send(req)
		fl := judge(resp)
		if fl == nil {
			return resp
		}
		if time.Now().After(deadline) || s.ctx.Err() != nil {
			s.fail(fl.check, fl.rule, fl.v, fl.expect)
			return resp
		}
		s.history = s.history[:len(s.history)-1]
		time.Sleep(interval)
	}
}

// settle polls req for the settle time until broken reports nothing.
// broken names what the read lacks, in the form the body would carry it.
func (s *seq) settle(req fw.Request, rule string, broken func(*fw.Response) string) {
	s.poll(req, s.settleTime(), pollInterval, func(resp *fw.Response) *failure {
		lacks := broken(resp)
		if lacks == "" {
			return nil
		}
		return &failure{check: reports.CheckBehaviour, rule: rule, v: evidence.Violation{Status: resp.Status, Location: "behaviour", Expected: lacks, Message: rule},
			expect: evidence.Expect{Status: []string{fmt.Sprint(http.StatusOK)}, BodyHas: lacks}}
	})
}

// readsBack is settle for a read whose member name must be want.
func (s *seq) readsBack(req fw.Request, name, want, rule string) {
	s.settle(req, rule, func(resp *fw.Response) string {
		if resp.Status != http.StatusOK || member(resp, name) != want {
			return fmt.Sprintf(`"%s":%q`, name, want)
		}
		return ""
	})
}

// settleTime is Options.Settle until the sequence has failed, and no wait
// while rapid shrinks it: the change did not settle in the full time
// once, and a shrink candidate only has to show the same loss (hundreds
// of waits would make shrinking cost minutes).
func (s *seq) settleTime() time.Duration {
	if s.sl.shortest != nil {
		return 0
	}
	return s.r.opts.Settle
}

// pollInterval spaces the reads of a change that has not settled yet.
const pollInterval = 200 * time.Millisecond

// listOpts are what a list check may need besides the model.
type listOpts struct {
	// emptyMay404 lets a list that should hold nothing answer 404: its
	// owner went with its last member.
	emptyMay404 bool
	// mention is how a key appears in the list's body, for replay's
	// check of it; quoted, when nil.
	mention func(key string) string
}

// keyed decodes a list answer for settleList: each item, found under the
// answer's member field ("" when the answer is the list itself), keyed and
// valued by kv. An answer that does not decode lists nothing; the schema
// check reports it.
func keyed[T any](field string, kv func(T) (string, string)) func([]byte) map[string]string {
	return func(body []byte) map[string]string {
		var items []T
		if field == "" {
			_ = json.Unmarshal(body, &items)
		} else {
			var page map[string]json.RawMessage
			if json.Unmarshal(body, &page) == nil {
				_ = json.Unmarshal(page[field], &items)
			}
		}
		got := map[string]string{}
		for _, it := range items {
			k, v := kv(it)
			got[k] = v
		}
		return got
	}
}

// settleList reads a list until it holds exactly want (name → version
// or id) and none of gone.
func (s *seq) settleList(req fw.Request, rule string, decode func([]byte) map[string]string, want map[string]string, gone map[string]bool, o listOpts) {
	if o.mention == nil {
		o.mention = func(key string) string { return fmt.Sprintf("%q", key) }
	}
	s.poll(req, s.settleTime(), pollInterval, func(resp *fw.Response) *failure {
		if o.emptyMay404 && len(want) == 0 && resp.Status == http.StatusNotFound {
			return nil
		}
		if resp.Status != http.StatusOK {
			return statusFailure(resp, http.StatusOK, req.Operation+" is answered 200")
		}
		v, expect := listMismatch(decode(resp.Body), want, gone, o.mention)
		if v == nil {
			return nil
		}
		v.Status, v.Message = resp.Status, rule
		return &failure{check: reports.CheckBehaviour, rule: rule, v: *v, expect: expect}
	})
}

// listMismatch says how a listed set differs from the model.
func listMismatch(got, want map[string]string, gone map[string]bool, mention func(string) string) (*evidence.Violation, evidence.Expect) {
	for _, name := range slices.Sorted(maps.Keys(gone)) {
		if _, listed := got[name]; listed {
			return &evidence.Violation{Location: "behaviour", Expected: name + " not listed (deleted)", Actual: "listed"},
				evidence.Expect{BodyLacks: mention(name)}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		g, listed := got[name]
		if !listed {
			return &evidence.Violation{Location: "behaviour", Expected: name + " listed", Actual: "missing"},
				evidence.Expect{BodyHas: mention(name)}
		}
		if g != want[name] {
			return &evidence.Violation{Location: "behaviour", Expected: name + " at " + want[name], Actual: g},
				evidence.Expect{BodyHas: fmt.Sprintf("%q", want[name])}
		}
	}
	return nil, evidence.Expect{}
}

// expectGone checks a read of something deleted: 404 and, where the
// operation documents its own not-found codes, one of them.
func (s *seq) expectGone(req fw.Request, rule string) {
	resp := s.send(req)
	s.expectStatus(resp, http.StatusNotFound, rule)
	codes := documentedNotFoundCodes(s.r.f, req.Operation)
	if got := member(resp, "error_code"); len(codes) > 0 && !slices.Contains(codes, got) {
		s.fail(reports.CheckErrorCode, rule+" with a documented error_code", evidence.Violation{Status: resp.Status, Location: "body /error_code",
			Expected: strings.Join(codes, " or "), Actual: got}, evidence.Expect{Status: []string{"404"}})
	}
}

// documentedNotFoundCodes are the error codes an operation's own 404
// answer documents in its examples; none when it shares the generic one.
func documentedNotFoundCodes(f *fw.Framework, opID string) []string {
	op, ok := f.Spec.Operation(opID)
	if !ok || op.Raw().Responses == nil {
		return nil
	}
	ref := op.Raw().Responses.Status(http.StatusNotFound)
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return nil
	}
	var codes []string
	for _, mt := range ref.Value.Content {
		for _, ex := range mt.Examples {
			if ex == nil || ex.Value == nil {
				continue
			}
			if m, ok := ex.Value.Value.(map[string]any); ok {
				if c, ok := m["error_code"].(string); ok {
					codes = append(codes, c)
				}
			}
		}
	}
	return codes
}

// follow resolves the spec's link from one answer to a consumer: the
// consumer's path parameters. A link that does not resolve fails the
// sequence: the answer lacks what the documents say it names.
func (s *seq) follow(resp *fw.Response, fromPath map[string]string, from, to string) map[string]string {
	params, _ := s.followBody(resp, fromPath, from, to)
	return params
}

// tryFollow is follow for cleanup: nil when the link does not resolve
// (the judging that follows says so).
func (s *seq) tryFollow(resp *fw.Response, from, to string) map[string]string {
	l, ok := s.r.f.Spec.Link(from, to)
	if !ok {
		return nil
	}
	params, _, err := l.Resolve(nil, resp.Body)
	if err != nil {
		return nil
	}
	return params
}

// followBody is follow with the consumer's body members.
func (s *seq) followBody(resp *fw.Response, fromPath map[string]string, from, to string) (map[string]string, map[string]any) {
	l, ok := s.r.f.Spec.Link(from, to)
	if !ok {
		panic(fmt.Sprintf("sequence: the spec declares no link %s → %s", from, to))
	}
	params, body, err := l.Resolve(fromPath, resp.Body)
	if err != nil {
		s.fail(reports.CheckBehaviour, err.Error(), evidence.Violation{Status: resp.Status, Location: "behaviour", Message: err.Error()}, evidence.Expect{})
	}
	if body == nil {
		body = map[string]any{}
	}
	return params, body
}
