package evidence

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// Redacted stands in for every secret a record held.
const Redacted = "<redacted>"

// credentialHeaders carry a credential whatever their value; they stay in
// the record (a reader sees that the request was authenticated) with the
// value replaced. X-Sdk-Date is not one: the date of a signature is no secret.
var credentialHeaders = []string{"X-Auth-Token", "Authorization", "X-Security-Token", "X-Subject-Token", "Cookie", "Set-Cookie", "Proxy-Authorization"}

// CredentialHeader tells whether a header of that name carries a credential.
func CredentialHeader(name string) bool {
	for _, h := range credentialHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// secretMembers are JSON member names whose value is a secret in any body
// FunctionGraph or IAM exchange (the IAM token request carries a password).
var secretMembers = map[string]bool{"password": true, "secret": true, "sk": true, "secret_key": true, "secretkey": true, "access_secret": true}

// Redactor removes credentials from records.
type Redactor struct {
	secrets []string
}

// NewRedactor redacts the credential headers, JSON members naming a
// password or secret key, and every occurrence of secrets (values shorter
// than 4 characters are ignored: they would redact ordinary text).
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if len(s) >= 4 {
			r.secrets = append(r.secrets, s, url.QueryEscape(s))
		}
	}
	return r
}

// Text replaces every secret in s.
func (r *Redactor) Text(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, Redacted)
	}
	return s
}

// Header returns a redacted copy of h.
func (r *Redactor) Header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			if CredentialHeader(k) {
				cp[i] = Redacted
			} else {
				cp[i] = r.Text(v)
			}
		}
		out[k] = cp
	}
	return out
}

// Body returns b with secret members and secrets replaced. A JSON body is
// re-encoded only when a secret member was found, so bodies without one
// keep their exact bytes (a replay sends what was sent).
func (r *Redactor) Body(b Body) Body {
	if b.Encoding == "" && strings.ContainsAny(b.Text, "{") {
		if text, changed := redactMembers(b.Text); changed {
			b.Text = text
		}
	}
	if b.Encoding == "" {
		b.Text = r.Text(b.Text)
	}
	return b
}

func redactMembers(text string) (string, bool) {
	var v any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return text, false
	}
	if !scrubMembers(v) {
		return text, false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return text, false
	}
	return strings.TrimSuffix(buf.String(), "\n"), true
}

func scrubMembers(v any) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if _, isString := child.(string); isString && secretMembers[strings.ToLower(k)] {
				t[k] = Redacted
				changed = true
				continue
			}
			changed = scrubMembers(child) || changed
		}
	case []any:
		for _, child := range t {
			changed = scrubMembers(child) || changed
		}
	}
	return changed
}

// Request returns a redacted copy of q.
func (r *Redactor) Request(q Request) Request {
	q.URL = r.Text(q.URL)
	q.Header = r.Header(q.Header)
	q.Body = r.Body(q.Body)
	return q
}

// Response returns a redacted copy of p (nil stays nil).
func (r *Redactor) Response(p *Response) *Response {
	if p == nil {
		return nil
	}
	cp := *p
	cp.Header = r.Header(p.Header)
	cp.Body = r.Body(p.Body)
	return &cp
}

// Exchange returns a redacted copy of ex.
func (r *Redactor) Exchange(ex Exchange) Exchange {
	ex.Request = r.Request(ex.Request)
	ex.Response = r.Response(ex.Response)
	ex.Error = r.Text(ex.Error)
	ex.Violations = r.violations(ex.Violations)
	return ex
}

func (r *Redactor) violations(vs []Violation) []Violation {
	if vs == nil {
		return nil
	}
	out := make([]Violation, len(vs))
	for i, v := range vs {
		v.Expected, v.Actual, v.Message = r.Text(v.Expected), r.Text(v.Actual), r.Text(v.Message)
		out[i] = v
	}
	return out
}
