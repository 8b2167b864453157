package proxy

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	functiongraph "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/evidence"
)

func TestSignedHeader(t *testing.T) {
	auth := "SDK-HMAC-SHA256 Access=AK, SignedHeaders=accept-encoding;host;x-sdk-date, Signature=abc"
	if !signedHeader(auth, "Accept-Encoding") || !signedHeader(auth, "host") || signedHeader(auth, "content-type") || signedHeader("", "host") {
		t.Error("signedHeader misreads SignedHeaders")
	}
}

// TestTokenNeverWritten: a client's token, sent in the header and echoed
// in the bodies of a failing exchange, reaches neither a report nor the log.
func TestTokenNeverWritten(t *testing.T) {
	cfg := emulator.DefaultConfig()
	const token = "tok-proxy-test-7c1d9e2f4a6b8c0d"
	cfg.Token = token
	em := startEmulator(t, cfg, "request-id-number")
	out := t.TempDir()
	px := startProxy(t, Options{Upstream: em.URL, OutDir: out})

	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, px.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Auth-Token", token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	base := "/v2/" + cfg.ProjectID + "/fgs/functions"
	status, body := call(http.MethodPost, base, `{"func_name":"tok","package":"default","runtime":"Python3.9","timeout":30,"handler":"index.handler","memory_size":128,"code_type":"inline","func_code":{"file":"aW1wb3J0IGpzb24K"}}`)
	if status != http.StatusOK {
		t.Fatalf("create through the proxy: %d %s", status, body)
	}
	urn := "urn:fss:" + cfg.Region + ":" + cfg.ProjectID + ":function:default:tok:latest"
	status, body = call(http.MethodPost, base+"/"+urn+"/invocations", `{"note":"`+token+`"}`)
	if status != http.StatusOK || !strings.Contains(body, token) {
		t.Fatalf("invoke through the proxy: %d %s (the test needs the token echoed back)", status, body)
	}
	res := px.stop(t)
	if !res.Summary.Failed() {
		t.Fatal("the request-id-number defect was not reported, so no evidence was written to check")
	}
	run, err := evidence.ReadRun(out)
	if err != nil || len(run.Failures) == 0 {
		t.Fatalf("failures.json: %v, %d failures", err, len(run.Failures))
	}
	if f := run.Failures[0]; !strings.Contains(f.Request.Body.Text, evidence.Redacted) || f.Request.Header.Get("X-Auth-Token") != evidence.Redacted {
		t.Errorf("the evidence does not show the redaction: %+v", f.Request)
	}
	files, _ := os.ReadDir(out)
	if len(files) < 3 {
		t.Fatalf("reports written: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(out, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), token) || strings.Contains(string(data), strings.TrimPrefix(token, "tok-")) {
			t.Errorf("%s holds the token", f.Name())
		}
	}
	if strings.Contains(px.Log.String(), token) {
		t.Error("the log holds the token")
	}
}

// TestResign: with --ak/--sk the proxy signs for the upstream, so a client
// whose own signature is wrong gets through; without, the same client is
// refused (the client's signature really is what the upstream checks).
func TestResign(t *testing.T) {
	cfg := emulator.DefaultConfig()
	em := startEmulator(t, cfg, "")
	list := func(c *functiongraph.FunctionGraphClient) error {
		_, err := c.ListFunctions(&model.ListFunctionsRequest{})
		return err
	}
	plain := startProxy(t, Options{Upstream: em.URL, OutDir: t.TempDir()})
	if err := list(sdkVia(t, plain.URL, cfg, "wrong-secret", http.DefaultTransport)); err == nil {
		t.Fatal("a wrong signature got through a proxy that forwards it")
	}
	if err := list(sdkVia(t, plain.URL, cfg, cfg.SK, http.DefaultTransport)); err != nil {
		t.Fatalf("the client's own signature, Host unchanged: %v", err)
	}
	har := filepath.Join(t.TempDir(), "resign.har")
	resign := startProxy(t, Options{Upstream: em.URL, OutDir: t.TempDir(), AK: cfg.AK, SK: cfg.SK, HAR: har})
	if err := list(sdkVia(t, resign.URL, cfg, "wrong-secret", http.DefaultTransport)); err != nil {
		t.Fatalf("re-signed by the proxy: %v", err)
	}
	resign.stop(t)
	if strings.Contains(resign.Log.String(), cfg.SK) {
		t.Error("the log holds the secret key")
	}
	// The HAR shows the request as the upstream got it, signed by the
	// proxy: the signature is redacted with the header, the key is nowhere.
	data, err := os.ReadFile(har)
	if err != nil {
		t.Fatal(err)
	}
	redacted, _ := json.Marshal(evidence.Redacted) // as the HAR's JSON spells it
	if strings.Contains(string(data), cfg.SK) || strings.Contains(string(data), "Signature=") || !strings.Contains(string(data), string(redacted)) {
		t.Errorf("the re-signing proxy's HAR holds its key or signature, or shows no redaction:\n%.2000s", data)
	}
}

