package proxy

import (
	"net/http"
	"strings"
	"sync"

	"github.com/fgharness/fgharness/internal/evidence"
)

// maxSecrets bounds how many distinct client credentials the proxy
// remembers for scrubbing; the oldest are forgotten first. Each exchange
// is redacted with its own credentials when it is recorded, so forgetting
// only weakens the final scrub of the written files.
const maxSecrets = 256

// secretHeaders carry a credential value the clients or the upstream send.
var secretHeaders = []string{"X-Auth-Token", "X-Security-Token", "X-Subject-Token"}

// secretSet is the credentials the proxy has seen pass, kept so that no
// report, log line or error message repeats one. The proxy is told none
// of them in advance: the clients bring their own.
type secretSet struct {
	mu    sync.Mutex
	seen  map[string]bool
	order []string
}

func newSecretSet() *secretSet { return &secretSet{seen: map[string]bool{}} }

// credentialsIn lists the credential values of h: tokens, and the
// signature of an Authorization header.
func credentialsIn(h http.Header) []string {
	var out []string
	for _, k := range secretHeaders {
		for _, v := range h.Values(k) {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	if _, sig, ok := strings.Cut(h.Get("Authorization"), "Signature="); ok && sig != "" {
		out = append(out, sig)
	}
	return out
}

func (s *secretSet) fromHeader(h http.Header) {
	vals := credentialsIn(h)
	if len(vals) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) < 4 || s.seen[v] {
			continue
		}
		s.seen[v] = true
		s.order = append(s.order, v)
		if len(s.order) > maxSecrets {
			delete(s.seen, s.order[0])
			s.order = s.order[1:]
		}
	}
}

func (s *secretSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// redact replaces every remembered credential in text.
func (s *secretSet) redact(text string) string {
	return evidence.NewRedactor(s.list()...).Text(text)
}

// redactor redacts one exchange: its own credentials wherever they appear,
// besides the credential headers every Redactor blanks. The response's
// credentials (an issued token) are remembered too.
func (s *secretSet) redactor(reqHeader, respHeader http.Header) *evidence.Redactor {
	s.fromHeader(respHeader)
	return evidence.NewRedactor(append(credentialsIn(reqHeader), credentialsIn(respHeader)...)...)
}
