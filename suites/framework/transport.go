package framework

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/spec"
)

// maxBody bounds how much of a body the transport reads, as the client does.
const maxBody = client.MaxResponseBody

// Exchange is one request/response pair as the validator saw it.
type Exchange struct {
	// ID is the exchange's id in the run's evidence ("x<n>"); empty when
	// the transport records no evidence.
	ID         string
	Operation  string // operationId, or "METHOD PATH" when nothing matched
	Status     int
	Violations []spec.Violation // after the caller's expectations were applied

	// what went over the wire, for Evidence (kept raw: most exchanges never need it)
	req               *http.Request
	reqBody, respBody []byte
	resp              *http.Response
}

// Evidence is the exchange as sent and received, not yet redacted (the
// evidence.Recorder redacts).
func (e Exchange) Evidence() evidence.Exchange {
	if e.req == nil {
		return evidence.Exchange{Operation: e.Operation}
	}
	ex := evidence.FromHTTP(e.req, e.reqBody, e.resp, e.respBody)
	ex.Operation = e.Operation
	return ex
}

// ValidatingTransport is an http.RoundTripper that checks every request it
// sends and every response it receives against the spec. Violations go to
// the Tolerate attached to the request's context (see WithTolerate), or, when
// there is none, to Unclaimed so the current spec fails anyway.
type ValidatingTransport struct {
	Spec    *spec.Spec
	Base    http.RoundTripper
	Observe func(Exchange) // called for every exchange (coverage)
	// Evidence, when set, records every exchange (redacted there); the
	// exchanges since the last TakeExchanges are kept for the spec's failures.
	Evidence *evidence.Recorder

	mu        sync.Mutex
	unclaimed []spec.Violation
	recent    []evidence.Exchange
	creates   []evidence.Exchange // successful create calls of the run, for replay's steps
}

// maxCreates bounds the create calls kept for replay steps.
const maxCreates = 2000

// Tolerate tells the transport which request-side violations a negative
// spec provokes on purpose. The response is validated in full regardless.
type Tolerate struct {
	// InvalidRequest accepts every request-side violation.
	InvalidRequest bool
	// AcceptRequest accepts request-side violations whose location starts
	// with one of these, e.g. "header FunctionGraph-Extension-Address".
	AcceptRequest []string

	exchange Exchange
	done     bool
}

type expectKey struct{}

// WithTolerate attaches e to ctx; after the round trip e.Exchange() holds the result.
func WithTolerate(ctx context.Context, e *Tolerate) context.Context {
	return context.WithValue(ctx, expectKey{}, e)
}

// Exchange is what the transport recorded for the request that carried e.
func (e *Tolerate) Exchange() (Exchange, bool) { return e.exchange, e.done }

func (e *Tolerate) accepts(v spec.Violation) bool {
	if !v.InRequest() || v.Location == "route" {
		return false
	}
	if e.InvalidRequest {
		return true
	}
	for _, loc := range e.AcceptRequest {
		if strings.HasPrefix(v.Location, loc) {
			return true
		}
	}
	return false
}

// RoundTrip sends req through Base and validates both sides. The response
// body is read in full and handed back re-readable.
func (t *ValidatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("validating transport: copy request body: %w", err)
		}
		reqBody, err = io.ReadAll(io.LimitReader(rc, maxBody))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("validating transport: read request body: %w", err)
		}
	} else if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxBody))
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("validating transport: read request body: %w", err)
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	started := time.Now()
	resp, err := base.RoundTrip(req)
	if err != nil {
		t.record(req, reqBody, nil, nil, started, err, nil)
		return nil, err
	}
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("%s %s: read response body: %w", req.Method, req.URL.Path, err)
	}
	if len(respBody) > maxBody {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, client.ErrResponseTooLarge)
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))

	all := t.Spec.ValidateExchange(req, reqBody, resp, respBody)
	if v, ok := redirectViolation(req, resp); ok {
		all = append(all, v)
	}
	ex := Exchange{Operation: operationOf(t.Spec, req), Status: resp.StatusCode, req: req, reqBody: reqBody, resp: resp, respBody: respBody}
	exp, _ := req.Context().Value(expectKey{}).(*Tolerate)
	for _, v := range all {
		if exp != nil && exp.accepts(v) {
			continue
		}
		ex.Violations = append(ex.Violations, v)
	}
	ex.ID = t.record(req, reqBody, resp, respBody, started, nil, ex.Violations)
	if t.Observe != nil {
		t.Observe(ex)
	}
	if exp != nil {
		exp.exchange, exp.done = ex, true
	} else if len(ex.Violations) > 0 {
		t.mu.Lock()
		t.unclaimed = append(t.unclaimed, ex.Violations...)
		t.mu.Unlock()
	}
	return resp, nil
}

// record hands one exchange to the evidence recorder and keeps it for the
// current spec; it returns the exchange's id.
func (t *ValidatingTransport) record(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, started time.Time, err error, vs []spec.Violation) string {
	if t.Evidence == nil {
		return ""
	}
	ex := evidence.FromHTTP(req, reqBody, resp, respBody)
	ex.Operation, ex.Started, ex.Duration = operationOf(t.Spec, req), started, time.Since(started)
	if err != nil {
		ex.Error = err.Error()
	}
	for _, v := range vs {
		ex.Violations = append(ex.Violations, v.Evidence())
	}
	ex.ID = t.Evidence.Record(ex)
	t.mu.Lock()
	t.recent = append(t.recent, ex)
	if strings.HasPrefix(ex.Operation, "create") && resp != nil && resp.StatusCode/100 == 2 && len(t.creates) < maxCreates {
		t.creates = append(t.creates, ex)
	}
	t.mu.Unlock()
	return ex.ID
}

// TakeExchanges returns and forgets the exchanges recorded since the last
// call, unredacted: the caller hands them to the recorder, which redacts.
func (t *ValidatingTransport) TakeExchanges() []evidence.Exchange {
	return takeAll(&t.mu, &t.recent)
}

// Creates returns the successful create calls recorded so far, in order.
func (t *ValidatingTransport) Creates() []evidence.Exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]evidence.Exchange(nil), t.creates...)
}

// TakeUnclaimed returns and forgets the violations of requests sent without a Tolerate.
func (t *ValidatingTransport) TakeUnclaimed() []spec.Violation {
	return takeAll(&t.mu, &t.unclaimed)
}

// takeAll empties the list mu guards and returns what it held.
func takeAll[T any](mu *sync.Mutex, list *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	out := *list
	*list = nil
	return out
}

func operationOf(s *spec.Spec, req *http.Request) string {
	op, _, err := s.FindRoute(req)
	if err != nil {
		return req.Method + " " + req.URL.EscapedPath()
	}
	return op.ID
}

// redirectViolation reports a 3xx answer in words: FunctionGraph documents
// no redirect, and following one could carry credentials to another host.
func redirectViolation(req *http.Request, resp *http.Response) (spec.Violation, bool) {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return spec.Violation{}, false
	}
	where := "another location"
	if loc, err := resp.Location(); err == nil {
		where = redactURL(loc.String())
		if loc.Host != req.URL.Host || loc.Scheme != req.URL.Scheme {
			where += " (another origin)"
		}
	}
	return spec.Violation{
		Operation: "", Status: resp.StatusCode, Location: "status",
		Expected: "a documented answer", Actual: fmt.Sprintf("redirect %d to %s", resp.StatusCode, where),
		Message: "fgh never follows redirects: the request carries credentials",
	}, true
}
