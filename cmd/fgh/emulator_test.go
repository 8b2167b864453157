package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/aksk"
	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/fghtest"
	"github.com/fgharness/fgharness/internal/syncbuf"
	"github.com/fgharness/fgharness/internal/urn"
)

// TestEmulatorCommand runs the real `fgh emulator` binary, built once into a
// temporary directory, the way a newcomer starts it.
func TestEmulatorCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the fgh binary")
	}
	bin := fghtest.Binary(t)
	t.Run("ServesHidesSecretsAndDrainsOnSIGTERM", func(t *testing.T) { testEmulatorServesAndDrains(t, bin) })
	t.Run("EveryFlagFromEnvironment", func(t *testing.T) { testEmulatorEnv(t, bin) })
	t.Run("RefusesUnsafeOrBrokenStarts", func(t *testing.T) { testEmulatorRefusals(t, bin) })
}

// emulatorProcess is a running `fgh emulator` and everything it printed.
type emulatorProcess struct {
	cmd            *exec.Cmd
	stdout, stderr *syncbuf.Buffer
	url            string
	exited         chan error
}

var emuListeningLine = regexp.MustCompile(`^fgh emulator listening on (http://127\.0\.0\.1:(\d+))$`)

// emulatorCommand is `fgh emulator args...` with no FGH_* variable
// inherited except those in env.
func emulatorCommand(bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, append([]string{"emulator"}, args...)...)
	cmd.Env = fghtest.Env(env...)
	return cmd
}

// startEmulator starts the binary and waits for its listening line.
func startEmulator(t *testing.T, bin string, env []string, args ...string) *emulatorProcess {
	t.Helper()
	p := &emulatorProcess{cmd: emulatorCommand(bin, env, args...), stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}, exited: make(chan error, 1)}
	pipe, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan string, 1)
	go func() {
		r := bufio.NewReader(pipe)
		line, _ := r.ReadString('\n')
		_, _ = p.stdout.Write([]byte(line))
		first <- strings.TrimSuffix(line, "\n")
		_, _ = io.Copy(p.stdout, r)
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
		}
	})
	select {
	case line := <-first:
		m := emuListeningLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first stdout line %q is not the listening line; stderr:\n%s", line, p.stderr.String())
		}
		p.url = m[1]
	case <-time.After(20 * time.Second):
		t.Fatalf("no listening line in 20 s; stderr:\n%s", p.stderr.String())
	}
	return p
}

// stop sends SIGTERM and returns the process's exit error.
func (p *emulatorProcess) stop(t *testing.T) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("fgh emulator still running 30 s after SIGTERM")
		return nil
	}
}

type emuReply struct {
	status int
	header http.Header
	body   []byte
}

