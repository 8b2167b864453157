package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/emulator"
)

// The servers below misbehave on purpose, each the way a broken or hostile
// endpoint would; fgh contract must answer each with the documented exit
// status and one actionable line, never hang, leak or lie.

// frontedEmulator starts an emulator and a loopback front that passes every
// request to it unless intercept answers it first (intercept returns true).
func frontedEmulator(t *testing.T, intercept func(w http.ResponseWriter, r *http.Request) bool) (front *httptest.Server, cfg emulator.Config) {
	t.Helper()
	cfg = emulator.DefaultConfig()
	em, err := emulator.StartLocal(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = em.Close(context.Background()) })
	u, err := url.Parse(em.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if intercept != nil && intercept(w, r) {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front, cfg
}

func TestContractNeverFollowsARedirectToAnotherOrigin(t *testing.T) {
	t.Parallel()
	var stolen atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer other.Close()
	front, cfg := frontedEmulator(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost {
			return false
		}
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
		return true
	})
	r := runFGHProcess(t, nil, "contract", "--target", front.URL, "--project-id", cfg.ProjectID, "--token", cfg.Token,
		"--label-filter", "functions", "--out", t.TempDir())
	r.expect(t, exitFailed, "redirect 307", "another origin", "never follows redirects")
	if n := stolen.Load(); n != 0 {
		t.Fatalf("the other origin received %d requests; redirects must never be followed", n)
	}
}

func TestContractPreflightSaysWhatToFix(t *testing.T) {
	t.Parallel()
	plain, cfg := frontedEmulator(t, nil)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer tlsSrv.Close()
	plainHost := strings.TrimPrefix(plain.URL, "http://")
	tlsHost := strings.TrimPrefix(tlsSrv.URL, "https://")
	for _, tc := range []struct {
		name     string
		target   string
		token    string
		mentions []string
	}{
		{"https to a plain HTTP server", "https://" + plainHost, cfg.Token, []string{"does not speak TLS", "--target http://" + plainHost}},
		{"http to an HTTPS server", "http://" + tlsHost, cfg.Token, []string{"answers HTTPS", "--target https://" + tlsHost}},
		{"target with a path", plain.URL + "/v2", cfg.Token, []string{"has a path", plain.URL}},
		{"refused credentials", plain.URL, "not-the-token", []string{"refused the credentials", "--token"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := runFGHProcess(t, nil, "contract", "--target", tc.target, "--project-id", cfg.ProjectID, "--token", tc.token, "--out", t.TempDir())
			r.expect(t, exitUsage, tc.mentions...)
			if lines := strings.Count(strings.TrimSpace(r.output), "\n") + 1; lines > 3 {
				t.Errorf("a preflight failure should be a line or two, got %d lines:\n%s", lines, r.output)
			}
			if d := time.Since(start); d > time.Minute {
				t.Errorf("preflight took %s", d)
			}
		})
	}
}

// silentListener accepts connections and never answers; it counts them.
func silentListener(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int64)
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), accepted
}

func TestContractFailsFastOnASilentTarget(t *testing.T) {
	t.Parallel()
	addr, _ := silentListener(t)
	start := time.Now()
	r := runFGHProcess(t, nil, "contract", "--target", "http://"+addr, "--project-id", "p1", "--token", "t0ken-value",
		"--request-timeout", "1s", "--out", t.TempDir())
	r.expect(t, exitUsage, "did not answer within 1s")
	if d := time.Since(start); d > 45*time.Second {
		t.Errorf("a silent target took %s to give up on", d)
	}
}

func TestContractStopsWhenTheTargetGoesSilentMidRun(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	release := make(chan struct{})
	front, cfg := frontedEmulator(t, func(w http.ResponseWriter, r *http.Request) bool {
		if calls.Add(1) <= 5 {
			return false // the preflight and the first few calls get through
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	})
	t.Cleanup(func() { close(release) }) // before the front's Close, which waits for these handlers
	start := time.Now()
	r := runFGHProcess(t, nil, "contract", "--target", front.URL, "--project-id", cfg.ProjectID, "--token", cfg.Token,
		"--request-timeout", "1s", "--out", t.TempDir())
	r.expect(t, exitUsage, "no answer")
	if d := time.Since(start); d > 90*time.Second {
		t.Errorf("the run went on for %s after the target went silent", d)
	}
}

// endless is a body that never ends: an answer far larger than any the
// documents allow, produced without holding it in memory.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestContractCapsAHugeAnswer(t *testing.T) {
	t.Parallel()
	front, cfg := frontedEmulator(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/fgs/functions") {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"functions":[{"func_name":"`)
		_, _ = io.Copy(w, io.LimitReader(endless{}, 1<<30))
		return true
	})
	out := t.TempDir()
	cmd := fghProcess(t, nil, "contract", "--target", front.URL, "--project-id", cfg.ProjectID, "--token", cfg.Token,
		"--label-filter", "op:listFunctions", "--out", out)
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != exitFailed {
		t.Fatalf("exit status %d (%v), want %d:\n%s", code, err, exitFailed, buf.String())
	}
	if !strings.Contains(buf.String(), "response larger than 32 MB") {
		t.Errorf("the output does not say the answer was too large:\n%s", buf.String())
	}
	// The race detector multiplies memory several times over; the bound is
	// for the binary users run (about 190 MB here, 764 MB before the cap).
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && !raceEnabled && ru.Maxrss > 400<<10 {
		t.Errorf("peak RSS %d MB reading a capped answer", ru.Maxrss>>10)
	}
}

func TestContractEmptySelectionAndBadOutAreUsageErrors(t *testing.T) {
	t.Parallel()
	r := runFGHProcess(t, nil, "contract", "--label-filter", "invocaton", "--out", t.TempDir())
	r.expect(t, exitUsage, "selects no spec", "invocation")
	if strings.Contains(r.output, "SUCCESS") {
		t.Errorf("an empty selection printed SUCCESS:\n%s", r.output)
	}

	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	runFGHProcess(t, nil, "contract", "--out", filepath.Join(blocker, "reports")).expect(t, exitUsage, "--out")
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("an unusable --out was found only after %s", d)
	}
}

func TestContractInterruptedExits130(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	front, cfg := frontedEmulator(t, func(w http.ResponseWriter, r *http.Request) bool {
		calls.Add(1)
		time.Sleep(30 * time.Millisecond) // a slow endpoint: the run is still going when the signal comes
		return false
	})
	cmd := fghProcess(t, nil, "contract", "--target", front.URL, "--project-id", cfg.ProjectID, "--token", cfg.Token, "--out", t.TempDir())
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for calls.Load() < 10 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if calls.Load() < 10 {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the run had not started its specs after 2 minutes; output:\n%s", buf.String())
	}
	_ = cmd.Process.Signal(os.Interrupt)
	kill := time.AfterFunc(3*time.Minute, func() { _ = cmd.Process.Kill() })
	_ = cmd.Wait()
	kill.Stop()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit status %d after SIGINT, want %d:\n%s", code, exitInterrupted, buf.String())
	}
	if !strings.Contains(buf.String(), "interrupted") {
		t.Errorf("the output does not say the run was interrupted:\n%s", buf.String())
	}
}
