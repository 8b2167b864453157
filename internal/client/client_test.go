package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/aksk"
)

// Secrets the tests look for in every error string.
const (
	testToken    = "tok-SECRET-MIIEXAMPLEtoken-7c1d"
	testAK       = "TESTAK0CLIENT000001"
	testSK       = "sk-SECRET-client-9a8b7c6d5e"
	testPassword = "pw-SECRET-hunter2"
	testProject  = "0123456789abcdef0123456789abcdef"
	testURN      = "urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:hello:latest"
)

var (
	testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	secrets = []string{testToken, testSK, testPassword}
)

// exchange is what the fake endpoint saw of one request.
type exchange struct {
	Method     string
	RequestURI string
	Path       string
	Query      url.Values
	Header     http.Header
	Host       string
	Body       []byte
	AuthErr    error // from aksk.Verify, when the request was signed
}

// fakeEndpoint records each request and answers with respond.
type fakeEndpoint struct {
	*httptest.Server
	mu      sync.Mutex
	seen    []exchange
	respond func(w http.ResponseWriter, ex exchange)
}

// answering is a fake endpoint's answer: status with header and body.
func answering(status int, header map[string]string, body string) func(http.ResponseWriter, exchange) {
	return func(w http.ResponseWriter, _ exchange) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func newFakeEndpoint(t *testing.T, respond func(w http.ResponseWriter, ex exchange)) *fakeEndpoint {
	t.Helper()
	f := &fakeEndpoint{respond: respond}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ex := exchange{Method: r.Method, RequestURI: r.RequestURI, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header, Host: r.Host, Body: body}
		if r.Header.Get("Authorization") != "" {
			_, ex.AuthErr = aksk.Verify(r, body, func(ak string) (string, bool) { return testSK, ak == testAK }, testNow, aksk.DefaultMaxSkew)
		}
		f.mu.Lock()
		f.seen = append(f.seen, ex)
		f.mu.Unlock()
		if f.respond != nil {
			f.respond(w, ex)
		} else {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "{}")
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeEndpoint) last(t *testing.T) exchange {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) == 0 {
		t.Fatal("the endpoint saw no request")
	}
	return f.seen[len(f.seen)-1]
}

func akskTarget(base string) Target {
	return Target{BaseURL: base, ProjectID: testProject, AK: testAK, SK: testSK}
}

func newTestClient(t *testing.T, tgt Target, opts ...Option) *Client {
	t.Helper()
	c, err := New(tgt, append([]Option{WithClock(func() time.Time { return testNow })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error leaks a secret: %q", err)
		}
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		target  Target
		opts    []Option
		wantErr string
	}{
		{name: "token", target: Target{BaseURL: "http://127.0.0.1:1", ProjectID: "p", Token: testToken}},
		{name: "ak/sk", target: akskTarget("http://127.0.0.1:1")},
		{name: "no credentials", target: Target{BaseURL: "http://127.0.0.1:1", ProjectID: "p"}},
		{name: "AK without SK", target: Target{BaseURL: "http://127.0.0.1:1", ProjectID: "p", AK: testAK}, wantErr: "both --ak and --sk"},
		{name: "SK without AK", target: Target{BaseURL: "http://127.0.0.1:1", ProjectID: "p", SK: testSK}, wantErr: "both --ak and --sk"},
		{name: "relative URL", target: Target{BaseURL: "127.0.0.1:1", ProjectID: "p", Token: testToken}, wantErr: "not an absolute URL"},
		{name: "no project", target: Target{BaseURL: "http://127.0.0.1:1", Token: testToken}, wantErr: "no project ID"},
		{name: "bad IAM endpoint", target: akskTarget("http://127.0.0.1:1"), opts: []Option{WithIAMEndpoint("iam")}, wantErr: "IAM endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.target, tt.opts...)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New error = %v, want one mentioning %q", err, tt.wantErr)
			}
			assertNoSecrets(t, err)
		})
	}
}

