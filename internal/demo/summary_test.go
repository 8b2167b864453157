package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/contract"
)

func fanoutReport(k int, delivered, expected int64) *reports.Report {
	r := &reports.Report{Scenario: "extension-fanout", Requests: expected / int64(max(k, 1)), SuccessRatio: 1,
		Latency: reports.Percentiles{P50: 1.5, P99: 4.25}, Settings: map[string]string{"duration": "5s"}}
	r.Fanout = &reports.Fanout{Extensions: k, Expected: expected, Delivered: delivered, Latency: reports.Percentiles{P50: 0.75, P99: 3}}
	if expected > 0 {
		r.Fanout.DeliveredRatio = float64(delivered) / float64(expected)
	}
	return r
}

// writeSweep lays out a fan-out run the way load writes a sweep: one report per K under steps/.
func writeSweep(t *testing.T, dir string, steps map[string]*reports.Report) *reports.Report {
	t.Helper()
	var head *reports.Report
	for name, r := range steps {
		if err := reports.WriteAll(filepath.Join(dir, "steps", name), r); err != nil {
			t.Fatal(err)
		}
		if head == nil || r.Fanout.Extensions > head.Fanout.Extensions {
			head = r
		}
	}
	top := *head
	for range steps {
		top.Sweep = append(top.Sweep, reports.SweepPoint{})
	}
	top.Thresholds = []reports.ThresholdResult{{Expr: "fanout.delivered > 99%", Pass: false}}
	if err := reports.WriteAll(dir, &top); err != nil {
		t.Fatal(err)
	}
	return &top
}

func TestReadSweepStepsOrdersByExtensions(t *testing.T) {
	dir := t.TempDir()
	top := writeSweep(t, dir, map[string]*reports.Report{
		"fanout-10": fanoutReport(10, 1000, 1000), "fanout-00": fanoutReport(0, 0, 0), "fanout-05": fanoutReport(5, 499, 500),
	})
	steps, err := readSweepSteps(dir, top)
	if err != nil {
		t.Fatal(err)
	}
	var ks []int
	for _, st := range steps {
		ks = append(ks, extensions(st.Report))
	}
	if joinInts(ks) != "0, 5, 10" {
		t.Fatalf("steps in order %v, want 0, 5, 10", ks)
	}

	top.Sweep = append(top.Sweep, reports.SweepPoint{})
	if _, err := readSweepSteps(dir, top); err == nil {
		t.Fatal("a sweep with more points than step reports must be an error")
	}
}

func TestReadSweepStepsSingleK(t *testing.T) {
	r := fanoutReport(3, 30, 30)
	steps, err := readSweepSteps("run", r)
	if err != nil || len(steps) != 1 || steps[0].Report != r || steps[0].Dir != "run" {
		t.Fatalf("single K: got %+v, %v; want the run itself", steps, err)
	}
}

func TestReadSpecCountsCountsOnlyIts(t *testing.T) {
	runs := []types.Report{{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeIt, State: types.SpecStatePassed},
		{LeafNodeType: types.NodeTypeIt, State: types.SpecStatePassed},
		{LeafNodeType: types.NodeTypeIt, State: types.SpecStateFailed},
		{LeafNodeType: types.NodeTypeIt, State: types.SpecStatePanicked},
		{LeafNodeType: types.NodeTypeIt, State: types.SpecStateSkipped},
		{LeafNodeType: types.NodeTypeIt, State: types.SpecStatePending},
		{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed},
	}}}
	data, err := json.Marshal(runs)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, contract.GinkgoJSONFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readSpecCounts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Counts{Passed: 2, Failed: 2, Skipped: 2}); *got != want {
		t.Fatalf("counts %+v, want %+v", *got, want)
	}
}

