package aksk_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"

	"github.com/fgharness/fgharness/internal/aksk"
)

const (
	testAK = "TESTAK0EXAMPLE0000001"
	testSK = "testSK-secret-that-must-never-leak-9f8e7d"
)

var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// sdkCase is one request as the SDK's own request builder describes it.
type sdkCase struct {
	name    string
	method  string
	path    string
	query   map[string]any // values become reflect.Values, as the SDK's clients pass them
	headers map[string]string
	body    any // string bodies are sent verbatim; others JSON-encoded by the SDK
}

func sdkCases(host string) []sdkCase {
	urn := "urn:fss:cn-north-4:0123456789abcdef:function:default:hello:latest"
	return []sdkCase{{
		name:    "list functions with paging query",
		method:  http.MethodGet,
		path:    "/v2/0123456789abcdef/fgs/functions",
		query:   map[string]any{"marker": "10", "maxitems": 50},
		headers: map[string]string{"X-Project-Id": "0123456789abcdef", "User-Agent": "huaweicloud-usdk-go/3.0", "Content-Type": "application/json"},
	}, {
		name:    "sync invoke: URN path with colons, JSON body, invoke headers",
		method:  http.MethodPost,
		path:    "/v2/0123456789abcdef/fgs/functions/" + urn + "/invocations",
		headers: map[string]string{"X-Project-Id": "0123456789abcdef", "Content-Type": "application/json;charset=UTF-8", "X-Cff-Log-Type": "tail", "X-CFF-Request-Version": "v1"},
		body:    `{"k":"v","n":[1,2,3],"s":"héllo wörld"}`,
	}, {
		name:   "repeated keys and special characters in the query",
		method: http.MethodGet,
		path:   "/v2/0123456789abcdef/fgs/workflows",
		query: map[string]any{
			"multi":         []string{"b", "a", "c c"},
			"workflow_name": "一 (&=?!#%.*)",
			"path":          "/tmp/123",
			"plus":          "a+b=c",
			"tilde":         "x~y_z-w.v",
			"empty":         "",
		},
		headers: map[string]string{"X-Project-Id": "0123456789abcdef"},
	}, {
		name:    "delete with an empty body and no content type",
		method:  http.MethodDelete,
		path:    "/v2/0123456789abcdef/fgs/functions/" + urn,
		headers: map[string]string{"X-Project-Id": "0123456789abcdef"},
	}, {
		name:    "struct body JSON-encoded by the SDK",
		method:  http.MethodPut,
		path:    "/v2/0123456789abcdef/fgs/functions/" + urn + "/config",
		headers: map[string]string{"Content-Type": "application/json", "X-Project-Id": "0123456789abcdef"},
		body: &struct {
			FuncName string `json:"func_name"`
			Timeout  int    `json:"timeout"`
		}{"hello", 30},
	}, {
		name:    "non-JSON content type leaves the payload unsigned",
		method:  http.MethodPost,
		path:    "/v2/0123456789abcdef/fgs/dependencies/version",
		headers: map[string]string{"Content-Type": "text/plain", "X-Project-Id": "0123456789abcdef"},
		body:    "raw text body",
	}, {
		name:   "extra headers: underscore skipped, host signed, values trimmed, trailing slash",
		method: http.MethodPost,
		path:   "/v2/0123456789abcdef/fgs/workflows/",
		headers: map[string]string{
			"Host":             host,
			"X_Custom_Header":  "not signed",
			"X-Padded":         "  spaced value  ",
			"x-lower-case":     "lower",
			"X-Security-Token": "sts-token",
			"Content-Type":     "application/json",
		},
		body: `{}`,
	}, {
		name:   "bare root path",
		method: http.MethodGet,
		path:   "/",
	}}
}

