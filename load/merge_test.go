package load

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/reports"
)

// TestShardsMergeIntoOneRun runs 4 shards of 200 req/s in goroutines from a
// shared start against one server and checks the merge against the server's
// count and a single run of the whole rate.
func TestShardsMergeIntoOneRun(t *testing.T) {
	p := newFakePlatform(t)
	root := t.TempDir()

	single, err := Run(context.Background(), baseOptions(p, filepath.Join(root, "single")))
	if err != nil {
		t.Fatal(err)
	}
	singleServed := p.invoked.Swap(0)

	const n = 4
	start := time.Now().Add(300 * time.Millisecond)
	dirs := make([]string, n)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		dirs[i] = filepath.Join(root, fmt.Sprintf("shard-%d", i))
		o := baseOptions(p, dirs[i])
		o.Shard, o.StartAt = Shard{Index: i, Count: n}, start
		o.Thresholds = []ThresholdSpec{{Expr: "success >= 99%"}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Run(context.Background(), o)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	merged, err := MergeRuns(dirs, filepath.Join(root, "merged"))
	if err != nil {
		t.Fatal(err)
	}
	served := p.invoked.Load()
	if single.Requests != 400 || singleServed != 400 {
		t.Fatalf("single run: requests %d, served %d; want 400", single.Requests, singleServed)
	}
	if merged.Requests != served || merged.Requests != single.Requests {
		t.Fatalf("merged requests %d, server counted %d, single run %d: want all equal", merged.Requests, served, single.Requests)
	}
	if merged.RateRPS != 200 || merged.Shards != n {
		t.Errorf("merged rate %g shards %d; want 200 and %d", merged.RateRPS, merged.Shards, n)
	}
	var sum int64
	for _, s := range merged.Series {
		sum += s.Count
	}
	if sum != merged.Requests || merged.Series[0].AskedRPS != 200 {
		t.Errorf("series counts %d (want %d), first second asked %g (want 200)", sum, merged.Requests, merged.Series[0].AskedRPS)
	}
	if merged.Latency.P50 <= 0 || merged.Latency.Max < merged.Latency.P99 {
		t.Errorf("merged latency %+v", merged.Latency)
	}
	if len(merged.Thresholds) != 1 || !merged.Thresholds[0].Pass {
		t.Errorf("merged thresholds %+v", merged.Thresholds)
	}
	shard0, err := reports.ReadReport(dirs[0])
	if err != nil || shard0.RunID == "" || merged.RunID != shard0.RunID {
		t.Errorf("run ids: shard 0 %q, merged %q (%v); want one shared id", shard0.RunID, merged.RunID, err)
	}
	checkMergedConnections(t, dirs, merged)
	back, err := reports.ReadReport(filepath.Join(root, "merged"))
	if err != nil || back.Requests != merged.Requests {
		t.Fatalf("merged report.json: %v %+v", err, back)
	}
}

// TestShardScheduleInterleaves checks the schedule arithmetic exactly: one
// run of rate r for d schedules r·d requests (also when the interval is not a
// whole number of nanoseconds), and the union of N shard schedules is the single schedule.
func TestShardScheduleInterleaves(t *testing.T) {
	for _, c := range []struct {
		rate vegeta.Rate
		n    int
		d    time.Duration
		want int
	}{
		{vegeta.Rate{Freq: 100, Per: time.Second}, 3, time.Second, 100},
		{vegeta.Rate{Freq: 30, Per: time.Second}, 4, time.Second, 30},
		{vegeta.Rate{Freq: 7, Per: time.Second}, 3, 10 * time.Second, 70},
		{vegeta.Rate{Freq: 1000, Per: time.Minute}, 7, 30 * time.Second, 500},
	} {
		whole := Pacing{Rate: c.rate}
		want := map[time.Duration]bool{}
		p, _ := whole.Pacer()
		s := newSchedule(p, 0, Shard{})
		for {
			off, _ := s.next()
			if off >= c.d {
				break
			}
			want[off] = true
		}
		if len(want) != c.want {
			t.Errorf("%d/%s for %s: one run schedules %d requests, want %d", c.rate.Freq, c.rate.Per, c.d, len(want), c.want)
		}
		got := 0
		for i := range c.n {
			sh := Shard{Index: i, Count: c.n}
			sp, _ := whole.ShardRate(c.n).Pacer()
			s := newSchedule(sp, sh.Offset(whole), sh)
			for {
				off, _ := s.next()
				if off >= c.d {
					break
				}
				if !want[off] {
					t.Fatalf("%d/%s shard %d/%d schedules %v, which the single run does not", c.rate.Freq, c.rate.Per, i, c.n, off)
				}
				got++
			}
		}
		if got != len(want) {
			t.Errorf("%d/%s: %d shards schedule %d requests, one run %d", c.rate.Freq, c.rate.Per, c.n, got, len(want))
		}
	}
}

// TestMergeRefusesWhatIsNotOneRun: a directory twice, a copied shard, mixed
// scenarios and shards of different runs are refused, naming the culprits.
func TestMergeRefusesWhatIsNotOneRun(t *testing.T) {
	root := t.TempDir()
	shard := func(name, scenario, runID, shard string) string {
		dir := filepath.Join(root, name)
		r := &reports.Report{Scenario: scenario, RunID: runID, Target: "http://127.0.0.1:8000",
			StartedAt: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), Settings: map[string]string{"shard": shard}}
		if err := reports.WriteReport(dir, r); err != nil {
			t.Fatal(err)
		}
		h := newHistogram()
		recordDuration(h, 5*time.Millisecond)
		line, err := reports.EncodeHistogramLine(0, reports.ClockLatency, h)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, reports.HistogramsFile), append(line, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	s0 := shard("s0", ScenarioSyncInvoke, "run-a", "shard 0/2")
	s1 := shard("s1", ScenarioSyncInvoke, "run-a", "shard 1/2")
	copied := shard("s1-copy", ScenarioSyncInvoke, "run-a", "shard 1/2")
	other := shard("other", ScenarioSyncInvoke, "run-b", "shard 1/2")
	fanout := shard("fanout", ScenarioFanout, "run-a", "shard 1/2")
	for _, tc := range []struct {
		name string
		dirs []string
		want string
	}{
		{"same directory twice", []string{s0, s0 + "/"}, "same run directory"},
		{"a copied shard", []string{s0, s1, copied}, "both shard 1/2 of run run-a"},
		{"mixed scenarios", []string{s0, fanout}, "ran extension-fanout"},
		{"shards of different runs", []string{s0, other}, "to run run-b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MergeRuns(tc.dirs, filepath.Join(root, "merged-"+tc.name))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
	m, err := MergeRuns([]string{s0, s1}, filepath.Join(root, "merged"))
	if err != nil {
		t.Fatal(err)
	}
	if m.RunID != "run-a" {
		t.Errorf("merged run id %q, want the shards' run-a", m.RunID)
	}
}

// TestRunIDSharedByShards: every shard of a run derives the same id without
// talking to the others; another start, or an unsharded run, gets another.
func TestRunIDSharedByShards(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	opts := func(i int, at time.Time) *Options {
		return &Options{Scenario: ScenarioSyncInvoke, Pacing: Pacing{Rate: perSecond(300)},
			Duration: time.Minute, Shard: Shard{Index: i, Count: 3}, StartAt: at, Procs: i + 1, Workers: 10 * i}
	}
	now := time.Now()
	id0, id2 := opts(0, start).runID(now), opts(2, start).runID(now)
	if id0 == "" || id0 != id2 {
		t.Errorf("shards 0 and 2 of one run: ids %q and %q, want one non-empty id", id0, id2)
	}
	if later := opts(0, start.Add(time.Hour)).runID(now); later == id0 {
		t.Errorf("a run starting an hour later shares id %q", later)
	}
	single := &Options{Scenario: ScenarioSyncInvoke, Duration: time.Minute}
	if a, b := single.runID(now), single.runID(now); a == b {
		t.Errorf("two unsharded runs share id %q", a)
	}
	if given := (&Options{RunID: "nightly-42", Shard: Shard{Count: 2}}).runID(now); given != "nightly-42" {
		t.Errorf("--run-id nightly-42 gave %q", given)
	}
}

// checkMergedConnections checks that a merge keeps the protocol and adds up
// the connections: counts and per-second series exactly, and percentiles
// from the shards' connect histograms (the highest connect time is the
// highest of any shard).
func checkMergedConnections(t *testing.T, dirs []string, merged *reports.Report) {
	t.Helper()
	var opened int64
	var maxMS float64
	for _, d := range dirs {
		r, err := reports.ReadReport(d)
		if err != nil {
			t.Fatal(err)
		}
		if r.Connections == nil || r.Protocol != merged.Protocol {
			t.Fatalf("shard %s: connections %+v, protocol %q; merged protocol %q", d, r.Connections, r.Protocol, merged.Protocol)
		}
		opened += r.Connections.Opened
		maxMS = max(maxMS, r.Connections.ConnectMS.Max)
	}
	c := merged.Connections
	if c == nil || c.Opened != opened || c.ConnectMS.P50 <= 0 || c.ConnectMS.Max != maxMS {
		t.Fatalf("merged connections %+v; want %d opened, connect max %gms", c, opened, maxMS)
	}
	var perSecond int64
	for _, s := range merged.Series {
		perSecond += s.NewConnections
	}
	if perSecond != opened {
		t.Errorf("merged per-second new connections add up to %d, want %d", perSecond, opened)
	}
}

// TestMergeNamesEveryProtocol checks that shards that spoke differently are
// all named once, and that connection counts and times add up.
func TestMergeNamesEveryProtocol(t *testing.T) {
	runs := []*reports.Report{
		{Protocol: "HTTP/1.1 over TLS", Connections: &reports.Connections{Opened: 2, TotalSeconds: 0.5}},
		{Protocol: "HTTP/2 over TLS (net/http)", Connections: &reports.Connections{Opened: 3, TotalSeconds: 0.25}},
		{Protocol: "HTTP/1.1 over TLS"},
	}
	m := mergeTotals(runs)
	if want := "HTTP/1.1 over TLS; HTTP/2 over TLS (net/http)"; m.Protocol != want {
		t.Errorf("protocol %q, want %q", m.Protocol, want)
	}
	if c := m.Connections; c == nil || c.Opened != 5 || c.TotalSeconds != 0.75 {
		t.Errorf("connections %+v, want 5 opened in 0.75 s", c)
	}
}
