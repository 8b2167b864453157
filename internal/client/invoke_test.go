package client

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestInvoke(t *testing.T) {
	tests := []struct {
		name       string
		payload    []byte
		opts       InvokeOptions
		status     int
		header     map[string]string
		answer     string
		wantSent   string
		wantHeader map[string]string // request headers; "" means absent
		want       InvokeResult
	}{
		{
			name:     "v1 envelope with tail log",
			payload:  []byte(`{"k":"v"}`),
			opts:     InvokeOptions{LogType: "tail", RequestVersion: "v1"},
			status:   200,
			header:   map[string]string{"X-Cff-Request-Id": "hdr-req", "X-Cff-Invoke-Summary": `{"funcDuration":1.5}`},
			answer:   `{"request_id":"body-req","result":"{\"statusCode\": 200}","log":"START\nEND","status":200}`,
			wantSent: `{"k":"v"}`, wantHeader: map[string]string{"X-Cff-Log-Type": "tail", "X-Cff-Request-Version": "v1"},
			want: InvokeResult{HTTPStatus: 200, RequestID: "body-req", Result: `{"statusCode": 200}`, Log: "START\nEND", Status: 200, HeaderRequestID: "hdr-req", Summary: `{"funcDuration":1.5}`},
		},
		{
			name:   "v0 answers the bare result",
			opts:   InvokeOptions{RequestVersion: "v0"},
			status: 200, answer: `{"request_id":"looks like an envelope"}`,
			wantSent: `{}`, wantHeader: map[string]string{"X-Cff-Log-Type": "", "X-Cff-Request-Version": "v0"},
			want: InvokeResult{HTTPStatus: 200, Result: `{"request_id":"looks like an envelope"}`},
		},
		{
			name:   "body that is not the envelope",
			status: 200, answer: `"The object downloaded successfully"`,
			wantSent: `{}`, wantHeader: map[string]string{"X-Cff-Log-Type": "", "X-Cff-Request-Version": ""},
			want: InvokeResult{HTTPStatus: 200, Result: `"The object downloaded successfully"`},
		},
		{
			name:    "function error in the envelope",
			payload: []byte(`[]`),
			status:  200, answer: `{"request_id":"r","result":"boom","status":500}`,
			wantSent: `[]`,
			want:     InvokeResult{HTTPStatus: 200, RequestID: "r", Result: "boom", Status: 500},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeEndpoint(t, answering(tt.status, tt.header, tt.answer))
			c := newTestClient(t, akskTarget(f.URL))
			got, err := c.Invoke(t.Context(), testURN, tt.payload, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			ex := f.last(t)
			if ex.AuthErr != nil {
				t.Errorf("signature rejected: %v", ex.AuthErr)
			}
			if want := "/v2/" + testProject + "/fgs/functions/" + testURN + "/invocations"; ex.Method != http.MethodPost || ex.Path != want {
				t.Errorf("request = %s %s, want POST %s", ex.Method, ex.Path, want)
			}
			if string(ex.Body) != tt.wantSent {
				t.Errorf("sent %q, want %q", ex.Body, tt.wantSent)
			}
			for k, v := range tt.wantHeader {
				if got := ex.Header.Get(k); got != v {
					t.Errorf("request header %s = %q, want %q", k, got, v)
				}
			}
			tt.want.Body = []byte(tt.answer)
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("result = %+v\nwant     %+v", *got, tt.want)
			}
		})
	}
}

func TestIAMToken(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		token     string
		answer    string
		wantToken string
		wantErr   string
	}{
		{name: "issued", status: 201, token: "MIIissued", answer: `{"token":{}}`, wantToken: "MIIissued"},
		{name: "wrong password echoed back", status: 401, answer: `{"error":{"code":401,"message":"password ` + testPassword + ` is wrong"}}`, wantErr: "HTTP 401"},
		{name: "no X-Subject-Token", status: 201, answer: `{}`, wantErr: "no X-Subject-Token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iam := newFakeEndpoint(t, func(w http.ResponseWriter, _ exchange) {
				if tt.token != "" {
					w.Header().Set("X-Subject-Token", tt.token)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.answer)
			})
			// A client with no credentials yet, IAM elsewhere than the API.
			c := newTestClient(t, Target{BaseURL: "http://127.0.0.1:1", ProjectID: testProject}, WithIAMEndpoint(iam.URL+"/"))
			token, err := c.IAMToken(t.Context(), "alice", testPassword, "acme", testProject)
			assertNoSecrets(t, err)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("IAMToken error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || token != tt.wantToken {
				t.Fatalf("IAMToken = %q, %v; want %q", token, err, tt.wantToken)
			}
			ex := iam.last(t)
			if ex.Method != http.MethodPost || ex.Path != "/v3/auth/tokens" {
				t.Errorf("request = %s %s, want POST /v3/auth/tokens", ex.Method, ex.Path)
			}
			if ex.Header.Get("X-Auth-Token") != "" || ex.Header.Get("Authorization") != "" {
				t.Error("token request carries credentials")
			}
			var body struct {
				Auth struct {
					Identity struct {
						Methods  []string
						Password struct {
							User struct {
								Name, Password string
								Domain         struct{ Name string }
							}
						}
					}
					Scope struct{ Project struct{ ID string } }
				}
			}
			if err := json.Unmarshal(ex.Body, &body); err != nil {
				t.Fatal(err)
			}
			id := body.Auth.Identity
			if len(id.Methods) != 1 || id.Methods[0] != "password" || id.Password.User.Name != "alice" ||
				id.Password.User.Password != testPassword || id.Password.User.Domain.Name != "acme" || body.Auth.Scope.Project.ID != testProject {
				t.Errorf("IAM body = %s", ex.Body)
			}
		})
	}
}

