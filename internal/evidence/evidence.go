// Package evidence owns what a run keeps of its exchanges so a failure can be read and replayed: redacted request/response records, failure ids, failures.json, HAR and curl reproductions.
//
// Every producer of exchanges (the contract framework's validating
// transport, the fuzzer, the sequence runner, the proxy) records into one
// Recorder. Recording redacts: credential headers, the run's secrets
// wherever they appear, and JSON members that name a password, so nothing
// a Recorder holds or writes carries a secret. A Failure holds the request
// that broke a rule (shrunk when a generator found it), the answer, the rule
// in words and an Expect that replay checks again without the code that
// found it.
package evidence

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"
)

// Request is an HTTP request as sent, after redaction.
type Request struct {
	Method string      `json:"method"`
	URL    string      `json:"url"` // absolute: scheme://host/path?query
	Header http.Header `json:"header,omitempty"`
	Body   Body        `json:"body,omitzero"`
}

// Response is an HTTP answer as received, after redaction.
type Response struct {
	Status int         `json:"status"`
	Header http.Header `json:"header,omitempty"`
	Body   Body        `json:"body,omitzero"`
}

// Body is a message body kept as text when it is UTF-8 and as base64
// otherwise, the way HAR keeps it, so failures.json stays readable.
type Body struct {
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"` // "base64" or empty
	// Clipped is the body's size on the wire when Text holds only its
	// start (a report's copy); failures.json never clips.
	Clipped int `json:"clipped,omitempty"`
}

// NewBody keeps b in the readable form.
func NewBody(b []byte) Body {
	if utf8.Valid(b) {
		return Body{Text: string(b)}
	}
	return Body{Text: base64.StdEncoding.EncodeToString(b), Encoding: "base64"}
}

// Bytes is the body as it went over the wire.
func (b Body) Bytes() []byte {
	if b.Encoding == "base64" {
		out, err := base64.StdEncoding.DecodeString(b.Text)
		if err == nil {
			return out
		}
	}
	return []byte(b.Text)
}

// Len is the body's size in bytes on the wire.
func (b Body) Len() int {
	if b.Clipped > 0 {
		return b.Clipped
	}
	return len(b.Bytes())
}

// Violation is one broken rule of the spec or of a check, where it was
// found and what was expected (spec.Violation carries over field by field).
type Violation struct {
	Status   int    `json:"status,omitempty"` // 0 for a request-side violation
	Location string `json:"location"`         // "body /runtime", "header X-Cff-Request-Id", "status", ...
	Expected string `json:"expected,omitempty"`
	Actual   string `json:"actual,omitempty"`
	Message  string `json:"message,omitempty"`
}

// Exchange is one request and its answer (or the error that took its place).
type Exchange struct {
	ID         string        `json:"id"`        // "x<n>" in recording order, set by Record
	Operation  string        `json:"operation"` // operationId, or "METHOD PATH" when nothing matched
	Started    time.Time     `json:"started"`
	Duration   time.Duration `json:"duration_ns"`
	Request    Request       `json:"request"`
	Response   *Response     `json:"response,omitempty"` // nil when no answer came
	Error      string        `json:"error,omitempty"`
	Violations []Violation   `json:"violations,omitempty"`
}

// FromHTTP builds an Exchange from what net/http handed the caller; the
// bodies are the ones already read, since req.Body and resp.Body are
// consumed. resp may be nil (no answer). Nothing is redacted yet: Record
// and Fail do that.
func FromHTTP(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) Exchange {
	ex := Exchange{Request: Request{Method: req.Method, URL: absoluteURL(req), Header: req.Header.Clone(), Body: NewBody(reqBody)}}
	if req.Host != "" && req.Host != req.URL.Host {
		if ex.Request.Header == nil {
			ex.Request.Header = http.Header{}
		}
		ex.Request.Header.Set("Host", req.Host)
	}
	if resp != nil {
		ex.Response = &Response{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: NewBody(respBody)}
	}
	return ex
}

func absoluteURL(req *http.Request) string {
	u := *req.URL
	if u.Host == "" {
		u.Host = req.Host
	}
	if u.Scheme == "" {
		u.Scheme = "http"
		if req.TLS != nil {
			u.Scheme = "https"
		}
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}).String()
}
