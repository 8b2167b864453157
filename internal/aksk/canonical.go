// Package aksk signs and verifies FunctionGraph API requests with an AK/SK pair, exactly as the Huawei Cloud SDKs do ("SDK-HMAC-SHA256").
package aksk

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Names and values of the SDK-HMAC-SHA256 scheme.
const (
	Algorithm           = "SDK-HMAC-SHA256"
	DateLayout          = "20060102T150405Z" // X-Sdk-Date, always UTC
	HeaderDate          = "X-Sdk-Date"
	HeaderContentSha256 = "X-Sdk-Content-Sha256"
	UnsignedPayload     = "UNSIGNED-PAYLOAD"
	HeaderAuthorization = "Authorization"
)

const upperHex = "0123456789ABCDEF"

// canonState holds the scratch space for one canonical request; it is pooled
// because the load generator signs every request afresh.
type canonState struct {
	buf     []byte // canonical request
	signed  []byte // "a;b;c"
	sts     []byte // string to sign
	keys    []string
	vals    []string
	pairs   []queryPair
	date    [len(DateLayout)]byte
	bodySum [64]byte // payload hash as written into the canonical request
	macSum  [32]byte // raw HMAC, kept here because a stack array would escape through hash.Hash
	sig     [64]byte // hex signature
}

func newCanonState() *canonState {
	return &canonState{
		buf:    make([]byte, 0, 1024),
		signed: make([]byte, 0, 128),
		sts:    make([]byte, 0, 128),
		keys:   make([]string, 0, 16),
		vals:   make([]string, 0, 8),
		pairs:  make([]queryPair, 0, 8),
	}
}

type queryPair struct{ key, value string }

// unreserved reports the bytes the SDK leaves as they are: A-Z a-z 0-9 _ - ~ .
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == '~' || c == '.'
}

// appendEscaped percent-encodes s with upper-case hex; with keepSlash the
// path separators survive, which equals escaping each segment and joining.
func appendEscaped(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', upperHex[c>>4], upperHex[c&15])
	}
	return b
}

// appendURI writes the canonical URI: escaped segments and a trailing slash.
func appendURI(b []byte, path string) []byte {
	start := len(b)
	b = appendEscaped(b, path, true)
	if len(b) == start || b[len(b)-1] != '/' {
		b = append(b, '/')
	}
	return b
}

// appendQuery writes the canonical query: decoded pairs sorted by key then
// value, re-encoded the SDK's way, joined by '&'.
func appendQuery(b []byte, rawQuery string, pairs []queryPair) ([]byte, []queryPair, error) {
	pairs = pairs[:0]
	for rawQuery != "" {
		var kv string
		kv, rawQuery, _ = strings.Cut(rawQuery, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return b, pairs, fmt.Errorf("query parameter name: %w", err)
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return b, pairs, fmt.Errorf("query parameter %q: %w", key, err)
		}
		pairs = append(pairs, queryPair{key, value})
	}
	slices.SortFunc(pairs, func(x, y queryPair) int {
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return strings.Compare(x.value, y.value)
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendEscaped(b, p.key, false)
		b = append(b, '=')
		b = appendEscaped(b, p.value, false)
	}
	return b, pairs, nil
}

// appendLower appends s in ASCII lower case.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// compareFold orders header names as their lower-case forms would sort.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lower(a[i]), lower(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// signable tells whether the SDK signs a header of this name.
func signable(name string) bool {
	const ct = "content-type"
	if len(name) >= len(ct) && strings.EqualFold(name[:len(ct)], ct) {
		return false
	}
	return !strings.Contains(name, "_")
}

// appendHeaderLines writes "name:trimmed-value\n" for each value, values sorted.
func appendHeaderLines(b []byte, lname []byte, values []string) []byte {
	for _, v := range values {
		b = append(b, lname...)
		b = append(b, ':')
		b = append(b, strings.TrimSpace(v)...)
		b = append(b, '\n')
	}
	return b
}

// sortedValues returns values sorted without touching the caller's slice.
func (st *canonState) sortedValues(values []string) []string {
	if len(values) < 2 {
		return values
	}
	st.vals = append(st.vals[:0], values...)
	slices.Sort(st.vals)
	return st.vals
}
