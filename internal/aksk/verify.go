package aksk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Why a request failed verification; test with errors.Is. The messages name
// what is wrong with the request and never carry the SK or the signature the
// server expected.
var (
	ErrMissing      = errors.New("missing AK/SK authentication")          // no Authorization or X-Sdk-Date
	ErrMalformed    = errors.New("malformed AK/SK authentication")        // unparsable Authorization, date or query
	ErrUnknownKey   = errors.New("unknown access key")                    // lookupSK does not know the AK
	ErrExpired      = errors.New("request time outside the allowed skew") // X-Sdk-Date too old or too far ahead
	ErrBadSignature = errors.New("signature does not match the request")  // wrong SK, or the request changed after signing
)

// DefaultMaxSkew is how far X-Sdk-Date may be from the server clock, as the
// API Gateway documents it.
const DefaultMaxSkew = 15 * time.Minute

var verifyPool = sync.Pool{New: func() any { return newCanonState() }}

// Precheck does the part of Verify that needs no body: Authorization parses,
// X-Sdk-Date is within maxSkew of now and the access key is known. A server
// runs it before reading a body, so that a stranger cannot make it buffer
// one. It returns the access key whenever Authorization could be parsed.
func Precheck(r *http.Request, lookupSK func(ak string) (sk string, ok bool), now time.Time, maxSkew time.Duration) (ak string, err error) {
	a, err := precheck(r, lookupSK, now, maxSkew)
	return a.ak, err
}

// authorization is what precheck found in a request's headers.
type authorization struct {
	ak, signedHeaders, sig, sk, date string
}

func precheck(r *http.Request, lookupSK func(ak string) (sk string, ok bool), now time.Time, maxSkew time.Duration) (authorization, error) {
	var a authorization
	if r == nil || r.URL == nil {
		return a, fmt.Errorf("%w: no request URL", ErrMalformed)
	}
	auth := r.Header.Get(HeaderAuthorization)
	if auth == "" {
		return a, fmt.Errorf("%w: no Authorization header", ErrMissing)
	}
	ak, signedHeaders, sig, err := parseAuthorization(auth)
	if err != nil {
		return a, err
	}
	a.ak = ak
	dateValue := r.Header.Get(HeaderDate)
	if dateValue == "" {
		return a, fmt.Errorf("%w: no %s header", ErrMissing, HeaderDate)
	}
	date, err := time.Parse(DateLayout, dateValue)
	if err != nil {
		return a, fmt.Errorf("%w: %s %q is not in the form %s", ErrMalformed, HeaderDate, dateValue, DateLayout)
	}
	if skew := now.Sub(date); skew > maxSkew || skew < -maxSkew {
		return a, fmt.Errorf("%w: %s %s is %s from server time, at most %s allowed", ErrExpired, HeaderDate, dateValue, skew.Abs().Round(time.Second), maxSkew)
	}
	sk, ok := lookupSK(ak)
	if !ok || sk == "" {
		return a, ErrUnknownKey
	}
	return authorization{ak: ak, signedHeaders: signedHeaders, sig: sig, sk: sk, date: dateValue}, nil
}

// Verify checks an SDK-HMAC-SHA256 signature on a request a server received:
// it parses Authorization, requires X-Sdk-Date within maxSkew of now, looks
// up the SK for the access key, recomputes the signature over the headers
// named in SignedHeaders (the host from r.Host) and compares in constant
// time. body is the request body as received. It returns the access key
// whenever Authorization could be parsed, so that the caller may log it.
func Verify(r *http.Request, body []byte, lookupSK func(ak string) (sk string, ok bool), now time.Time, maxSkew time.Duration) (ak string, err error) {
	a, err := precheck(r, lookupSK, now, maxSkew)
	if err != nil {
		return a.ak, err
	}
	ak = a.ak

	st := verifyPool.Get().(*canonState)
	defer verifyPool.Put(st)
	if err := st.begin(r.Method, r.URL.Path, r.URL.RawQuery); err != nil {
		return ak, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	declared := st.appendNamedHeaders(r, a.signedHeaders)
	if len(declared) > 0 && declared[0] != UnsignedPayload {
		// A declared hash stands in for the body, so it must be the body's.
		sum := sha256.Sum256(body)
		var sumHex [2 * sha256.Size]byte
		hex.Encode(sumHex[:], sum[:])
		if !hmac.Equal(sumHex[:], []byte(declared[0])) {
			return ak, fmt.Errorf("%w: %s differs from the body's SHA-256", ErrBadSignature, HeaderContentSha256)
		}
	}
	st.finish(st.payloadHash(declared, body))
	want := st.signature(hmac.New(sha256.New, []byte(a.sk)), []byte(a.date))
	if !hmac.Equal(want, []byte(a.sig)) {
		return ak, ErrBadSignature
	}
	return ak, nil
}

// appendNamedHeaders writes the canonical headers for the names in
// signedHeaders, in that order, and returns X-Sdk-Content-Sha256 when it is
// among them.
func (st *canonState) appendNamedHeaders(r *http.Request, signedHeaders string) (declared []string) {
	st.signed = append(st.signed[:0], signedHeaders...)
	b := st.buf
	for rest := signedHeaders; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		if name == "host" {
			b = appendHeaderLines(b, []byte(name), []string{r.Host})
			continue
		}
		values := r.Header.Values(name)
		if strings.EqualFold(name, HeaderContentSha256) {
			declared = values
		}
		b = appendHeaderLines(b, []byte(name), st.sortedValues(values))
	}
	st.buf = b
	return declared
}

// parseAuthorization splits
// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(auth string) (ak, signedHeaders, sig string, err error) {
	rest, ok := strings.CutPrefix(auth, Algorithm+" ")
	if !ok {
		return "", "", "", fmt.Errorf("%w: Authorization must start with %q", ErrMalformed, Algorithm+" ")
	}
	var seen [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", "", "", fmt.Errorf("%w: Authorization parts must be key=value", ErrMalformed)
		}
		var i int
		switch key {
		case "Access":
			i, ak = 0, value
		case "SignedHeaders":
			i, signedHeaders = 1, value
		case "Signature":
			i, sig = 2, value
		default:
			return "", "", "", fmt.Errorf("%w: Authorization has an unknown part %q", ErrMalformed, truncate(key, 32))
		}
		if seen[i] {
			return "", "", "", fmt.Errorf("%w: Authorization repeats %s", ErrMalformed, key)
		}
		seen[i] = true
	}
	switch {
	case ak == "":
		return "", "", "", fmt.Errorf("%w: Authorization has no Access", ErrMalformed)
	case !validSignedHeaders(signedHeaders):
		return "", "", "", fmt.Errorf("%w: SignedHeaders must be lower-case header names joined by ';'", ErrMalformed)
	case !validSignature(sig):
		return "", "", "", fmt.Errorf("%w: Signature must be 64 lower-case hex digits", ErrMalformed)
	}
	return ak, signedHeaders, sig, nil
}

func validSignedHeaders(s string) bool {
	if s == "" {
		return false
	}
	for name := range strings.SplitSeq(s, ";") {
		if name == "" {
			return false
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
				return false
			}
		}
	}
	return true
}

func validSignature(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
