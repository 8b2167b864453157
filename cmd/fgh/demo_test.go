package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/demo"
	"github.com/fgharness/fgharness/internal/fghtest"
	"github.com/fgharness/fgharness/internal/syncbuf"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/framework"
)

// runDemo runs `fgh demo args...` in a child process and returns its stdout and exit status.
func runDemo(t *testing.T, args ...string) (stdout string, code int) {
	t.Helper()
	if testing.Short() {
		t.Skip("fgh demo runs the suites and two load runs; skipped with -short")
	}
	cmd := fghProcess(t, nil, args...)
	var out, errOut syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	code = fghtest.Exit(t, cmd, 10*time.Minute)
	t.Logf("fgh demo %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return out.String(), code
}

func TestDemoWritesEveryReport(t *testing.T) {
	out := t.TempDir()
	stdout, code := runDemo(t, "demo", "--out", out, "--duration", "1s", "--fanout-duration", "1s", "--rate", "50/s",
		"--threshold", "success > 50%", "--fanout-threshold", "fanout.delivered > 50%") // loose: CI runs every package at once on 2 cores
	if code != 0 {
		t.Fatalf("fgh demo exited %d, want 0", code)
	}
	for _, f := range []string{
		filepath.Join(demo.ContractDir, framework.JUnitFile),
		filepath.Join(demo.ContractDir, framework.GinkgoJSONFile),
		filepath.Join(demo.ContractDir, framework.ConformanceJSON),
		filepath.Join(demo.ContractDir, framework.ConformanceMDFile),
		filepath.Join(demo.SyncInvokeDir, "report.html"),
		filepath.Join(demo.SyncInvokeDir, "junit.xml"),
		filepath.Join(demo.FanoutDir, "report.html"),
		demo.IndexFile,
	} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the demo did not write %s: %v", f, err)
		}
	}

	sync, err := reports.ReadReport(filepath.Join(out, demo.SyncInvokeDir))
	if err != nil {
		t.Fatal(err)
	}
	if sync.Scenario != "sync-invoke" || sync.Requests == 0 || len(sync.Thresholds) != 1 || !sync.Thresholds[0].Pass {
		t.Errorf("sync-invoke report: scenario %q, %d requests, thresholds %+v", sync.Scenario, sync.Requests, sync.Thresholds)
	}
	fan, err := reports.ReadReport(filepath.Join(out, demo.FanoutDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(fan.Sweep) != 3 || fan.Fanout == nil || fan.Fanout.Extensions != 10 || fan.Fanout.Delivered == 0 {
		t.Errorf("fan-out report: sweep %d points, fanout %+v; want K = 0, 5, 10 with deliveries", len(fan.Sweep), fan.Fanout)
	}
	html, err := os.ReadFile(filepath.Join(out, demo.SyncInvokeDir, "report.html"))
	if err != nil || !bytes.Contains(html, []byte("<svg")) {
		t.Errorf("sync-invoke report.html has no plots (%v)", err)
	}

	for _, want := range []string{"==> contract suites", "==> sync-invoke", "==> extension-fanout", "==> summary",
		"contract          PASS", "sync-invoke       PASS", "extension-fanout  PASS",
		"HTML report", filepath.Join(out, demo.SyncInvokeDir, "report.html"), filepath.Join(out, demo.IndexFile)} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
}

func TestDemoExitsOnFailedThreshold(t *testing.T) {
	out := t.TempDir()
	// No loopback HTTP round trip answers in a nanosecond.
	stdout, code := runDemo(t, "demo", "--out", out, "--skip-contract", "--duration", "1s", "--fanout-duration", "1s",
		"--rate", "20/s", "--fanout", "1", "--threshold", "p50 < 1us")
	if code != exitThreshold {
		t.Fatalf("fgh demo exited %d, want %d for a failed threshold", code, exitThreshold)
	}
	for _, want := range []string{"sync-invoke       FAIL", "SLO: p50 < 1us FAIL", "extension-fanout  PASS"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, demo.IndexFile)); err != nil {
		t.Errorf("a failed threshold must still leave the index: %v", err)
	}
}

func TestDemoBadFlagsExitUsage(t *testing.T) {
	_, _, err := execute(t, "demo", "--out", t.TempDir(), "--rate", "fast")
	if exitCodeOf(err) != exitUsage || !strings.Contains(err.Error(), "--rate") {
		t.Fatalf("error %v, want exit %d naming --rate", err, exitUsage)
	}
}