func TestAuthentication(t *testing.T) {
	f := newFakeEndpoint(t, nil)
	tests := []struct {
		name   string
		target Target
		check  func(t *testing.T, ex exchange)
	}{
		{
			name:   "token",
			target: Target{BaseURL: f.URL, ProjectID: testProject, Token: testToken},
			check: func(t *testing.T, ex exchange) {
				if got := ex.Header.Get("X-Auth-Token"); got != testToken {
					t.Errorf("X-Auth-Token = %q, want the token", got)
				}
				if ex.Header.Get("Authorization") != "" || ex.Header.Get("X-Sdk-Date") != "" {
					t.Error("token request carries a signature too")
				}
			},
		},
		{
			name:   "token wins over ak/sk",
			target: Target{BaseURL: f.URL, ProjectID: testProject, Token: testToken, AK: testAK, SK: testSK},
			check: func(t *testing.T, ex exchange) {
				if ex.Header.Get("X-Auth-Token") != testToken || ex.Header.Get("Authorization") != "" {
					t.Errorf("headers %v: want token auth only", ex.Header)
				}
			},
		},
		{
			name:   "ak/sk",
			target: akskTarget(f.URL),
			check: func(t *testing.T, ex exchange) {
				if ex.Header.Get("Authorization") == "" {
					t.Fatal("no Authorization header")
				}
				if ex.AuthErr != nil {
					t.Errorf("aksk.Verify rejected the client's signature: %v", ex.AuthErr)
				}
				if got := ex.Header.Get("X-Project-Id"); got != testProject {
					t.Errorf("X-Project-Id = %q, want %q", got, testProject)
				}
				if got := ex.Header.Get("X-Sdk-Date"); got != "20260314T150926Z" {
					t.Errorf("X-Sdk-Date = %q, want the WithClock time", got)
				}
				if !strings.Contains(ex.Header.Get("Authorization"), "x-project-id") {
					t.Errorf("X-Project-Id not signed: %s", ex.Header.Get("Authorization"))
				}
				if ex.Header.Get("X-Auth-Token") != "" {
					t.Error("signed request carries a token")
				}
			},
		},
		{
			name:   "no credentials",
			target: Target{BaseURL: f.URL, ProjectID: testProject},
			check: func(t *testing.T, ex exchange) {
				if ex.Header.Get("X-Auth-Token") != "" || ex.Header.Get("Authorization") != "" {
					t.Errorf("unauthenticated client sent credentials: %v", ex.Header)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, tt.target, WithUserAgent("fgh-test/1"))
			if _, err := c.Do(t.Context(), http.MethodGet, "/v2/{project_id}/fgs/functions", url.Values{"marker": {"a b"}}, nil); err != nil {
				t.Fatal(err)
			}
			ex := f.last(t)
			if want := "/v2/" + testProject + "/fgs/functions?marker=a%20b"; ex.RequestURI != want {
				t.Errorf("request URI = %s, want %s", ex.RequestURI, want)
			}
			if got := ex.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := ex.Header.Get("User-Agent"); got != "fgh-test/1" {
				t.Errorf("User-Agent = %q", got)
			}
			tt.check(t, ex)
		})
	}
}

