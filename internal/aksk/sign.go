package aksk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Signer signs requests with one AK/SK pair. It is safe for concurrent use
// and reuses its scratch buffers and keyed HMAC between calls, which is what
// a load generator signing every request needs. Create it with NewSigner.
type Signer struct {
	ak   string
	sk   []byte
	pool sync.Pool // *signState
}

type signState struct {
	canonState
	mac hash.Hash // keyed with the Signer's SK
	out []byte    // X-Sdk-Date value followed by the Authorization value
}

// NewSigner returns a Signer for the pair; an empty AK or SK makes every Sign fail.
func NewSigner(ak, sk string) *Signer {
	s := &Signer{ak: ak, sk: []byte(sk)}
	s.pool.New = func() any {
		return &signState{
			canonState: *newCanonState(),
			mac:        hmac.New(sha256.New, s.sk),
			out:        make([]byte, 0, 256),
		}
	}
	return s
}

// Sign signs r as the SDK would with a fresh Signer; see (*Signer).Sign.
func Sign(r *http.Request, body []byte, ak, sk string, now time.Time) error {
	return NewSigner(ak, sk).Sign(r, body, now)
}

// Sign sets X-Sdk-Date (now, in UTC) and Authorization on r. body must be the
// bytes r will send. Every header already on r is signed, lower-cased and
// sorted, except Content-Type* and names holding '_'; a previous X-Sdk-Date or
// Authorization is replaced, so a retried request can be signed again. As in
// the SDK, a Content-Type other than JSON or BSON adds
// X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD and leaves the body unsigned.
// "host" is signed only when r.Header carries a Host entry; r.Host is then
// set to it so that the signed host is the one sent.
func (s *Signer) Sign(r *http.Request, body []byte, now time.Time) error {
	switch {
	case s == nil || s.ak == "":
		return errors.New("sign request: no access key (AK)")
	case len(s.sk) == 0:
		return errors.New("sign request: no secret key (SK)")
	case r == nil || r.URL == nil:
		return errors.New("sign request: no request URL")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	h := r.Header
	for k := range h {
		if strings.EqualFold(k, HeaderDate) || strings.EqualFold(k, HeaderAuthorization) {
			delete(h, k)
		}
	}
	if ct, ok := h["Content-Type"]; ok {
		v := ""
		if len(ct) > 0 {
			v = ct[0]
		}
		if !strings.Contains(v, "application/json") && !strings.Contains(v, "application/bson") {
			h[HeaderContentSha256] = []string{UnsignedPayload}
		}
	}

	st := s.pool.Get().(*signState)
	defer s.pool.Put(st)
	date := now.UTC().AppendFormat(st.date[:0], DateLayout)

	if err := st.begin(r.Method, r.URL.Path, r.URL.RawQuery); err != nil {
		return fmt.Errorf("sign %s %s: %w", methodOf(r), r.URL.Path, err)
	}
	host := st.appendRequestHeaders(h, date)
	st.finish(st.payloadHash(h[HeaderContentSha256], body))
	sig := st.signature(st.mac, date)

	out := append(st.out[:0], date...)
	out = append(out, Algorithm+" Access="...)
	out = append(out, s.ak...)
	out = append(out, ", SignedHeaders="...)
	out = append(out, st.signed...)
	out = append(out, ", Signature="...)
	out = append(out, sig...)
	st.out = out
	both := string(out) // one allocation serves both header values
	vals := make([]string, 2)
	vals[0], vals[1] = both[:len(date)], both[len(date):]
	h[HeaderDate] = vals[0:1:1]
	h[HeaderAuthorization] = vals[1:2:2]
	if host != "" {
		r.Host = host
	}
	return nil
}

func methodOf(r *http.Request) string {
	if r.Method == "" {
		return http.MethodGet
	}
	return r.Method
}

// begin writes method, canonical URI and canonical query, each ending in '\n'.
func (st *canonState) begin(method, path, rawQuery string) error {
	if method == "" {
		method = http.MethodGet
	}
	b := append(st.buf[:0], method...)
	b = append(b, '\n')
	b = appendURI(b, path)
	b = append(b, '\n')
	b, pairs, err := appendQuery(b, rawQuery, st.pairs)
	st.buf, st.pairs = append(b, '\n'), pairs
	return err
}

// appendRequestHeaders writes the canonical headers of every signable header
// in h plus X-Sdk-Date = date, and records their names in st.signed. It
// returns the value of a Host entry in h, if any.
func (st *canonState) appendRequestHeaders(h http.Header, date []byte) (host string) {
	keys := st.keys[:0]
	for k, v := range h {
		if len(v) > 0 && signable(k) {
			keys = append(keys, k)
		}
	}
	keys = append(keys, HeaderDate)
	st.keys = keys
	sortFold(keys)

	b, signed := st.buf, st.signed[:0]
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && compareFold(keys[i], keys[j]) == 0 {
			j++
		}
		if len(signed) > 0 {
			signed = append(signed, ';')
		}
		start := len(signed)
		signed = appendLower(signed, keys[i])
		lname := signed[start:]
		if strings.EqualFold(keys[i], HeaderDate) {
			b = append(b, lname...)
			b = append(b, ':')
			b = append(b, date...)
			b = append(b, '\n')
			i = j
			continue
		}
		values := h[keys[i]]
		if j > i+1 { // the same name in several cases: merge as one header
			st.vals = st.vals[:0]
			for _, k := range keys[i:j] {
				st.vals = append(st.vals, h[k]...)
			}
			values = st.vals
		}
		values = st.sortedValues(values)
		if string(lname) == "host" {
			host = strings.TrimSpace(values[0])
		}
		b = appendHeaderLines(b, lname, values)
		i = j
	}
	st.buf, st.signed = b, signed
	return host
}

// sortFold sorts header names by their lower-case forms (insertion sort:
// a request carries a handful of headers and this keeps it allocation-free).
func sortFold(keys []string) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && compareFold(keys[j-1], keys[j]) > 0; j-- {
			keys[j-1], keys[j] = keys[j], keys[j-1]
		}
	}
}

// payloadHash is X-Sdk-Content-Sha256 when given, else hex(SHA-256(body)).
func (st *canonState) payloadHash(declared []string, body []byte) []byte {
	if len(declared) > 0 {
		return append(st.bodySum[:0], declared[0]...)
	}
	sum := sha256.Sum256(body)
	hex.Encode(st.bodySum[:64], sum[:])
	return st.bodySum[:64]
}

// finish ends the canonical request: the blank line after the headers, the
// signed header names and the payload hash.
func (st *canonState) finish(payloadHash []byte) {
	b := append(st.buf, '\n')
	b = append(b, st.signed...)
	b = append(b, '\n')
	st.buf = append(b, payloadHash...)
}

// signature computes hex(HMAC-SHA256(SK, string to sign)) with mac, which is
// keyed with the SK.
func (st *canonState) signature(mac hash.Hash, date []byte) []byte {
	crHash := sha256.Sum256(st.buf)
	var crHex [64]byte
	hex.Encode(crHex[:], crHash[:])
	sts := append(st.sts[:0], Algorithm+"\n"...)
	sts = append(sts, date...)
	sts = append(sts, '\n')
	sts = append(sts, crHex[:]...)
	st.sts = sts
	mac.Reset()
	mac.Write(sts)
	hex.Encode(st.sig[:], mac.Sum(st.macSum[:0]))
	return st.sig[:]
}