// request sends one request to the emulator; token "" sends none.
func (p *emulatorProcess) request(t *testing.T, method, path, token string, body []byte, sign func(*http.Request, []byte) error) emuReply {
	t.Helper()
	r, err := p.send(method, path, token, body, sign)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is request for goroutines other than the test's.
func (p *emulatorProcess) send(method, path, token string, body []byte, sign func(*http.Request, []byte) error) (emuReply, error) {
	req, err := http.NewRequest(method, p.url+path, bytes.NewReader(body))
	if err != nil {
		return emuReply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	if sign != nil {
		if err := sign(req, body); err != nil {
			return emuReply{}, err
		}
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		return emuReply{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return emuReply{resp.StatusCode, resp.Header, got}, err
}

func emuSigner(ak, sk string) func(*http.Request, []byte) error {
	return func(r *http.Request, body []byte) error { return aksk.Sign(r, body, ak, sk, time.Now()) }
}

func emuFunctionBody(name, userData string) []byte {
	b, _ := json.Marshal(map[string]any{"func_name": name, "package": "default", "runtime": "Python3.9", "timeout": 30,
		"handler": "index.handler", "memory_size": 128, "code_type": "inline", "user_data": userData})
	return b
}

func emuFunctionURN(region, project, name string) string {
	return url.PathEscape(urn.Function(region, project, "default", name, urn.Latest).String())
}

func emuTokenRequest(user, password, project string) []byte {
	b, _ := json.Marshal(map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": user, "password": password, "domain": map[string]any{"name": "dev"}}}},
		"scope": map[string]any{"project": map[string]any{"id": project}}}})
	return b
}

func emuWriteFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func testEmulatorServesAndDrains(t *testing.T, bin string) {
	const token, ak, sk, password = "tok-FLAG-secret-4242", "AKFLAGTEST", "sk-FLAG-secret-5151", "pw-ENV-secret-6363"
	faults := emuWriteFile(t, "faults.yaml", "latency:\n  distribution: fixed\n  value: 1ms\n")
	p := startEmulator(t, bin, []string{"FGH_PASSWORD=" + password},
		"--listen", "127.0.0.1:0", "--token", token, "--ak", ak, "--sk", sk, "--faults", faults)
	project, region := emulator.DefaultProjectID, emulator.DefaultRegion
	base := "/v2/" + project + "/fgs/"

	if r := p.request(t, "GET", base+"functions", token, nil, nil); r.status != 200 {
		t.Fatalf("token request: %d %s", r.status, r.body)
	}
	if r := p.request(t, "GET", base+"functions", "", nil, emuSigner(ak, sk)); r.status != 200 {
		t.Fatalf("signed request: %d %s", r.status, r.body)
	}
	if r := p.request(t, "GET", base+"functions", "", nil, emuSigner(ak, "not-"+sk)); r.status != 401 {
		t.Fatalf("wrong SK: %d %s", r.status, r.body)
	}
	if r := p.request(t, "POST", "/v3/auth/tokens", "", emuTokenRequest(emulator.DefaultUser, password, project), nil); r.status != 201 {
		t.Fatalf("IAM token with FGH_PASSWORD: %d %s", r.status, r.body)
	}
	if r := p.request(t, "GET", "/_fgh/v1/faults", token, nil, nil); !strings.Contains(string(r.body), `"value":"1ms"`) {
		t.Fatalf("--faults file not in force: %s", r.body)
	}

	if r := p.request(t, "POST", base+"functions", token, emuFunctionBody("slow", `{"FGH_HANDLER":"sleep","FGH_SLEEP":"1500ms"}`), nil); r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	type result struct {
		emuReply
		err error
	}
	invoked := make(chan result, 1)
	go func() {
		r, err := p.send("POST", base+"functions/"+emuFunctionURN(region, project, "slow")+"/invocations", token, []byte(`{}`), nil)
		invoked <- result{r, err}
	}()
	// SIGTERM only once the invocation is running.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(string(p.request(t, "GET", "/metrics", "", nil, nil).body), "fgh_emulator_executions_in_flight 1") {
		if time.Now().After(deadline) {
			t.Fatal("the slow invocation never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v; stderr:\n%s", err, p.stderr.String())
	}
	r := <-invoked
	if r.err != nil || r.status != 200 || !strings.Contains(string(r.body), "slept_ms") {
		t.Fatalf("in-flight invocation during shutdown: %v %d %s", r.err, r.status, r.body)
	}

	stdout, stderr := p.stdout.String(), p.stderr.String()
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 1 {
		t.Errorf("stdout has %d lines, want only the listening line:\n%s", len(lines), stdout)
	}
	for _, secret := range []string{token, sk, password} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("output carries the secret %q", secret)
		}
	}
	for _, want := range []string{"token=set", "sk=set", "project_id=" + project, "region=" + region, "draining"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func testEmulatorEnv(t *testing.T, bin string) {
	const (
		project  = "0123456789abcdef0123456789abcdef"
		region   = "eu-west-101"
		token    = "tok-ENV-secret-1111"
		ak       = "AKENVTEST"
		sk       = "sk-ENV-secret-2222"
		user     = "env-user"
		password = "pw-ENV-secret-3333"
	)
	faults := emuWriteFile(t, "faults.json", `{"extension_delay":"7ms"}`)
	p := startEmulator(t, bin, []string{
		"FGH_LISTEN=127.0.0.1:0", "FGH_PROJECT_ID=" + project, "FGH_REGION=" + region, "FGH_TOKEN=" + token,
		"FGH_AK=" + ak, "FGH_SK=" + sk, "FGH_USER=" + user, "FGH_PASSWORD=" + password, "FGH_FAULTS=" + faults,
		"FGH_COLD_START=150ms", "FGH_DRAIN_TIMEOUT=7s", "FGH_LOG_LEVEL=debug", "FGH_TIMER_SPEEDUP=600",
		"FGH_ALLOW_REMOTE=false",
	})
	base := "/v2/" + project + "/fgs/"
	if r := p.request(t, "GET", base+"functions", emulator.DefaultToken, nil, nil); r.status != 401 {
		t.Errorf("the dev token still works with FGH_TOKEN set: %d", r.status)
	}
	if r := p.request(t, "GET", base+"functions", "", nil, emuSigner(ak, sk)); r.status != 200 {
		t.Errorf("FGH_AK/FGH_SK signature (project from FGH_PROJECT_ID): %d %s", r.status, r.body)
	}
	if r := p.request(t, "POST", "/v3/auth/tokens", "", emuTokenRequest(user, password, project), nil); r.status != 201 {
		t.Errorf("FGH_USER/FGH_PASSWORD token: %d %s", r.status, r.body)
	}
	if r := p.request(t, "GET", "/_fgh/v1/faults", token, nil, nil); !strings.Contains(string(r.body), `"extension_delay":"7ms"`) {
		t.Errorf("FGH_FAULTS not in force: %s", r.body)
	}
	created := p.request(t, "POST", base+"functions", token, emuFunctionBody("envfn", `{}`), nil)
	if created.status != 200 || !strings.Contains(string(created.body), "urn:fss:"+region+":"+project+":function:default:envfn") {
		t.Fatalf("create with FGH_TOKEN, URN with FGH_REGION: %d %s", created.status, created.body)
	}
	fn := base + "functions/" + emuFunctionURN(region, project, "envfn")
	inv := p.request(t, "POST", fn+"/invocations", token, []byte(`{}`), nil)
	var summary struct {
		InitDuration float64 `json:"initDuration"`
	}
	_ = json.Unmarshal([]byte(inv.header.Get("X-Cff-Invoke-Summary")), &summary)
	if inv.status != 200 || summary.InitDuration < 150 {
		t.Errorf("FGH_COLD_START=150ms: first invocation %d, summary %s", inv.status, inv.header.Get("X-Cff-Invoke-Summary"))
	}
	timer := []byte(`{"trigger_type_code":"TIMER","trigger_status":"ACTIVE","event_data":{"name":"envtimer","schedule_type":"Rate","schedule":"1m"}}`)
	if r := p.request(t, "POST", base+"triggers/"+emuFunctionURN(region, project, "envfn"), token, timer, nil); r.status != 201 {
		t.Fatalf("timer: %d %s", r.status, r.body)
	}
	// FGH_TIMER_SPEEDUP=600: the 1m rate fires every 100 ms.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(string(p.request(t, "GET", "/metrics", "", nil, nil).body), `fgh_emulator_timer_trigger_fires_total{outcome="queued"}`) {
		if time.Now().After(deadline) {
			t.Fatal("FGH_TIMER_SPEEDUP=600: the 1m timer did not fire in 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := p.stop(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	stderr := p.stderr.String()
	for _, want := range []string{"level=DEBUG", "timeout=7s", "timer_speedup=600", "cold_start=150ms"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q (FGH_LOG_LEVEL, FGH_DRAIN_TIMEOUT, FGH_TIMER_SPEEDUP, FGH_COLD_START)", want)
		}
	}
	for _, secret := range []string{token, sk, password} {
		if strings.Contains(p.stdout.String()+stderr, secret) {
			t.Errorf("output carries the secret %q", secret)
		}
	}
}

func testEmulatorRefusals(t *testing.T, bin string) {
	badFaults := emuWriteFile(t, "bad.yaml", "error_rate: 3\n")
	cases := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"non-loopback listen", nil, []string{"--listen", "0.0.0.0:0"}, "--allow-remote"},
		{"non-loopback listen from env", []string{"FGH_LISTEN=192.0.2.1:0"}, nil, "not a loopback address"},
		{"remote with dev credentials", nil, []string{"--listen", "0.0.0.0:0", "--allow-remote"}, "dev credentials"},
		{"not host:port", nil, []string{"--listen", "8000"}, "host:port"},
		{"bad faults file", nil, []string{"--listen", "127.0.0.1:0", "--faults", badFaults}, "error_rate"},
		{"missing faults file", []string{"FGH_FAULTS=" + badFaults + ".missing"}, []string{"--listen", "127.0.0.1:0"}, "faults"},
		{"timer speedup below 1", nil, []string{"--listen", "127.0.0.1:0", "--timer-speedup", "0.5"}, "timer speedup"},
		{"bad secret in env", []string{"FGH_SK=", "FGH_AK=AKONLY"}, []string{"--listen", "127.0.0.1:0"}, "AK/SK"},
	}
	for _, c := range cases {
		cmd := emulatorCommand(bin, c.env, c.args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != exitUsage {
				t.Errorf("%s: exit %v, want %d; stderr: %s", c.name, err, exitUsage, stderr.String())
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("%s: still running after 20 s; it should have refused to start", c.name)
			continue
		}
		if !strings.Contains(stderr.String(), c.want) || stdout.Len() != 0 {
			t.Errorf("%s: stderr %q lacks %q (stdout %q)", c.name, stderr.String(), c.want, stdout.String())
		}
	}
}
