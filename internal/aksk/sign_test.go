package aksk_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/aksk"
)

func TestSignRejectsIncompleteInput(t *testing.T) {
	good := func() *http.Request {
		return &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/"}, Header: http.Header{}}
	}
	tests := []struct {
		name   string
		ak, sk string
		req    *http.Request
		want   string
	}{
		{"no AK", "", testSK, good(), "no access key"},
		{"no SK", testAK, "", good(), "no secret key"},
		{"no URL", testAK, testSK, &http.Request{Method: http.MethodGet}, "no request URL"},
		{"bad query escape", testAK, testSK, &http.Request{URL: &url.URL{Path: "/", RawQuery: "a=%zz"}}, "query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := aksk.Sign(tt.req, nil, tt.ak, tt.sk, testNow)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sign error = %v, want one mentioning %q", err, tt.want)
			}
			if tt.sk != "" && strings.Contains(err.Error(), tt.sk) {
				t.Errorf("error %q leaks the SK", err)
			}
		})
	}
}

func TestSignHeaders(t *testing.T) {
	tests := []struct {
		name          string
		header        http.Header
		now           time.Time
		wantDate      string
		wantSigned    string
		wantUnsigned  bool // X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD set
		wantAuthCount int
	}{
		{
			name:       "date in UTC whatever the zone of now",
			header:     http.Header{"X-Project-Id": {"p"}},
			now:        testNow.In(time.FixedZone("UTC+8", 8*3600)),
			wantDate:   "20260314T150926Z",
			wantSigned: "x-project-id;x-sdk-date",
		},
		{
			name:       "content type and underscore names skipped, names lower-cased and sorted",
			header:     http.Header{"Content-Type": {"application/json"}, "Content-Type-Extra": {"x"}, "X_Under": {"u"}, "User-Agent": {"ua"}, "Accept": {"*/*"}},
			now:        testNow,
			wantDate:   "20260314T150926Z",
			wantSigned: "accept;user-agent;x-sdk-date",
		},
		{
			name:          "an earlier signature and date are replaced",
			header:        http.Header{"Authorization": {"SDK-HMAC-SHA256 old"}, "X-Sdk-Date": {"20000101T000000Z"}, "x-sdk-date": {"stale"}},
			now:           testNow,
			wantDate:      "20260314T150926Z",
			wantSigned:    "x-sdk-date",
			wantAuthCount: 1,
		},
		{
			name:         "non-JSON content is not hashed",
			header:       http.Header{"Content-Type": {"application/octet-stream"}},
			now:          testNow,
			wantDate:     "20260314T150926Z",
			wantSigned:   "x-sdk-content-sha256;x-sdk-date",
			wantUnsigned: true,
		},
		{
			name:       "names differing only in case sign as one header",
			header:     http.Header{"X-Dup": {"b"}, "x-dup": {"a"}},
			now:        testNow,
			wantDate:   "20260314T150926Z",
			wantSigned: "x-dup;x-sdk-date",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/v2/p/fgs/functions"}, Header: tt.header}
			if err := aksk.Sign(r, []byte("{}"), testAK, testSK, tt.now); err != nil {
				t.Fatal(err)
			}
			if got := r.Header.Values(aksk.HeaderDate); len(got) != 1 || got[0] != tt.wantDate {
				t.Errorf("X-Sdk-Date = %q, want [%s]", got, tt.wantDate)
			}
			auth := r.Header.Values(aksk.HeaderAuthorization)
			if len(auth) != 1 {
				t.Fatalf("Authorization values = %q, want one", auth)
			}
			wantPrefix := "SDK-HMAC-SHA256 Access=" + testAK + ", SignedHeaders=" + tt.wantSigned + ", Signature="
			if !strings.HasPrefix(auth[0], wantPrefix) || len(auth[0]) != len(wantPrefix)+64 {
				t.Errorf("Authorization = %q, want %q + 64 hex digits", auth[0], wantPrefix)
			}
			if got := r.Header.Get(aksk.HeaderContentSha256) == aksk.UnsignedPayload; got != tt.wantUnsigned {
				t.Errorf("UNSIGNED-PAYLOAD set = %v, want %v", got, tt.wantUnsigned)
			}
		})
	}
}

// TestSignerConcurrent signs from many goroutines with one Signer and
// expects exactly what a fresh Signer gives for each request.
func TestSignerConcurrent(t *testing.T) {
	s := aksk.NewSigner(testAK, testSK)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			body := bytes.Repeat([]byte{byte('a' + i%26)}, i*17)
			path := fmt.Sprintf("/v2/p/fgs/functions/urn:fss:r:p:function:default:f%d:latest/invocations", i)
			a := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: path, RawQuery: fmt.Sprintf("i=%d", i)}, Header: http.Header{"X-Project-Id": {"p"}}}
			b := a.Clone(t.Context())
			for range 3 { // reuse of pooled state must not leak between calls
				if err := s.Sign(a, body, testNow); err != nil {
					errs <- err
					return
				}
			}
			if err := aksk.Sign(b, body, testAK, testSK, testNow); err != nil {
				errs <- err
				return
			}
			if x, y := a.Header.Get(aksk.HeaderAuthorization), b.Header.Get(aksk.HeaderAuthorization); x != y {
				errs <- fmt.Errorf("request %d: shared Signer gave %s, fresh one %s", i, x, y)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func benchRequest(b *testing.B) (*http.Request, []byte) {
	body := bytes.Repeat([]byte(`{"key":"value"}`), 1024/15+1)[:1024]
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:8000"+invokePath, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Project-Id", "0123456789abcdef")
	r.Header.Set("User-Agent", "fgharness/0.1")
	r.Header.Set("X-Cff-Log-Type", "tail")
	r.Header.Set("X-Cff-Request-Version", "v1")
	return r, body
}

// BenchmarkSign signs a 1 KB sync invocation with a reused Signer, as the
// load generator does.
func BenchmarkSign(b *testing.B) {
	r, body := benchRequest(b)
	s := aksk.NewSigner(testAK, testSK)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := s.Sign(r, body, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	r, body := benchRequest(b)
	if err := aksk.Sign(r, body, testAK, testSK, testNow); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := aksk.Verify(r, body, lookupTestSK, testNow, aksk.DefaultMaxSkew); err != nil {
			b.Fatal(err)
		}
	}
}