func TestDoBodies(t *testing.T) {
	f := newFakeEndpoint(t, nil)
	c := newTestClient(t, akskTarget(f.URL))
	tests := []struct {
		name string
		body any
		want string
	}{
		{"nil", nil, ""},
		{"bytes as they are", []byte(`{"raw": true}`), `{"raw": true}`},
		{"raw JSON", json.RawMessage(`[1,2]`), `[1,2]`},
		{"string as it is, even when not JSON", "not json", "not json"},
		{"struct encoded", struct {
			A int `json:"a"`
		}{7}, `{"a":7}`},
		{"map encoded", map[string]any{"func_name": 3}, `{"func_name":3}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Do(t.Context(), http.MethodPost, "/v2/{project_id}/fgs/functions", nil, tt.body); err != nil {
				t.Fatal(err)
			}
			ex := f.last(t)
			if string(ex.Body) != tt.want {
				t.Errorf("body = %q, want %q", ex.Body, tt.want)
			}
			if ex.AuthErr != nil {
				t.Errorf("signature over this body rejected: %v", ex.AuthErr)
			}
		})
	}
}

func TestSendHeaders(t *testing.T) {
	f := newFakeEndpoint(t, nil)
	c := newTestClient(t, Target{BaseURL: f.URL, ProjectID: testProject, Token: testToken})
	_, err := c.Send(t.Context(), Request{
		Method: http.MethodPost, Path: "/v2/{project_id}/fgs/functions",
		Header: http.Header{"Content-Type": nil, "x-extra": {"1"}},
		NoAuth: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ex := f.last(t)
	if ex.Header.Get("X-Auth-Token") != "" {
		t.Error("NoAuth request carries a token")
	}
	if _, ok := ex.Header["Content-Type"]; ok {
		t.Errorf("Content-Type %q sent though the request removed it", ex.Header.Get("Content-Type"))
	}
	if ex.Header.Get("X-Extra") != "1" {
		t.Error("extra header missing")
	}
}

func TestAPIError(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		want      APIError
		wantInMsg []string
	}{
		{
			name:   "standard body with request id",
			status: 404, body: `{"error_code":"FSS.1051","error_msg":"Not found the function","request_id":"req-1"}`,
			want:      APIError{Status: 404, Code: "FSS.1051", Message: "Not found the function", RequestID: "req-1"},
			wantInMsg: []string{"ShowFunctionConfig", "GET", "/v2/" + testProject + "/fgs/functions/" + testURN + "/config", "404", "FSS.1051"},
		},
		{
			name:   "request id from the header",
			status: 400, header: map[string]string{"X-Request-Id": "hdr-9"},
			body: `{"error_code":"FSS.0400","error_msg":"Invalid parameter."}`,
			want: APIError{Status: 400, Code: "FSS.0400", Message: "Invalid parameter.", RequestID: "hdr-9"},
		},
		{
			name:   "not the standard body",
			status: 502, body: "<html>\n<b>Bad gateway</b>\n</html>",
			want:      APIError{Status: 502, Message: "<html> <b>Bad gateway</b> </html>"},
			wantInMsg: []string{"502", "Bad gateway"},
		},
		{
			name:   "server echoes the client's secrets",
			status: 401, body: `{"error_code":"FSS.0401","error_msg":"bad token ` + testToken + ` or sk ` + testSK + `"}`,
			want: APIError{Status: 401, Code: "FSS.0401", Message: "bad token *** or sk ***"},
		},
		{
			name:   "empty body",
			status: 503,
			want:   APIError{Status: 503},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeEndpoint(t, answering(tt.status, tt.header, tt.body))
			c := newTestClient(t, Target{BaseURL: f.URL, ProjectID: testProject, Token: testToken, AK: testAK, SK: testSK})
			_, err := c.ShowFunctionConfig(t.Context(), testURN)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			want := tt.want
			want.Operation, want.Method, want.Path = "ShowFunctionConfig", http.MethodGet, "/v2/{project_id}/fgs/functions/"+testURN+"/config"
			want.Path = strings.ReplaceAll(want.Path, "{project_id}", testProject)
			if *apiErr != want {
				t.Errorf("APIError = %+v\nwant      %+v", *apiErr, want)
			}
			for _, s := range tt.wantInMsg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			assertNoSecrets(t, err)

			// Do hands back the response with the error, for suites that
			// validate error bodies.
			res, err := c.Do(t.Context(), http.MethodGet, "/v2/{project_id}/fgs/functions", nil, nil)
			if !errors.As(err, &apiErr) || res == nil || res.Status != tt.status || string(res.Body) != tt.body {
				t.Errorf("Do = %+v, %v; want the %d response and an *APIError", res, err, tt.status)
			}
		})
	}
}

func TestTransportErrorsKeepSecrets(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	slow := newFakeEndpoint(t, func(w http.ResponseWriter, _ exchange) { time.Sleep(300 * time.Millisecond) })
	tests := []struct {
		name        string
		base        string
		opts        []Option
		path        string
		wantTimeout bool
	}{
		{name: "connection refused", base: closed.URL, path: "/v2/{project_id}/fgs/functions"},
		{name: "timeout", base: slow.URL, opts: []Option{WithTimeout(50 * time.Millisecond)}, path: "/v2/{project_id}/fgs/functions", wantTimeout: true},
		{name: "path without slash", base: slow.URL, path: "v2/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tgt := range []Target{
				{BaseURL: tt.base, ProjectID: testProject, Token: testToken},
				akskTarget(tt.base),
			} {
				c := newTestClient(t, tgt, tt.opts...)
				_, err := c.Do(t.Context(), http.MethodGet, tt.path, nil, nil)
				if err == nil {
					t.Fatal("no error")
				}
				assertNoSecrets(t, err)
				var netErr net.Error
				if got := errors.As(err, &netErr) && netErr.Timeout(); got != tt.wantTimeout {
					t.Errorf("timeout = %v, want %v (%v)", got, tt.wantTimeout, err)
				}
			}
		})
	}
}

func TestContextCancel(t *testing.T) {
	f := newFakeEndpoint(t, func(w http.ResponseWriter, _ exchange) { time.Sleep(200 * time.Millisecond) })
	c := newTestClient(t, akskTarget(f.URL))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Invoke(ctx, testURN, nil, InvokeOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
}

// countingTransport proves WithTransport and WithHTTPClient are honoured.
type countingTransport struct {
	n  int
	rt http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return c.rt.RoundTrip(r)
}

func TestTransportOptions(t *testing.T) {
	f := newFakeEndpoint(t, func(w http.ResponseWriter, ex exchange) {
		http.Redirect(w, &http.Request{Method: ex.Method}, "http://127.0.0.1:1/elsewhere", http.StatusFound)
	})
	tests := []struct {
		name       string
		opts       func(rt *countingTransport) []Option
		wantStatus int
	}{
		{"WithTransport, redirects not followed", func(rt *countingTransport) []Option { return []Option{WithTransport(rt)} }, http.StatusFound},
		{"WithHTTPClient keeps its own policy", func(rt *countingTransport) []Option {
			return []Option{WithHTTPClient(&http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }})}
		}, http.StatusFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &countingTransport{rt: http.DefaultTransport}
			c := newTestClient(t, Target{BaseURL: f.URL, ProjectID: testProject, Token: testToken}, tt.opts(rt)...)
			res, err := c.Do(t.Context(), http.MethodGet, "/v2/{project_id}/fgs/functions", nil, nil)
			var apiErr *APIError
			if !errors.As(err, &apiErr) || res.Status != tt.wantStatus {
				t.Fatalf("Do = %v, %v; want %d as an APIError", res, err, tt.wantStatus)
			}
			if rt.n != 1 {
				t.Errorf("transport saw %d requests, want 1", rt.n)
			}
		})
	}
}
