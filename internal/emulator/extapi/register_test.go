package extapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/fgs"
)

type extAt struct{ name, address string }

func TestRegisterRules(t *testing.T) {
	tenOnDefaultPorts := make([]extAt, fgs.MaxExtensions)
	for i := range tenOnDefaultPorts {
		tenOnDefaultPorts[i] = extAt{fmt.Sprintf("ext%d.sh", i), fmt.Sprintf("127.0.0.1:%d", fgs.ExtensionPortMin+i)}
	}
	tests := []struct {
		name     string
		cfg      HubConfig
		before   []extAt // registered first, each must succeed
		method   string  // default POST
		path     string  // default fgs.ExtensionRegisterPath
		ext      extAt
		status   int
		code     string   // error_code, for refusals
		msgParts []string // what error_msg must mention
		after    []extAt  // Extensions afterwards, when checked
	}{
		{name: "first extension", ext: extAt{"a.sh", "127.0.0.1:8081"}, status: 200,
			after: []extAt{{"a.sh", "127.0.0.1:8081"}}},
		{name: "top of the range", ext: extAt{"a.sh", "127.0.0.1:8090"}, status: 200},
		{name: "missing name", ext: extAt{"", "127.0.0.1:8081"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionName, "required"}},
		{name: "name too long", ext: extAt{strings.Repeat("x", 256), "127.0.0.1:8081"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionName, "255"}},
		{name: "missing address", ext: extAt{"a.sh", ""}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress, "required", "8081-8090"}},
		{name: "localhost", ext: extAt{"a.sh", "localhost:8081"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress, `"localhost"`, "127.0.0.1"}},
		{name: "port above range", ext: extAt{"a.sh", "127.0.0.1:8091"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress, "8091", "8081-8090"}},
		{name: "port below range", ext: extAt{"a.sh", "127.0.0.1:8080"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress, "8080", "8081-8090"}},
		{name: "no host", ext: extAt{"a.sh", ":8081"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress, `host ""`}},
		{name: "no port", ext: extAt{"a.sh", "127.0.0.1"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress, "missing port"}},
		{name: "empty port", ext: extAt{"a.sh", "127.0.0.1:"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress, "decimal"}},
		{name: "leading zero", ext: extAt{"a.sh", "127.0.0.1:08081"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress, "leading zero"}},
		{name: "URL instead of address", ext: extAt{"a.sh", "http://127.0.0.1:8081"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress}},
		{name: "IPv6 loopback", ext: extAt{"a.sh", "[::1]:8081"}, status: 400, code: CodeInvalidParameter,
			msgParts: []string{fgs.HeaderExtensionAddress, "::1"}},
		{name: "port taken by another extension",
			before: []extAt{{"a.sh", "127.0.0.1:8081"}}, ext: extAt{"b.sh", "127.0.0.1:8081"},
			status: 400, code: CodeInvalidParameter, msgParts: []string{fgs.HeaderExtensionAddress, "8081", `"a.sh"`},
			after: []extAt{{"a.sh", "127.0.0.1:8081"}}},
		{name: "idempotent re-register",
			before: []extAt{{"a.sh", "127.0.0.1:8081"}}, ext: extAt{"a.sh", "127.0.0.1:8081"}, status: 200,
			after: []extAt{{"a.sh", "127.0.0.1:8081"}}},
		{name: "same name, new port moves the extension",
			before: []extAt{{"a.sh", "127.0.0.1:8081"}, {"b.sh", "127.0.0.1:8082"}}, ext: extAt{"a.sh", "127.0.0.1:8083"}, status: 200,
			after: []extAt{{"a.sh", "127.0.0.1:8083"}, {"b.sh", "127.0.0.1:8082"}}},
		{name: "moved extension frees its old port",
			before: []extAt{{"a.sh", "127.0.0.1:8081"}, {"a.sh", "127.0.0.1:8082"}}, ext: extAt{"b.sh", "127.0.0.1:8081"}, status: 200,
			after: []extAt{{"a.sh", "127.0.0.1:8082"}, {"b.sh", "127.0.0.1:8081"}}},
		{name: "same name onto a taken port",
			before: []extAt{{"a.sh", "127.0.0.1:8081"}, {"b.sh", "127.0.0.1:8082"}}, ext: extAt{"a.sh", "127.0.0.1:8082"},
			status: 400, code: CodeInvalidParameter, msgParts: []string{"8082", `"b.sh"`},
			after: []extAt{{"a.sh", "127.0.0.1:8081"}, {"b.sh", "127.0.0.1:8082"}}},
		{name: "eleventh extension", cfg: HubConfig{PortMax: 8099},
			before: tenOnDefaultPorts, ext: extAt{"ext10.sh", "127.0.0.1:8091"},
			status: 400, code: CodeInvalidParameter, msgParts: []string{"at most 10 extensions", `"ext10.sh"`},
			after: tenOnDefaultPorts},
		{name: "eleventh extension re-registering is fine", cfg: HubConfig{PortMax: 8099},
			before: tenOnDefaultPorts, ext: tenOnDefaultPorts[9], status: 200, after: tenOnDefaultPorts},
		{name: "eleventh extension in the documented range", before: tenOnDefaultPorts, ext: extAt{"ext10.sh", "127.0.0.1:8081"},
			status: 400, code: CodeInvalidParameter},
		{name: "smaller limit", cfg: HubConfig{MaxExtensions: 1},
			before: []extAt{{"a.sh", "127.0.0.1:8081"}}, ext: extAt{"b.sh", "127.0.0.1:8082"},
			status: 400, code: CodeInvalidParameter, msgParts: []string{"at most 1 extensions"}},
		{name: "custom host", cfg: HubConfig{Host: "127.0.0.2"}, ext: extAt{"a.sh", "127.0.0.2:8081"}, status: 200},
		{name: "custom host refuses default", cfg: HubConfig{Host: "127.0.0.2"}, ext: extAt{"a.sh", "127.0.0.1:8081"},
			status: 400, code: CodeInvalidParameter, msgParts: []string{"127.0.0.2"}},
		{name: "GET", method: http.MethodGet, ext: extAt{"a.sh", "127.0.0.1:8081"}, status: 405, code: CodeMethodNotAllowed,
			msgParts: []string{"GET", "POST"}, after: []extAt{}},
		{name: "PUT", method: http.MethodPut, ext: extAt{"a.sh", "127.0.0.1:8081"}, status: 405, code: CodeMethodNotAllowed,
			msgParts: []string{"PUT", "POST"}},
		{name: "DELETE", method: http.MethodDelete, ext: extAt{"a.sh", "127.0.0.1:8081"}, status: 405, code: CodeMethodNotAllowed},
		{name: "unknown path", path: "/extension/registr", ext: extAt{"a.sh", "127.0.0.1:8081"}, status: 404, code: CodeNotFound,
			msgParts: []string{"/extension/registr", fgs.ExtensionRegisterPath}},
		{name: "invoke path is the extension's, not the API's", path: fgs.ExtensionInvokePath, ext: extAt{"a.sh", "127.0.0.1:8081"},
			status: 404, code: CodeNotFound},
		{name: "root", path: "/", method: http.MethodGet, status: 404, code: CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHub(t, tc.cfg)
			api := mustEndpoint(t, h, "fn", FunctionInfo{Name: "helloWorld"})
			for _, b := range tc.before {
				mustRegister(t, api, b.name, b.address)
			}
			method, path := tc.method, tc.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = fgs.ExtensionRegisterPath
			}

			status, header, body := call(t, method, "http://"+api+path, tc.ext.name, tc.ext.address)

			if status != tc.status {
				t.Fatalf("status = %d, want %d; body %s", status, tc.status, body)
			}
			if ct := header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if status == http.StatusMethodNotAllowed && header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q, want POST", header.Get("Allow"))
			}
			if status == http.StatusOK {
				want := `{"functionName":"helloWorld","functionVersion":"$LATEST","errorInfo":{"errorType":"","errorMessage":""}}`
				if got := strings.TrimSpace(string(body)); got != want {
					t.Errorf("body = %s, want %s", got, want)
				}
			} else {
				var e fgs.ErrorBody
				if err := json.Unmarshal(body, &e); err != nil {
					t.Fatalf("error body %s: %v", body, err)
				}
				if e.ErrorCode != tc.code {
					t.Errorf("error_code = %q, want %q (error_msg %q)", e.ErrorCode, tc.code, e.ErrorMsg)
				}
				if e.ErrorMsg == "" {
					t.Errorf("error_msg is empty")
				}
				for _, part := range tc.msgParts {
					if !strings.Contains(e.ErrorMsg, part) {
						t.Errorf("error_msg %q does not mention %q", e.ErrorMsg, part)
					}
				}
			}
			if tc.after != nil {
				got := h.Extensions("fn")
				if len(got) != len(tc.after) {
					t.Fatalf("Extensions = %v, want %v", got, tc.after)
				}
				for i, want := range tc.after {
					if got[i].Name != want.name || got[i].Address != want.address || got[i].RegisteredAt.IsZero() {
						t.Errorf("Extensions[%d] = %+v, want %s at %s", i, got[i], want.name, want.address)
					}
				}
			}
		})
	}
}