// TestSignMatchesSDK signs each request with the official SDK signer and
// with aksk.Sign, expects the same Authorization, and sends both through a
// server that checks them with aksk.Verify.
func TestSignMatchesSDK(t *testing.T) {
	srv := newVerifyingServer(t, testNow)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range sdkCases(host) {
		t.Run(tc.name, func(t *testing.T) {
			b := request.NewHttpRequestBuilder().WithMethod(tc.method).WithEndpoint(srv.URL).WithPath(tc.path)
			for k, v := range tc.query {
				b.AddQueryParam(k, reflect.ValueOf(v))
			}
			for k, v := range tc.headers {
				b.AddHeaderParam(k, v)
			}
			b.AddHeaderParam(aksk.HeaderDate, testNow.Format(aksk.DateLayout))
			if tc.body != nil {
				b.WithBody("body", tc.body)
			}
			sdkReq := b.Build()
			bodyBuf, err := sdkReq.GetBodyToBytes()
			if err != nil {
				t.Fatal(err)
			}
			body := bodyBuf.Bytes()

			added, err := signer.Signer{}.Sign(sdkReq, testAK, testSK)
			if err != nil {
				t.Fatalf("SDK sign: %v", err)
			}
			want := added[aksk.HeaderAuthorization]
			sdkHTTP, err := sdkReq.ConvertRequest()
			if err != nil {
				t.Fatal(err)
			}
			sdkHTTP.Header.Set(aksk.HeaderAuthorization, want)

			ours, err := sdkReq.ConvertRequest()
			if err != nil {
				t.Fatal(err)
			}
			ours.Header.Del(aksk.HeaderDate)
			ours.Header.Del(aksk.HeaderContentSha256)
			if err := aksk.Sign(ours, body, testAK, testSK, testNow); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if got := ours.Header.Get(aksk.HeaderAuthorization); got != want {
				t.Fatalf("Authorization differs from the SDK's\n got: %s\nwant: %s", got, want)
			}
			if got, want := ours.Header.Get(aksk.HeaderDate), "20260314T150926Z"; got != want {
				t.Errorf("X-Sdk-Date = %q, want %q", got, want)
			}
			for who, r := range map[string]*http.Request{"SDK": sdkHTTP, "aksk": ours} {
				if status, msg := send(t, r, body); status != http.StatusNoContent {
					t.Errorf("%s-signed request rejected: %d %s", who, status, msg)
				}
			}
		})
	}
}

// newVerifyingServer answers 204 to requests aksk.Verify accepts at now and
// 401 with the error otherwise.
func newVerifyingServer(t *testing.T, now time.Time) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ak, err := aksk.Verify(r, body, lookupTestSK, now, aksk.DefaultMaxSkew)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if ak != testAK {
			http.Error(w, "wrong AK returned: "+ak, http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func lookupTestSK(ak string) (string, bool) {
	if ak == testAK {
		return testSK, true
	}
	return "", false
}

func send(t *testing.T, r *http.Request, body []byte) (int, string) {
	t.Helper()
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.RequestURI = ""
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("send %s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

// TestSignURLEncodedInputs checks that the canonical form comes from the
// decoded URL, so a path or query the client escaped differently signs the same.
func TestSignURLEncodedInputs(t *testing.T) {
	tests := []struct{ a, b string }{
		{"http://h/v2/p/fgs/functions/urn:fss:r:p:function:default:f:latest", "http://h/v2/p/fgs/functions/urn%3Afss%3Ar%3Ap%3Afunction%3Adefault%3Af%3Alatest"},
		{"http://h/x?q=a%20b", "http://h/x?q=a+b"},
		{"http://h/x?b=2&a=1&a=0", "http://h/x?a=0&a=1&b=2"},
		{"http://h/x", "http://h/x/"},
	}
	for _, tt := range tests {
		t.Run(tt.a, func(t *testing.T) {
			var auths []string
			for _, raw := range []string{tt.a, tt.b} {
				u, err := url.Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				r := &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}
				if err := aksk.Sign(r, nil, testAK, testSK, testNow); err != nil {
					t.Fatal(err)
				}
				auths = append(auths, r.Header.Get(aksk.HeaderAuthorization))
			}
			if auths[0] != auths[1] {
				t.Errorf("%s and %s sign differently:\n%s\n%s", tt.a, tt.b, auths[0], auths[1])
			}
		})
	}
}
