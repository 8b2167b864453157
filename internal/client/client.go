package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultUserAgent identifies fgharness to the endpoint unless WithUserAgent says otherwise.
const DefaultUserAgent = "fgharness"

// MaxResponseBody bounds what one response may hold in memory: the largest
// documented answer is a 6 MB invocation result, so anything past this is a
// defect in its own right and is not read further.
const MaxResponseBody = 32 << 20

// ErrResponseTooLarge is the error of an answer longer than MaxResponseBody.
var ErrResponseTooLarge = fmt.Errorf("response larger than %d MB", MaxResponseBody>>20)

// Client calls one FunctionGraph target. It is safe for concurrent use.
type Client struct {
	target    Target
	base      *url.URL
	http      *http.Client
	userAgent string
	now       func() time.Time
	creds     Credentials
	redact    *strings.Replacer
	iam       *url.URL // IAM endpoint for IAMToken
}

// Option configures a Client.
type Option func(*options)

type options struct {
	httpClient  *http.Client
	transport   http.RoundTripper
	timeout     time.Duration
	userAgent   string
	now         func() time.Time
	iamEndpoint string
}

// WithHTTPClient sends requests through hc (its transport, timeout and
// redirect policy) instead of a client of our own.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.httpClient = hc } }

// WithTransport sends requests through rt, e.g. a spec-validating wrapper.
func WithTransport(rt http.RoundTripper) Option { return func(o *options) { o.transport = rt } }

// WithTimeout bounds each call, connection to last body byte.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(o *options) { o.userAgent = ua } }

// WithClock sets the clock that dates AK/SK signatures (X-Sdk-Date).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// New returns a Client for t, which must pass t.Validate except that it
// may carry no credentials at all: such a client sends requests
// unauthenticated, which is what IAMToken, RegisterExtension and negative
// tests need. With both a token and AK/SK, the token is used (see Credentials).
func New(t Target, opts ...Option) (*Client, error) {
	check := t
	if t.Token == "" && t.AK == "" && t.SK == "" {
		check.Token = "none" // lets Validate judge URL and project alone
	}
	if err := check.Validate(); err != nil {
		return nil, fmt.Errorf("client for %s: %w", t, err)
	}
	base, err := url.Parse(strings.TrimSuffix(t.BaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", t, err)
	}
	o := options{userAgent: DefaultUserAgent, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	var hc http.Client
	if o.httpClient != nil {
		hc = *o.httpClient
	} else {
		// A contract test wants to see a redirect, and must not forward
		// X-Auth-Token to wherever it points.
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	if o.transport != nil {
		hc.Transport = o.transport
	}
	if o.timeout > 0 {
		hc.Timeout = o.timeout
	}
	c := &Client{target: t, base: base, iam: base, http: &hc, userAgent: o.userAgent, now: o.now, redact: redactor(t.Token, t.SK)}
	if o.iamEndpoint != "" {
		if c.iam, err = url.Parse(o.iamEndpoint); err != nil || c.iam.Host == "" {
			return nil, fmt.Errorf("client for %s: IAM endpoint %q is not an absolute URL", t, o.iamEndpoint)
		}
	}
	c.creds = t.Credentials()
	return c, nil
}

// Target is the endpoint and credentials this client calls.
func (c *Client) Target() Target { return c.target }

// Request is one API call in full, for callers that need more than Do
// offers: extra or overriding headers, or no credentials at all.
type Request struct {
	Operation string // names the call in errors, e.g. "ShowFunctionConfig"
	Method    string
	Path      string // escaped path; "{project_id}" is filled from the target
	Query     url.Values
	Header    http.Header // added after the defaults, replacing any of the same name
	Body      any         // nil, []byte/json.RawMessage/string sent as they are, else JSON-encoded
	NoAuth    bool        // send neither token nor signature
	// BaseURL sends to another endpoint than the target's, e.g. an
	// Extension API; empty means the target.
	BaseURL string

	base    *url.URL // another endpoint than the target's (IAM, Extension API)
	secrets []string // more strings to keep out of errors (a password)
}

// Response is an answer of any status.
type Response struct {
	Operation string
	Method    string
	Path      string
	Status    int
	Header    http.Header
	Body      []byte
}

// Decode unmarshals the JSON body into v.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("%s: decode %d response body: %w", r.call(), r.Status, err)
	}
	return nil
}

func (r *Response) call() string {
	return strings.TrimSpace(r.Operation + " " + r.Method + " " + r.Path)
}

// Do calls method path with query and body, authenticated as the target
// says. path may hold "{project_id}". A non-2xx answer returns both the
// Response and an *APIError.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body any) (*Response, error) {
	return c.Send(ctx, Request{Method: method, Path: path, Query: query, Body: body})
}

