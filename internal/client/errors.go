package client

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fgharness/fgharness/internal/fgs"
)

// APIError is a non-2xx answer, read from the standard error body
// {"error_code", "error_msg", "request_id"}.
type APIError struct {
	Operation string // the helper that made the call; empty for Do
	Method    string
	Path      string
	Status    int
	Code      string // error_code, e.g. FSS.1051
	Message   string // error_msg, or the start of a body that was not the standard one
	RequestID string // request_id, else the X-Request-Id or X-Cff-Request-Id header
}

func (e *APIError) Error() string {
	var b strings.Builder
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request " + e.RequestID + ")")
	}
	return b.String()
}

// newAPIError reads res as an error answer; text the server echoed is
// cleared of the client's secrets.
func newAPIError(res *Response, redact *strings.Replacer) *APIError {
	e := &APIError{Operation: res.Operation, Method: res.Method, Path: res.Path, Status: res.Status}
	var body fgs.ErrorBody
	if err := json.Unmarshal(res.Body, &body); err == nil && (body.ErrorCode != "" || body.ErrorMsg != "") {
		e.Code, e.Message, e.RequestID = body.ErrorCode, body.ErrorMsg, body.RequestID
	} else {
		e.Message = string(res.Body)
	}
	if e.RequestID == "" {
		e.RequestID = res.Header.Get("X-Request-Id")
	}
	if e.RequestID == "" {
		e.RequestID = res.Header.Get("X-Cff-Request-Id")
	}
	// Redact before shortening, so that no part of a secret survives a cut.
	e.Code = excerpt(redact.Replace(e.Code), 64)
	e.Message = excerpt(redact.Replace(e.Message), 300)
	e.RequestID = excerpt(redact.Replace(e.RequestID), 128)
	return e
}

// excerpt shortens s to at most n bytes on a rune boundary, on one line.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