func TestSummaryTextAndIndex(t *testing.T) {
	out := t.TempDir()
	fanDir := filepath.Join(out, FanoutDir)
	top := writeSweep(t, fanDir, map[string]*reports.Report{
		"fanout-00": fanoutReport(0, 0, 0), "fanout-05": fanoutReport(5, 499, 500),
	})
	steps, err := readSweepSteps(fanDir, top)
	if err != nil {
		t.Fatal(err)
	}
	sync := &reports.Report{Scenario: "sync-invoke", Requests: 4000, RateRPS: 200, AchievedRPS: 199.96, SuccessRatio: 1,
		Latency:    reports.Percentiles{P50: 0.88, P99: 1.62},
		Thresholds: []reports.ThresholdResult{{Expr: "p99 < 250ms", Pass: true}}}
	if err := reports.WriteAll(filepath.Join(out, SyncInvokeDir), sync); err != nil {
		t.Fatal(err)
	}
	s := &Summary{OutDir: out, StartedAt: time.Now(), Duration: 61 * time.Second,
		Contract:   &ContractSummary{Dir: filepath.Join(out, ContractDir), Passed: true, Specs: &Counts{Passed: 15}, Checks: Counts{Passed: 30, Skipped: 1}, Duration: 2 * time.Second},
		SyncInvoke: sync, Fanout: top, FanoutSteps: steps}

	var buf bytes.Buffer
	s.WriteText(&buf)
	text := buf.String()
	for _, want := range []string{
		"contract          PASS  specs 15 passed, 0 failed, 0 skipped; checks 30 passed, 0 failed, 1 skipped; 2.0s",
		"sync-invoke       PASS  4000 requests at 200.0/s (asked 200/s), p50 0.88ms, p99 1.62ms, 100.00% ok, 0 late",
		"SLO: p99 < 250ms pass",
		"extension-fanout  FAIL",
		"SLO at K=5: fanout.delivered > 99% FAIL",
		"HTML report ", filepath.Join(out, SyncInvokeDir, "report.html"),
		filepath.Join(out, IndexFile),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	// The fan-out table's columns line up: K=5's delivered ratio sits under "delivered".
	head := regexp.MustCompile(`(?m)^.*\bK\s+invocations\s+delivered.*$`).FindString(text)
	row5 := regexp.MustCompile(`(?m)^\s+5\s+100\s+99\.80%.*$`).FindString(text)
	if head == "" || row5 == "" || strings.Index(head, "delivered") != strings.Index(row5, "99.80%") {
		t.Errorf("fan-out table misaligned:\n%s", text)
	}

	if err := writeIndex(s); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	hrefs := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	seen := map[string]bool{}
	for _, h := range hrefs {
		seen[h[1]] = true
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(h[1]))); err != nil {
			t.Errorf("index links %s, which does not exist", h[1])
		}
	}
	for _, want := range []string{"sync-invoke/report.html", "extension-fanout/report.html", "extension-fanout/steps/fanout-05/report.html"} {
		if !seen[want] {
			t.Errorf("index does not link %s; links: %v", want, seen)
		}
	}
	if seen["contract/junit.xml"] {
		t.Error("index links contract files the run never wrote")
	}
}

func TestRunRejectsBadOptionsBeforeAnyStep(t *testing.T) {
	for name, mutate := range map[string]func(*Options){
		"rate":      func(o *Options) { o.Rate = "fast" },
		"threshold": func(o *Options) { o.Thresholds = []string{"p99 <<< 1"} },
		"fanout":    func(o *Options) { o.Fanout = []int{0, 11} },
		"duration":  func(o *Options) { o.FanoutDuration = 0 },
	} {
		t.Run(name, func(t *testing.T) {
			o := DefaultOptions()
			o.OutDir = filepath.Join(t.TempDir(), "never")
			mutate(&o)
			_, err := Run(context.Background(), o)
			if !errors.Is(err, ErrOptions) {
				t.Fatalf("error %v, want ErrOptions", err)
			}
			if _, serr := os.Stat(o.OutDir); serr == nil {
				t.Fatal("bad options must be refused before anything is written")
			}
		})
	}
}
