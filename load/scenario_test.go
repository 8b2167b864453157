package load

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/loopback"
	"github.com/fgharness/fgharness/reports"
)

// TestInterruptWritesWhatRan cancels a 10-second run after half a second:
// Run returns promptly with the report of what ran, written to disk.
func TestInterruptWritesWhatRan(t *testing.T) {
	p, o := fakeRun(t, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	rep, err := Run(ctx, o)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's error", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("took %s to stop", took)
	}
	back, rerr := reports.ReadReport(o.OutDir)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if !rep.Interrupted || !back.Interrupted || back.Requests == 0 || back.Requests >= 2000 || back.Requests != p.invoked.Load() {
		t.Fatalf("report after interrupt: interrupted=%v requests=%d (server %d)", back.Interrupted, back.Requests, p.invoked.Load())
	}
	if st, err := os.Stat(filepath.Join(o.OutDir, ResultsFile)); err != nil || st.Size() == 0 {
		t.Errorf("results.bin not flushed: %v", err)
	}
}

// TestAbortOnFail stops a run whose endpoint fails every request once the threshold's delay has passed.
func TestAbortOnFail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error_code":"FSS.0503","error_msg":"Service unavailable."}`))
	}))
	defer srv.Close()
	o := Options{Target: client.Target{BaseURL: srv.URL, ProjectID: "p", Token: "t"}, Function: "urn:fss:r:p:function:default:f:latest",
		Pacing: Pacing{Rate: perSecond(50)}, Duration: 20 * time.Second, OutDir: t.TempDir(),
		Thresholds: []ThresholdSpec{{Expr: "success >= 95%", AbortOnFail: true, Delay: time.Second}, {Expr: "p99 < 10s"}}}
	began := time.Now()
	rep, err := Run(context.Background(), o)
	if !errors.Is(err, ErrThresholds) {
		t.Fatalf("err = %v, want ErrThresholds", err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("the run went on for %s after its threshold failed", took)
	}
	if len(rep.Thresholds) != 2 || rep.Thresholds[0].Pass || !rep.Thresholds[0].Aborted || !rep.Thresholds[1].Pass {
		t.Errorf("thresholds = %+v", rep.Thresholds)
	}
	if len(rep.Errors) == 0 || rep.Errors[0].Message != "503 FSS.0503" {
		t.Errorf("errors = %+v", rep.Errors)
	}
}

// TestFindMax: a server that sheds whatever exceeds 180 requests in any
// sliding second holds 150/s and breaks at 200/s. (A window aligned to
// wall-clock seconds would let a 1 s step at 200/s straddle two windows.)
func TestFindMax(t *testing.T) {
	var mu sync.Mutex
	var recent []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		now := time.Now()
		for len(recent) > 0 && now.Sub(recent[0]) >= time.Second {
			recent = recent[1:]
		}
		recent = append(recent, now)
		over := len(recent) > 180
		mu.Unlock()
		if over {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	o := Options{Target: client.Target{BaseURL: srv.URL, ProjectID: "p", Token: "t"}, Function: "urn:fss:r:p:function:default:f:latest",
		Scenario: ScenarioFindMax, Pacing: Pacing{Rate: perSecond(50)}, Duration: time.Second,
		// Only the server's shedding may break a step: a busy CI machine must
		// not fail one on latency or a generator stall.
		LateAfter: 250 * time.Millisecond,
		OutDir:    t.TempDir(), FindMax: &FindMaxOptions{SLO: []string{"success >= 99.9%"}, Step: 50, MaxSteps: 6, MaxLate: 1}}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	fm := rep.FindMax
	if fm == nil || fm.MaxRateRPS != 150 || fm.BrokenAtRPS != 200 || !strings.HasPrefix(fm.BrokenBy, "success") {
		t.Fatalf("find_max = %+v", fm)
	}
	if len(rep.Sweep) != 4 || !rep.Sweep[2].Held || rep.Sweep[3].Held || rep.RateRPS != 150 {
		t.Errorf("curve = %+v, headline rate %g", rep.Sweep, rep.RateRPS)
	}
}

// TestEmulatorWithAKSK runs against the built-in emulator with AK/SK
// credentials: the temporary function is created, every invocation signed
// afresh (the emulator rejects a bad or replayed signature), the function deleted.
func TestEmulatorWithAKSK(t *testing.T) {
	ctx := context.Background()
	l, err := emulator.StartLocal(ctx, emulator.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	var log bytes.Buffer
	o := Options{Target: client.Target{BaseURL: l.URL, ProjectID: l.Config.ProjectID, AK: l.Config.AK, SK: l.Config.SK},
		Pacing: Pacing{Rate: perSecond(100)}, Duration: time.Second, OutDir: t.TempDir(),
		LogType: "tail", ValidateSample: 0.1, Log: &log}
	rep, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 100 || rep.Successes != 100 {
		t.Fatalf("requests %d successes %d errors %+v", rep.Requests, rep.Successes, rep.Errors)
	}
	if rep.Validation == nil || rep.Validation.Checked != 10 || rep.Validation.Violations != 0 {
		t.Errorf("validation = %+v", rep.Validation)
	}
	if !strings.Contains(log.String(), "created temporary function") || !strings.Contains(log.String(), "deleted temporary function") {
		t.Errorf("log:\n%s", log.String())
	}
	data, _ := os.ReadFile(filepath.Join(o.OutDir, reports.ReportFile))
	if bytes.Contains(data, []byte(l.Config.SK)) || bytes.Contains(data, []byte(l.Config.AK)) || strings.Contains(log.String(), l.Config.SK) {
		t.Error("a credential leaked into report.json or the log")
	}
}

// TestEmulatorFanout registers two sinks at the emulator's Extension API (on
// a free port range the emulator is configured to allow) and checks that
// every invocation was delivered to both exactly once.
func TestEmulatorFanout(t *testing.T) {
	base := freePortPair(t)
	cfg := emulator.DefaultConfig()
	cfg.ExtensionPortMin, cfg.ExtensionPortMax = base, base+1
	ctx := context.Background()
	l, err := emulator.StartLocal(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	o := Options{Scenario: ScenarioFanout, Target: client.Target{BaseURL: l.URL, ProjectID: l.Config.ProjectID, Token: l.Config.Token},
		Pacing: Pacing{Rate: perSecond(50)}, Duration: time.Second, OutDir: t.TempDir(),
		Fanout: []int{2}, ExtensionPort: base, FanoutGrace: time.Second}
	rep, err := Run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Fanout
	if rep.Successes != 50 || f.Invocations != 50 || f.Delivered != 100 || f.Missing != 0 || f.Duplicates != 0 || f.Unmatched != 0 {
		t.Fatalf("successes %d, fanout %+v", rep.Successes, f)
	}
}

// freePortPair finds two consecutive free loopback ports.
func freePortPair(t *testing.T) int {
	t.Helper()
	base, err := loopback.FreeRange(2)
	if err != nil {
		t.Fatal(err)
	}
	return base
}
