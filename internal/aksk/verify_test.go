package aksk_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/aksk"
)

const invokePath = "/v2/0123456789abcdef/fgs/functions/urn:fss:cn-north-4:0123456789abcdef:function:default:hello:latest/invocations"

// signedInvoke is a sync invocation signed with the test pair at testNow.
func signedInvoke(t testing.TB, contentType string, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:8000"+invokePath+"?x=1", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("X-Project-Id", "0123456789abcdef")
	r.Header.Set("X-Cff-Log-Type", "tail")
	r.Header.Set("User-Agent", "fgharness-test")
	if err := aksk.Sign(r, body, testAK, testSK, testNow); err != nil {
		t.Fatal(err)
	}
	return r
}

func setAuth(s string) func(*http.Request, *[]byte) {
	return func(r *http.Request, _ *[]byte) { r.Header.Set(aksk.HeaderAuthorization, s) }
}

func TestVerify(t *testing.T) {
	const sig64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name        string
		contentType string
		mutate      func(r *http.Request, body *[]byte)
		nowOffset   time.Duration
		want        error // nil: accepted
	}{
		{name: "as signed"},
		{name: "14 minutes later", nowOffset: 14 * time.Minute},
		{name: "14 minutes earlier", nowOffset: -14 * time.Minute},
		{name: "declared payload hash is the body's", mutate: func(r *http.Request, b *[]byte) {
			sum := sha256.Sum256(*b)
			r.Header.Set(aksk.HeaderContentSha256, hex.EncodeToString(sum[:]))
			if err := aksk.Sign(r, *b, testAK, testSK, testNow); err != nil {
				panic(err)
			}
		}},
		{name: "unsigned payload hash header ignored", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set(aksk.HeaderContentSha256, aksk.UnsignedPayload) }},
		{name: "unsigned header added", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Extra", "1") }},
		{name: "unsigned payload may change", contentType: "text/plain", mutate: func(_ *http.Request, b *[]byte) { *b = []byte("other") }},

		{name: "tampered body", mutate: func(_ *http.Request, b *[]byte) { *b = []byte(`{"k":"w"}`) }, want: aksk.ErrBadSignature},
		{name: "tampered path", mutate: func(r *http.Request, _ *[]byte) { r.URL.Path = strings.Replace(r.URL.Path, "hello", "hellp", 1) }, want: aksk.ErrBadSignature},
		{name: "tampered query", mutate: func(r *http.Request, _ *[]byte) { r.URL.RawQuery = "x=2" }, want: aksk.ErrBadSignature},
		{name: "tampered method", mutate: func(r *http.Request, _ *[]byte) { r.Method = http.MethodPut }, want: aksk.ErrBadSignature},
		{name: "tampered signed header", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set("X-Project-Id", "other") }, want: aksk.ErrBadSignature},
		{name: "signed header removed", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del("X-Cff-Log-Type") }, want: aksk.ErrBadSignature},
		{name: "signed header repeated", mutate: func(r *http.Request, _ *[]byte) { r.Header.Add("X-Cff-Log-Type", "None") }, want: aksk.ErrBadSignature},
		{name: "date moved within skew", mutate: func(r *http.Request, _ *[]byte) {
			r.Header.Set(aksk.HeaderDate, testNow.Add(time.Second).Format(aksk.DateLayout))
		}, want: aksk.ErrBadSignature},
		{name: "declared payload hash not the body's", mutate: func(r *http.Request, b *[]byte) {
			r.Header.Set(aksk.HeaderContentSha256, sig64)
			if err := aksk.Sign(r, *b, testAK, testSK, testNow); err != nil {
				panic(err)
			}
		}, want: aksk.ErrBadSignature},
		{name: "wrong SK", mutate: func(r *http.Request, b *[]byte) {
			if err := aksk.Sign(r, *b, testAK, testSK+"x", testNow); err != nil {
				panic(err)
			}
		}, want: aksk.ErrBadSignature},
		{name: "unknown AK", mutate: func(r *http.Request, b *[]byte) {
			if err := aksk.Sign(r, *b, "OTHERAK", testSK, testNow); err != nil {
				panic(err)
			}
		}, want: aksk.ErrUnknownKey},
		{name: "16 minutes old", nowOffset: 16 * time.Minute, want: aksk.ErrExpired},
		{name: "16 minutes ahead", nowOffset: -16 * time.Minute, want: aksk.ErrExpired},

		{name: "no Authorization", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del(aksk.HeaderAuthorization) }, want: aksk.ErrMissing},
		{name: "no X-Sdk-Date", mutate: func(r *http.Request, _ *[]byte) { r.Header.Del(aksk.HeaderDate) }, want: aksk.ErrMissing},
		{name: "date in RFC 3339", mutate: func(r *http.Request, _ *[]byte) { r.Header.Set(aksk.HeaderDate, testNow.Format(time.RFC3339)) }, want: aksk.ErrMalformed},
		{name: "other scheme", mutate: setAuth("Basic dXNlcjpwYXNz"), want: aksk.ErrMalformed},
		{name: "other algorithm", mutate: setAuth("SDK-HMAC-SHA1 Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=" + sig64), want: aksk.ErrMalformed},
		{name: "algorithm only", mutate: setAuth("SDK-HMAC-SHA256"), want: aksk.ErrMalformed},
		{name: "no Signature", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date"), want: aksk.ErrMalformed},
		{name: "no Access", mutate: setAuth("SDK-HMAC-SHA256 SignedHeaders=x-sdk-date, Signature=" + sig64), want: aksk.ErrMalformed},
		{name: "empty Access", mutate: setAuth("SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature=" + sig64), want: aksk.ErrMalformed},
		{name: "repeated Access", mutate: setAuth("SDK-HMAC-SHA256 Access=A, Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=" + sig64), want: aksk.ErrMalformed},
		{name: "unknown part", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=" + sig64 + ", Extra=1"), want: aksk.ErrMalformed},
		{name: "part without =", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders, Signature=" + sig64), want: aksk.ErrMalformed},
		{name: "empty SignedHeaders", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=, Signature=" + sig64), want: aksk.ErrMalformed},
		{name: "upper-case SignedHeaders", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=X-Sdk-Date, Signature=" + sig64), want: aksk.ErrMalformed},
		{name: "empty name in SignedHeaders", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date;;host, Signature=" + sig64), want: aksk.ErrMalformed},
		{name: "short Signature", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=abc"), want: aksk.ErrMalformed},
		{name: "upper-case hex Signature", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=" + strings.ToUpper(sig64)), want: aksk.ErrMalformed},
		{name: "well-formed but wrong Signature", mutate: setAuth("SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=x-sdk-date, Signature=" + sig64), want: aksk.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			body := []byte(`{"k":"v"}`)
			r := signedInvoke(t, ct, body)
			if tt.mutate != nil {
				tt.mutate(r, &body)
			}
			ak, err := aksk.Verify(r, body, lookupTestSK, testNow.Add(tt.nowOffset), aksk.DefaultMaxSkew)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify rejected a good request: %v", err)
				}
				if ak != testAK {
					t.Errorf("Verify returned AK %q, want %q", ak, testAK)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			// The error must not give away the SK or the signature the
			// server computed for this request.
			resigned := r.Clone(r.Context())
			if err := aksk.Sign(resigned, body, testAK, testSK, testNow); err != nil {
				t.Fatal(err)
			}
			expected := resigned.Header.Get(aksk.HeaderAuthorization)
			expected = expected[strings.LastIndex(expected, "=")+1:]
			for _, secret := range []string{testSK, expected} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q leaks a secret", err)
				}
			}
		})
	}
}

// TestVerifyHost checks that a signed "host" is taken from r.Host, as a
// server receives it.
func TestVerifyHost(t *testing.T) {
	r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/v2/p/fgs/functions"}, Header: http.Header{"Host": {"fgs.example.com"}}}
	if err := aksk.Sign(r, nil, testAK, testSK, testNow); err != nil {
		t.Fatal(err)
	}
	if r.Host != "fgs.example.com" {
		t.Fatalf("Sign left r.Host = %q, want the signed host", r.Host)
	}
	if !strings.Contains(r.Header.Get(aksk.HeaderAuthorization), "SignedHeaders=host;x-sdk-date,") {
		t.Fatalf("host not signed: %s", r.Header.Get(aksk.HeaderAuthorization))
	}
	r.Header.Del("Host") // a server has it in r.Host only
	if _, err := aksk.Verify(r, nil, lookupTestSK, testNow, aksk.DefaultMaxSkew); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	r.Host = "evil.example.com"
	if _, err := aksk.Verify(r, nil, lookupTestSK, testNow, aksk.DefaultMaxSkew); !errors.Is(err, aksk.ErrBadSignature) {
		t.Fatalf("Verify with another host: %v, want ErrBadSignature", err)
	}
}

// FuzzVerify checks that whatever a request carries, Verify neither panics
// nor returns an untyped error, and that whatever Sign produces Verify accepts.
func FuzzVerify(f *testing.F) {
	f.Add("POST", invokePath, "a=1&b=%20", "tail", []byte(`{"k":"v"}`), "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=00", "20260314T150926Z")
	f.Add("GET", "/", "", "", []byte{}, "", "")
	f.Add("", "/a//b/", "%zz", " v ", []byte("x"), "SDK-HMAC-SHA256 ,,,", "bad")
	f.Fuzz(func(t *testing.T, method, path, query, headerValue string, body []byte, auth, date string) {
		r := &http.Request{
			Method: method,
			URL:    &url.URL{Path: path, RawQuery: query},
			Header: http.Header{"X-Project-Id": {headerValue}, "Content-Type": {"application/json"}},
			Host:   "127.0.0.1:8000",
		}
		if err := aksk.Sign(r, body, testAK, testSK, testNow); err == nil {
			if _, err := aksk.Verify(r, body, lookupTestSK, testNow, aksk.DefaultMaxSkew); err != nil {
				t.Fatalf("Verify rejected what Sign produced: %v", err)
			}
		}
		r.Header.Set(aksk.HeaderAuthorization, auth)
		r.Header.Set(aksk.HeaderDate, date)
		_, err := aksk.Verify(r, body, lookupTestSK, testNow, aksk.DefaultMaxSkew)
		typed := false
		for _, want := range []error{aksk.ErrMissing, aksk.ErrMalformed, aksk.ErrUnknownKey, aksk.ErrExpired, aksk.ErrBadSignature} {
			typed = typed || errors.Is(err, want)
		}
		if err != nil && !typed {
			t.Fatalf("untyped error: %v", err)
		}
		if err != nil && strings.Contains(err.Error(), testSK) {
			t.Fatalf("error leaks the SK: %v", err)
		}
	})
}