// TestRedirectNotFollowed: a 3xx from the upstream goes back to the
// client as it came and is reported; the proxy does not follow it.
func TestRedirectNotFollowed(t *testing.T) {
	followed := false
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed = true }))
	defer elsewhere.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
	}))
	defer up.Close()
	px := startProxy(t, Options{Upstream: up.URL, OutDir: t.TempDir()})
	status := get(t, http.DefaultTransport, px.URL+"/v2/p/fgs/functions", "X-Auth-Token", "some-token")
	res := px.stop(t)
	if status != http.StatusFound || followed {
		t.Errorf("status %d, followed %v: want the 302 passed back, not followed", status, followed)
	}
	if !res.Summary.Failed() {
		t.Error("the redirect was not reported")
	}
}

// TestUpstreamDown: an upstream that does not answer gives the client a
// 502 and fails the run.
func TestUpstreamDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	px := startProxy(t, Options{Upstream: dead, OutDir: t.TempDir()})
	resp, err := http.Get(px.URL + "/v2/p/fgs/functions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	res := px.stop(t)
	if resp.StatusCode != http.StatusBadGateway || res.Summary.UpstreamErrors != 1 || !res.Summary.Failed() {
		t.Errorf("status %d, upstream errors %d, failed %v", resp.StatusCode, res.Summary.UpstreamErrors, res.Summary.Failed())
	}
}

// TestStopAbandonsSlowExchange: an exchange still in flight when the drain
// ends is reported as abandoned (fgh proxy exits 130), and the reports,
// rewritten every ReportEvery while running, are there.
func TestStopAbandonsSlowExchange(t *testing.T) {
	cfg := emulator.DefaultConfig()
	em := startEmulator(t, cfg, "")
	out := t.TempDir()
	px := startProxy(t, Options{Upstream: em.URL, OutDir: out, DrainTimeout: 100 * time.Millisecond, ReportEvery: 20 * time.Millisecond})
	base := em.URL + "/v2/" + cfg.ProjectID + "/fgs/functions"
	create, _ := http.NewRequest(http.MethodPost, base, strings.NewReader(`{"func_name":"slow","package":"default","runtime":"Python3.9","timeout":30,"handler":"index.handler","memory_size":128,"code_type":"inline","func_code":{"file":"aW1wb3J0IGpzb24K"},"user_data":"{\"FGH_HANDLER\":\"sleep\",\"FGH_SLEEP\":\"3s\"}"}`))
	create.Header.Set("X-Auth-Token", cfg.Token)
	create.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(create)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("create the slow function: %v %v", err, resp)
	}
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for _, err := os.Stat(filepath.Join(out, "conformance.json")); err != nil; _, err = os.Stat(filepath.Join(out, "conformance.json")) {
		if time.Now().After(deadline) {
			t.Fatal("no periodic report while running")
		}
		time.Sleep(10 * time.Millisecond)
	}
	invoke, _ := http.NewRequest(http.MethodPost, strings.Replace(base, em.URL, px.URL, 1)+"/urn:fss:"+cfg.Region+":"+cfg.ProjectID+":function:default:slow:latest/invocations", strings.NewReader(`{}`))
	invoke.Header.Set("X-Auth-Token", cfg.Token)
	invoke.Header.Set("Content-Type", "application/json")
	go func() {
		if resp, err := http.DefaultClient.Do(invoke); err == nil {
			resp.Body.Close()
		}
	}()
	for em.requests() < 2 { // the create and the invocation reached the emulator
		if time.Now().After(deadline) {
			t.Fatal("the invocation did not reach the emulator")
		}
		time.Sleep(10 * time.Millisecond)
	}
	res := px.stop(t)
	if !res.Abandoned {
		t.Error("stopping with a 3s invocation in flight and a 100ms drain did not abandon it")
	}
}