// TestIAMTokenOnTarget checks the default: IAM at the target's URL, the
// emulator's arrangement, and the issued token then authenticates.
func TestIAMTokenOnTarget(t *testing.T) {
	f := newFakeEndpoint(t, func(w http.ResponseWriter, ex exchange) {
		if ex.Path == "/v3/auth/tokens" {
			w.Header().Set("X-Subject-Token", "MIIfromtarget")
			w.WriteHeader(http.StatusCreated)
			return
		}
		if ex.Header.Get("X-Auth-Token") != "MIIfromtarget" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error_code":"FSS.0401","error_msg":"Unauthorized access."}`)
			return
		}
		_, _ = io.WriteString(w, `{"functions":[],"count":0}`)
	})
	anon := newTestClient(t, Target{BaseURL: f.URL, ProjectID: testProject})
	token, err := anon.IAMToken(t.Context(), "alice", testPassword, "acme", testProject)
	if err != nil {
		t.Fatal(err)
	}
	_, err = anon.ListFunctions(t.Context(), "", 0)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "FSS.0401" {
		t.Fatalf("unauthenticated ListFunctions: %v, want FSS.0401", err)
	}
	tgt := anon.Target()
	tgt.Token = token
	c := newTestClient(t, tgt)
	if _, err := c.ListFunctions(t.Context(), "", 0); err != nil {
		t.Fatalf("ListFunctions with the issued token: %v", err)
	}
}

func TestRegisterExtension(t *testing.T) {
	ext := newFakeEndpoint(t, func(w http.ResponseWriter, ex exchange) {
		if ex.Header.Get("FunctionGraph-Extension-Address") == "127.0.0.1:9999" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"functionName":"","functionVersion":"","errorInfo":{"errorType":"InvalidAddress","errorMessage":"port out of range"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"functionName":"helloWorld","functionVersion":"$LATEST","errorInfo":{"errorType":"","errorMessage":""}}`)
	})
	addr := strings.TrimPrefix(ext.URL, "http://")
	c := newTestClient(t, Target{BaseURL: "http://127.0.0.1:1", ProjectID: testProject, Token: testToken})
	tests := []struct {
		name, apiAddr, address string
		wantErr                string
		wantName               string
	}{
		{name: "host:port", apiAddr: addr, address: "127.0.0.1:8081", wantName: "helloWorld"},
		{name: "with scheme", apiAddr: ext.URL, address: "127.0.0.1:8082", wantName: "helloWorld"},
		{name: "refused address", apiAddr: addr, address: "127.0.0.1:9999", wantErr: "HTTP 400"},
		{name: "bad EXTENSION_API_ADDR", apiAddr: "http://", address: "127.0.0.1:8081", wantErr: "not host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.RegisterExtension(t.Context(), tt.apiAddr, "extensionDemo.sh", tt.address)
			assertNoSecrets(t, err)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.FunctionName != tt.wantName || got.FunctionVersion != "$LATEST" {
				t.Errorf("registration = %+v", got)
			}
			ex := ext.last(t)
			if ex.Method != http.MethodPost || ex.Path != "/extension/register" {
				t.Errorf("request = %s %s", ex.Method, ex.Path)
			}
			if ex.Header.Get("FunctionGraph-Extension-Name") != "extensionDemo.sh" || ex.Header.Get("FunctionGraph-Extension-Address") != tt.address {
				t.Errorf("extension headers = %v", ex.Header)
			}
			if ex.Header.Get("X-Auth-Token") != "" {
				t.Error("the Extension API was sent the FunctionGraph token")
			}
		})
	}
}