func TestReRegisterKeepsRegistrationTime(t *testing.T) {
	h := newTestHub(t, HubConfig{})
	api := mustEndpoint(t, h, "fn", FunctionInfo{Name: "fn", Version: "1"})
	first := mustRegister(t, api, "a.sh", "127.0.0.1:8081")
	at := h.Extensions("fn")[0].RegisteredAt
	again := mustRegister(t, api, "a.sh", "127.0.0.1:8081")
	if again != first {
		t.Fatalf("re-register answered %+v, first answer %+v", again, first)
	}
	if got := h.Extensions("fn")[0].RegisteredAt; !got.Equal(at) {
		t.Fatalf("re-register changed RegisteredAt from %v to %v", at, got)
	}
}

func TestKeysAreIsolated(t *testing.T) {
	h := newTestHub(t, HubConfig{})
	api1 := mustEndpoint(t, h, "run1/fn", FunctionInfo{Name: "one", Version: "v1"})
	api2 := mustEndpoint(t, h, "run2/fn", FunctionInfo{Name: "two"})
	if api1 == api2 {
		t.Fatalf("both keys got endpoint %s", api1)
	}
	for i := range fgs.MaxExtensions {
		mustRegister(t, api1, fmt.Sprintf("ext%d.sh", i), fmt.Sprintf("127.0.0.1:%d", fgs.ExtensionPortMin+i))
	}
	// The same name and port are free in the other function.
	got := mustRegister(t, api2, "ext0.sh", "127.0.0.1:8081")
	if got.FunctionName != "two" || got.FunctionVersion != "$LATEST" {
		t.Fatalf("second function answered %+v, want two/$LATEST", got)
	}
	if n := len(h.Extensions("run2/fn")); n != 1 {
		t.Fatalf("second function has %d extensions, want 1", n)
	}
	if got := mustRegister(t, api1, "ext0.sh", "127.0.0.1:8081"); got.FunctionName != "one" || got.FunctionVersion != "v1" {
		t.Fatalf("first function answered %+v, want one/v1", got)
	}

	h.Remove("run1/fn")
	if n := len(h.Extensions("run2/fn")); n != 1 {
		t.Fatalf("removing the first function left the second with %d extensions, want 1", n)
	}
	mustRegister(t, api2, "ext1.sh", "127.0.0.1:8082")
	if got := h.Stats("run2/fn").Registered; got != 2 {
		t.Fatalf("second function Registered = %d, want 2", got)
	}
}
