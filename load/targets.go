package load

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fgharness/fgharness/internal/client"
)

// Validator checks one sampled exchange against the spec and returns what it found.
type Validator func(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []string

// Invocation is the request template of the sync-invoke scenario: the body is
// built once; each request only gets a fresh signature (with AK/SK).
type Invocation struct {
	BaseURL     string
	ProjectID   string
	FunctionURN string
	// Auth is the target's credentials (client.Target.Credentials): the
	// client's precedence rule decides between token and AK/SK.
	Auth    client.Credentials
	Body    []byte
	LogType string // X-Cff-Log-Type, e.g. "tail"
	// RequestIDs makes every result carry X-Cff-Request-Id (fan-out accounting needs it).
	RequestIDs bool
	// Validate, when set, checks every SampleEvery-th response against the spec.
	Validate    Validator
	SampleEvery uint64
	// Timeout bounds each request (DefaultTimeout when zero).
	Timeout time.Duration
	// Connections caps the connections of the plain-HTTP fast path (64 when zero).
	Connections int
	// NetHTTP sends every request through net/http, even to http:// targets
	// (with HTTP/2 when the server offers it over TLS).
	NetHTTP bool
	// TLS configures https:// connections of the fast path (nil: the system's roots).
	TLS *tls.Config
}

// InvocationURL is POST /v2/{project_id}/fgs/functions/{function_urn}/invocations on base.
func InvocationURL(base, projectID, urn string) string {
	return strings.TrimRight(base, "/") + "/v2/" + url.PathEscape(projectID) + "/fgs/functions/" + url.PathEscape(urn) + "/invocations"
}

// InvokeHitter sends sync invocations from an Invocation template: through
// its own HTTP/1.1 connections (see http1Client), through net/http with
// NetHTTP (--http2) and for sampled validations. Both paths time the
// connections they open.
type InvokeHitter struct {
	inv    Invocation
	client *http.Client
	base   *http.Request
	fast   *http1Client
	wire   []byte // the whole request, when it is the same every time (no signing)
	// orphans are connections net/http finished opening after their request was recorded.
	orphans orphanDials
	// answers counts net/http answers by protocol: [0] HTTP/1.x, [1] HTTP/2.
	answers [2]atomic.Int64
}

// NewInvokeHitter prepares the template: URL parsed and headers built once.
func NewInvokeHitter(inv Invocation, client *http.Client) (*InvokeHitter, error) {
	u := InvocationURL(inv.BaseURL, inv.ProjectID, inv.FunctionURN)
	base, err := http.NewRequest(http.MethodPost, u, nil)
	if err != nil {
		return nil, fmt.Errorf("invocation URL %s: %w", u, err)
	}
	base.Header.Set("Content-Type", "application/json")
	if inv.ProjectID != "" {
		base.Header.Set("X-Project-Id", inv.ProjectID)
	}
	if !inv.Auth.Signs() { // a token (or nothing) is the same on every request
		if err := inv.Auth.Apply(base, nil, time.Time{}); err != nil {
			return nil, err
		}
	}
	if inv.LogType != "" {
		base.Header.Set("X-Cff-Log-Type", inv.LogType)
	}
	base.ContentLength = int64(len(inv.Body))
	if inv.Timeout <= 0 {
		inv.Timeout = DefaultTimeout
	}
	h := &InvokeHitter{inv: inv, client: client, base: base}
	if scheme := base.URL.Scheme; (scheme == "http" || scheme == "https") && !inv.NetHTTP {
		conns := inv.Connections
		if conns <= 0 {
			conns = 64
		}
		var tlsConf *tls.Config
		if scheme == "https" {
			tlsConf = inv.TLS
			if tlsConf == nil {
				tlsConf = &tls.Config{MinVersion: tls.VersionTLS12, ClientSessionCache: tls.NewLRUClientSessionCache(conns)}
			}
		}
		h.fast = newHTTP1Client(base.URL, conns, inv.Timeout, tlsConf)
		if !inv.Auth.Signs() {
			h.wire = appendRequest(nil, base, inv.Body)
		}
	}
	return h, nil
}

// Abort unblocks every request in flight; the runner calls it when an interrupted attack's drain grace ends.
func (h *InvokeHitter) Abort() {
	if h.fast != nil {
		h.fast.abort()
	}
}

// Close releases idle connections.
func (h *InvokeHitter) Close() {
	if h.fast != nil {
		h.fast.close()
	}
	h.client.CloseIdleConnections()
}

// hitFast is the hot path: prebuilt bytes (or a fresh signature serialized
// into the connection's buffer), one write, the answer parsed in place.
func (h *InvokeHitter) hitFast(ctx context.Context, start time.Time, res *Result) {
	var build func([]byte) []byte
	if h.wire == nil {
		req, err := h.Request(ctx, time.Now())
		if err != nil {
			res.Error = err.Error()
			res.Done = time.Since(start)
			return
		}
		build = func(dst []byte) []byte { return appendRequest(dst, req, h.inv.Body) }
	}
	res.BytesOut = uint64(len(h.inv.Body))
	res.Sent = time.Since(start)
	var dt dialTimes
	ans, err := h.fast.do(ctx, h.wire, build, h.inv.RequestIDs, &dt)
	res.Done = doneAt(start, res.Sent, ans.received)
	dt.fill(res)
	res.Code = uint16(ans.status)
	res.BytesIn = uint64(ans.bytesIn)
	res.RequestID = ans.requestID
	if err != nil {
		res.Error = transportError(err)
		return
	}
	res.Error = invocationError(ans.status, http.StatusText(ans.status), ans.body, ans.invalidJSON)
}

// protocol is what the hitter spoke, for report.json: through net/http
// (--http2), what its answers actually came over, since the server may not
// offer HTTP/2; otherwise what the settings choose.
func (h *InvokeHitter) protocol(settings TLS) string {
	https := h.base.URL.Scheme == "https"
	h1, h2 := h.answers[0].Load(), h.answers[1].Load()
	switch {
	case !h.inv.NetHTTP || h1+h2 == 0:
		return settings.Protocol(https)
	case h1 == 0:
		return "HTTP/2 over TLS (net/http)"
	case h2 > 0:
		return fmt.Sprintf("HTTP/2 over TLS (net/http; %d of %d answers came over HTTP/1.1)", h1, h1+h2)
	case https:
		return "HTTP/1.1 over TLS (net/http: the server did not offer HTTP/2)"
	}
	return "HTTP/1.1 (net/http)"
}

// invocationError is why an answer is not the documented success of a
// synchronous invocation, "" when it is: a 2xx whose body is JSON (or text,
// when the answer declares text: X-CFF-Request-Version v0). A redirect is a
// failure too: the generator does not follow it.
func invocationError(code int, status string, body []byte, invalidJSON bool) string {
	switch {
	case code < 200 || code >= 300:
		return statusError(code, status, body)
	case invalidJSON:
		return strconv.Itoa(code) + " with a body that is not valid JSON"
	}
	return ""
}

// Request builds the request for one hit: a shallow copy of the template with
// its own body reader and, with AK/SK, its own headers and a fresh signature.
func (h *InvokeHitter) Request(ctx context.Context, now time.Time) (*http.Request, error) {
	req := h.base.WithContext(ctx)
	body := h.inv.Body
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	if h.inv.Auth.Signs() {
		req.Header = h.base.Header.Clone()
		if err := h.inv.Auth.Apply(req, body, now); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// Hit implements Hitter.
func (h *InvokeHitter) Hit(ctx context.Context, start time.Time, res *Result) {
	sample := h.inv.Validate != nil && h.inv.SampleEvery > 0 && res.Seq%h.inv.SampleEvery == 0
	if h.fast != nil && !sample {
		h.hitFast(ctx, start, res)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, h.inv.Timeout)
	defer cancel()
	ctx, dials := withDialTrace(ctx, &h.orphans, h.base.URL.Scheme == "https")
	defer dials.fill(res)
	req, err := h.Request(ctx, time.Now())
	if err != nil {
		res.Error = err.Error()
		res.Done = time.Since(start)
		return
	}
	res.BytesOut = uint64(len(h.inv.Body))
	res.Sent = time.Since(start)
	resp, err := h.client.Do(req)
	if err != nil {
		res.Done = time.Since(start)
		if ctx.Err() != nil {
			err = context.Cause(ctx) // the run's cutoff or an interrupt, not a failure of the target
		}
		res.Error = transportError(err)
		return
	}
	res.Code = uint16(resp.StatusCode)
	if resp.ProtoMajor == 2 {
		h.answers[1].Add(1)
	} else {
		h.answers[0].Add(1)
	}
	text := strings.HasPrefix(strings.ToLower(resp.Header.Get("Content-Type")), "text/")
	if ok := resp.StatusCode >= 200 && resp.StatusCode < 300; sample || !ok || !text {
		var body []byte
		body, err = io.ReadAll(io.LimitReader(resp.Body, checkBodyLimit+1))
		rest, _ := io.Copy(io.Discard, resp.Body)
		res.BytesIn = uint64(int64(len(body)) + rest)
		res.Done = time.Since(start)
		if err == nil {
			invalid := ok && !text && len(body) <= checkBodyLimit && !json.Valid(body)
			res.Error = invocationError(resp.StatusCode, resp.Status, body, invalid)
		}
		if sample && err == nil {
			res.Checked = true
			res.Violations = h.inv.Validate(req, h.inv.Body, resp, body)
		}
	} else {
		var n int64
		n, err = io.Copy(io.Discard, resp.Body)
		res.BytesIn = uint64(n)
		res.Done = time.Since(start)
	}
	resp.Body.Close()
	if err != nil && res.Error == "" {
		res.Error = "read response: " + transportError(err)
	}
	if h.inv.RequestIDs {
		res.RequestID = resp.Header.Get("X-Cff-Request-Id")
	}
}

// transportError drops the URL from net/http's errors: the message is counted
// per distinct text, and a URL adds nothing but length.
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled: attack interrupted"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return err.Error()
}

// statusError names a failed answer by status and FunctionGraph error code when the body has one.
func statusError(code int, status string, body []byte) string {
	var e struct {
		Code string `json:"error_code"`
	}
	if json.Unmarshal(body, &e) == nil && e.Code != "" {
		return strconv.Itoa(code) + " " + e.Code
	}
	if !strings.HasPrefix(status, strconv.Itoa(code)) {
		status = strconv.Itoa(code) + " " + status
	}
	return status
}

// NewHTTPClient is the generator's net/http client: at most connections
// connections to the target, all kept alive, no proxy from the environment,
// no compression, no timeout of its own (requests carry a context deadline).
func NewHTTPClient(connections int) *http.Client { return newHTTPClient(connections, nil, false) }

// newHTTPClient is NewHTTPClient with a TLS configuration, speaking HTTP/2
// only when http2 is set (otherwise HTTP/1.1, like the fast path).
func newHTTPClient(connections int, tlsConf *tls.Config, http2 bool) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:       tlsConf,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          connections,
		MaxIdleConnsPerHost:   connections,
		MaxConnsPerHost:       connections,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     http2,
		ExpectContinueTimeout: time.Second,
	}
	if !http2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // no HTTP/2
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// Payload is a JSON body of exactly size bytes: {"payload":"xxxx…"}.
func Payload(size int) []byte {
	const head, tail = `{"payload":"`, `"}`
	if size < len(head)+len(tail) {
		return []byte(`{}`)
	}
	b := make([]byte, 0, size)
	b = append(b, head...)
	for len(b) < size-len(tail) {
		b = append(b, 'x')
	}
	return append(b, tail...)
}

// ParseSize reads "512", "512B", "1KB", "1KiB", "2MB" (K and M are powers of 1024).
func ParseSize(s string) (int, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"K", 1 << 10}, {"M", 1 << 20}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 || n > 64<<20/mult {
		return 0, fmt.Errorf("size %q: want bytes like 512, 1KB or 2MB (at most 64MB)", s)
	}
	return n * mult, nil
}

// doneAt is when an answer was received, relative to start: the kernel's
// receive time when known (the answer may have been read later, at the
// pacer's next tick), never before sent nor after now.
func doneAt(start time.Time, sent time.Duration, received int64) time.Duration {
	now := time.Now()
	done := now.Sub(start)
	if received == 0 {
		return done
	}
	return max(sent, done-max(0, time.Duration(now.UnixNano()-received)))
}
