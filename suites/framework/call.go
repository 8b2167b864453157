package framework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/spec"
)

// Request is one API call by operationId; the path comes from the spec.
type Request struct {
	Operation string
	// Path holds the path parameters; project_id is filled in from the target.
	Path   map[string]string
	Query  url.Values
	Header http.Header
	// Body is sent as JSON; []byte and string are sent as they are.
	Body any
	// NoCredentials sends neither a token nor a signature.
	NoCredentials bool
	// Tolerate lists the request-side violations a negative spec provokes on purpose.
	Tolerate Tolerate
	// BaseURL overrides the target (the Extension API lives elsewhere).
	BaseURL string
	// Timeout bounds the call; 0 means the run's --request-timeout.
	Timeout time.Duration
}

// Response is what came back, already validated against the spec.
type Response struct {
	Operation  spec.Operation
	Status     int
	Header     http.Header
	Body       []byte
	Violations []spec.Violation
	// Exchange is what the validating transport saw (Evidence() for a failure report).
	Exchange Exchange
}

// Do sends r through the client (which builds, authenticates, signs and
// redacts) and its validating transport, and returns the validated
// response of any status; it does not fail the spec, so callers that want
// to judge violations themselves use it.
func (f *Framework) Do(ctx context.Context, r Request) (*Response, error) {
	op, ok := f.Spec.Operation(r.Operation)
	if !ok {
		return nil, fmt.Errorf("no operation %q in the spec", r.Operation)
	}
	params := map[string]string{"project_id": f.Target.ProjectID}
	for k, v := range r.Path {
		params[k] = v
	}
	path, err := op.Expand(params)
	if err != nil {
		return nil, err
	}
	header := r.Header.Clone()
	if r.Body == nil && header.Get("Content-Type") == "" {
		if header == nil {
			header = http.Header{}
		}
		header["Content-Type"] = nil // no body, no Content-Type: an empty entry drops the client's default
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = f.requestTimeout()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, ex, err := SendValidated(ctx, f.client, client.Request{
		Operation: op.ID, Method: op.Method, Path: path, Query: r.Query, Header: header, Body: r.Body,
		NoAuth: r.NoCredentials || op.Document == spec.Extension, BaseURL: r.BaseURL,
	}, r.Tolerate)
	if err != nil {
		f.health.failed(err)
		return nil, fmt.Errorf("%s %s: %w", op.ID, f.Target.Redacted(), describeTransportError(err, timeout))
	}
	f.health.answered()
	return &Response{Operation: op, Status: res.Status, Header: res.Header, Body: res.Body, Violations: ex.Violations, Exchange: ex}, nil
}

// SendValidated sends req through c, whose HTTP client runs a
// ValidatingTransport, and returns the answer of any status with the
// exchange the transport saw (its violations less those tol accepts). It
// is the contract side's one way to a target: Do and replay both use it,
// so the client builds, authenticates, signs and redacts for each.
func SendValidated(ctx context.Context, c *client.Client, req client.Request, tol Tolerate) (*client.Response, Exchange, error) {
	res, err := c.Send(WithTolerate(ctx, &tol), req)
	var apiErr *client.APIError
	if err != nil && !(errors.As(err, &apiErr) && res != nil) {
		return nil, Exchange{}, err
	}
	ex, _ := tol.Exchange()
	return res, ex, nil
}

// Call sends r from a spec: a transport error or any spec violation of the
// exchange fails the spec with a message naming operation, status,
// location, expected and actual.
func Call(r Request) *Response {
	GinkgoHelper()
	f := Current()
	during := f.intr.current()
	resp, err := f.Do(context.Background(), r)
	if during != nil && during.Err() != nil {
		park() // an interrupt came while this call was out; see interrupts
	}
	if lost := f.TargetLost(); lost != nil {
		AbortSuite(lost.Error())
	}
	Expect(err).NotTo(HaveOccurred(), "%s: the request did not complete", r.Operation)
	Expect(resp.Violations).To(BeEmpty(), "%s answered %d in violation of the spec:\n%s",
		r.Operation, resp.Status, spec.Violations(resp.Violations))
	return resp
}

// ExpectStatus fails the spec unless the response has the given status.
func (r *Response) ExpectStatus(status int) *Response {
	GinkgoHelper()
	Expect(r.Status).To(Equal(status), "%s: status: expected %d, got %d (body: %s)",
		r.Operation.ID, status, r.Status, r.Snippet())
	return r
}

// Snippet is the start of the body, for failure messages.
func (r *Response) Snippet() string {
	const n = 300
	if len(r.Body) > n {
		return string(r.Body[:n]) + "..."
	}
	return string(r.Body)
}

// Object decodes the body as a JSON object, failing the spec if it is not one.
func (r *Response) Object() map[string]any {
	GinkgoHelper()
	var m map[string]any
	Expect(json.Unmarshal(r.Body, &m)).To(Succeed(), "%s: body is not a JSON object: %s", r.Operation.ID, r.Snippet())
	return m
}

// Decode decodes the body into v, failing the spec on malformed JSON.
func (r *Response) Decode(v any) {
	GinkgoHelper()
	Expect(json.Unmarshal(r.Body, v)).To(Succeed(), "%s: body does not decode: %s", r.Operation.ID, r.Snippet())
}

// Listed sends a list request, expects 200 and decodes the array the
// answer holds under member (none when the member is absent).
func Listed[T any](req Request, member string) []T {
	GinkgoHelper()
	resp := Call(req).ExpectStatus(http.StatusOK)
	var page map[string]json.RawMessage
	resp.Decode(&page)
	var items []T
	if raw := page[member]; raw != nil {
		Expect(json.Unmarshal(raw, &items)).To(Succeed(), "%s: body /%s does not decode: %s", req.Operation, member, resp.Snippet())
	}
	return items
}

// String is a top-level string member of a JSON object body ("" when absent).
func (r *Response) String(field string) string {
	GinkgoHelper()
	s, _ := r.Object()[field].(string)
	return s
}
