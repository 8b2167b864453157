package proxy

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/syncbuf"
	"github.com/fgharness/fgharness/suites/framework"
)

// testEmulator is an in-process emulator that counts the requests reaching it.
type testEmulator struct {
	*emulator.Local
	mu   sync.Mutex
	hits int
}

func (e *testEmulator) requests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hits
}

// startEmulator starts an emulator with cfg, behind the named defect when
// defect is not empty.
func startEmulator(t *testing.T, cfg emulator.Config, defect string) *testEmulator {
	t.Helper()
	te := &testEmulator{}
	var inner func(http.Handler) http.Handler
	if defect != "" {
		wrap, closeDefect, ok := framework.WrapDefect(defect, cfg.Token)
		if !ok {
			t.Fatalf("no defect %q", defect)
		}
		t.Cleanup(closeDefect)
		inner = wrap
	}
	counting := func(h http.Handler) http.Handler {
		if inner != nil {
			h = inner(h)
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			te.mu.Lock()
			te.hits++
			te.mu.Unlock()
			h.ServeHTTP(w, r)
		})
	}
	l, err := emulator.StartTarget(context.Background(), cfg, counting)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	te.Local = l
	return te
}

// runningProxy is a proxy Run in the background.
type runningProxy struct {
	URL string
	Log *syncbuf.Buffer
	end func() (Result, error)
}

// stop stops the proxy and returns the result of its run.
func (p *runningProxy) stop(t *testing.T) Result {
	t.Helper()
	res, err := p.end()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// startProxy runs the proxy on a free loopback port with opts (Listen and
// Log are set here) and stops it when the test ends, if the test did not.
func startProxy(t *testing.T, opts Options) *runningProxy {
	t.Helper()
	logs := &syncbuf.Buffer{}
	opts.Listen = "127.0.0.1:0"
	opts.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	type ended struct {
		res Result
		err error
	}
	done := make(chan ended, 1)
	go func() {
		res, err := Run(ctx, opts, func(addr string) { ready <- addr })
		done <- ended{res, err}
	}()
	var once sync.Once
	var last ended
	stop := func() (Result, error) {
		once.Do(func() {
			cancel()
			last = <-done
		})
		return last.res, last.err
	}
	t.Cleanup(func() { _, _ = stop() })
	select {
	case addr := <-ready:
		return &runningProxy{URL: "http://" + addr, Log: logs, end: stop}
	case e := <-done:
		t.Fatalf("proxy did not start: %v", e.err)
	case <-time.After(10 * time.Second):
		t.Fatal("proxy did not start within 10s")
	}
	return nil
}

// getWithToken sends GET url with the token and returns the status.
func getWithToken(t *testing.T, url, token string) int {
	t.Helper()
	return get(t, http.DefaultTransport, url, "X-Auth-Token", token)
}

// get sends GET url through rt (which follows no redirect) with the
// header names and values given in pairs, and returns the status.
func get(t *testing.T, rt http.RoundTripper, url string, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