// Send performs req; see Do.
func (c *Client) Send(ctx context.Context, req Request) (*Response, error) {
	path := strings.ReplaceAll(req.Path, "{project_id}", url.PathEscape(c.target.ProjectID))
	res := &Response{Operation: req.Operation, Method: req.Method, Path: path}
	redact := c.redact
	if len(req.secrets) > 0 {
		redact = redactor(append([]string{c.target.Token, c.target.SK}, req.secrets...)...)
	}
	fail := func(step string, err error) error {
		return &callError{msg: redact.Replace(res.call() + ": " + step + ": " + err.Error()), err: err}
	}
	body, err := encodeBody(req.Body)
	if err != nil {
		return nil, fail("encode request body", err)
	}
	base := c.base
	switch {
	case req.base != nil:
		base = req.base
	case req.BaseURL != "":
		if base, err = url.Parse(strings.TrimSuffix(req.BaseURL, "/")); err != nil {
			return nil, fail("build URL", err)
		}
	}
	u, err := resolve(base, path, req.Query)
	if err != nil {
		return nil, fail("build URL", err)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fail("build request", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("User-Agent", c.userAgent)
	for k, vs := range req.Header {
		k = http.CanonicalHeaderKey(k)
		switch {
		case len(vs) == 0: // an empty entry removes a default, e.g. Content-Type
			delete(hr.Header, k)
		case k == "Host":
			hr.Host = vs[0]
		default:
			hr.Header[k] = vs
		}
	}
	if !req.NoAuth {
		if err := c.creds.Apply(hr, body, c.now()); err != nil {
			return nil, fail("authenticate", err)
		}
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, fail("send", err)
	}
	defer resp.Body.Close()
	res.Status, res.Header = resp.StatusCode, resp.Header
	res.Body, err = io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody+1))
	if err != nil {
		return res, fail("read response", err)
	}
	if len(res.Body) > MaxResponseBody {
		return res, fail("read response", ErrResponseTooLarge)
	}
	if res.Status < 200 || res.Status > 299 {
		return res, newAPIError(res, redact)
	}
	return res, nil
}

// resolve joins the base URL and an escaped path, and encodes query with
// %20 for spaces as the SDK does.
func resolve(base *url.URL, path string, query url.Values) (*url.URL, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("path %q must start with /", path)
	}
	u, err := url.Parse(base.String() + path)
	if err != nil {
		return nil, err
	}
	if len(query) > 0 {
		q := strings.ReplaceAll(query.Encode(), "+", "%20")
		if u.RawQuery != "" {
			q = u.RawQuery + "&" + q
		}
		u.RawQuery = q
	}
	return u, nil
}

func encodeBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	case string:
		return []byte(b), nil
	default:
		return json.Marshal(b)
	}
}

// callError carries a message with secrets removed; Unwrap still reaches
// the cause (context.DeadlineExceeded and the like) for errors.Is.
type callError struct {
	msg string
	err error
}

func (e *callError) Error() string { return e.msg }
func (e *callError) Unwrap() error { return e.err }

// redactor replaces each non-empty secret with "***".
func redactor(secrets ...string) *strings.Replacer {
	var pairs []string
	for _, s := range secrets {
		if s != "" {
			pairs = append(pairs, s, "***")
		}
	}
	return strings.NewReplacer(pairs...)
}

// pathEscape escapes one path parameter (a URN keeps its colons).
func pathEscape(s string) string { return url.PathEscape(s) }

var errEmptyParam = errors.New("empty path parameter")

// need reports an empty path parameter before the request goes out with "//".
func need(op string, params ...string) error {
	for _, p := range params {
		if p == "" {
			return fmt.Errorf("%s: %w", op, errEmptyParam)
		}
	}
	return nil
}

// sendChecked is Send after need has checked the request's path parameters.
func (c *Client) sendChecked(ctx context.Context, req Request, pathParams ...string) (*Response, error) {
	if err := need(req.Operation, pathParams...); err != nil {
		return nil, err
	}
	return c.Send(ctx, req)
}

// call is sendChecked for the typed helpers: it decodes a 2xx body into a
// T, left zero when the body is empty.
func call[T any](ctx context.Context, c *Client, req Request, pathParams ...string) (*T, error) {
	res, err := c.sendChecked(ctx, req, pathParams...)
	if err != nil {
		return nil, err
	}
	var out T
	if len(res.Body) > 0 {
		if err := res.Decode(&out); err != nil {
			return nil, err
		}
	}
	return &out, nil
}
