package load

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fgharness/fgharness/reports"
)

// TestFanoutAccounting drops extension 2's event for every 10th invocation
// and duplicates extension 1's for every 25th, and checks every number.
func TestFanoutAccounting(t *testing.T) {
	p, o := fakeFanoutRun(t, 2*time.Second, 2)
	p.drop = func(n int64, ext int) bool { return ext == 1 && n%10 == 0 }
	p.dup = func(n int64, ext int) bool { return ext == 0 && n%25 == 0 }
	p.delay = 2 * time.Millisecond // events arrive before the answer
	o.FanoutGrace = 500 * time.Millisecond
	o.Pacing.Rate = perSecond(100)
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Fanout
	if f == nil || f.Invocations != 200 || f.Expected != 400 {
		t.Fatalf("fanout = %+v, want 200 invocations, 400 expected (requests %d, dropped %d, errors %+v)", f, rep.Requests, rep.DroppedRequests, rep.Errors)
	}
	if f.Missing != 20 || f.PerExtension[1].Missing != 20 || f.PerExtension[0].Missing != 0 {
		t.Errorf("missing = %d (per extension %d/%d), want 20 all on the second", f.Missing, f.PerExtension[0].Missing, f.PerExtension[1].Missing)
	}
	if f.Duplicates != 8 || f.PerExtension[0].Duplicates != 8 {
		t.Errorf("duplicates = %d, want 8 on the first", f.Duplicates)
	}
	if f.Delivered != 380 || f.DeliveredRatio != 0.95 {
		t.Errorf("delivered = %d (%.3f), want 380 (0.95)", f.Delivered, f.DeliveredRatio)
	}
	if f.AfterAnswer != 0 {
		t.Errorf("after answer = %d: the fake platform delivers before it answers", f.AfterAnswer)
	}
	if f.Latency.P50 <= 0 || f.Latency.P50 > rep.Latency.Max {
		t.Errorf("delivery latency %+v vs invocation max %g", f.Latency, rep.Latency.Max)
	}
	checkConnections(t, rep)
}

// checkConnections checks that a report names its protocol and times the connections it opened.
func checkConnections(t *testing.T, rep *reports.Report) {
	t.Helper()
	if c := rep.Connections; rep.Protocol != "HTTP/1.1" || c == nil || c.Opened == 0 || c.ConnectMS.P50 <= 0 {
		t.Errorf("protocol %q, connections %+v; want HTTP/1.1 and the connections opened, timed", rep.Protocol, c)
	}
}

// TestFanoutSweep runs K = 0 and 2 and reports one sweep point each.
func TestFanoutSweep(t *testing.T) {
	_, o := fakeFanoutRun(t, time.Second, 2, 0)
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Sweep) != 2 || rep.Sweep[0].Extensions != 0 || rep.Sweep[1].Extensions != 2 {
		t.Fatalf("sweep = %+v", rep.Sweep)
	}
	if rep.Fanout.Extensions != 2 || rep.Fanout.Delivered != 100 {
		t.Errorf("headline fanout = %+v, want the K=2 step with 100 deliveries", rep.Fanout)
	}
	checkConnections(t, rep)
	if _, err := filepath.Glob(filepath.Join(o.OutDir, "steps", "fanout-*", "report.json")); err != nil {
		t.Fatal(err)
	}
}
