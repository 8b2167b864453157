package load

import (
	"context"
	"testing"
	"time"

	"github.com/fgharness/fgharness/reports"
)

// TestRunsWaitOnlyForTheirOwnPacer: two runs in one process, one stuck at a
// riding rate (its pacer blocked on its only worker, which waits on a
// frozen server) and one paced by Go timers, whose workers never wait for
// a tick. The second run finishes while the first is still stuck: no
// worker of it is held by the other run's pacer (with one board for the
// process, its last requests waited until the stuck run was stopped).
func TestRunsWaitOnlyForTheirOwnPacer(t *testing.T) {
	if !preciseTimers {
		t.Skip("no precise pacer here: no worker ever waits for a tick")
	}
	stuck := testHitter(t, frozenServer(t), 1)
	stuck.fast.timeout = time.Minute
	stuckCtx, stopStuck := context.WithCancel(context.Background())
	stuckDone := make(chan struct{})
	go func() {
		defer close(stuckDone)
		NewRunner(stuck, Workers(1), MaxWorkers(1), Timeout(time.Minute), DrainGrace(time.Millisecond)).
			Run(stuckCtx, perSecond(2000), time.Minute, "stuck") // a 500 µs interval: riding
	}()
	defer func() { stopStuck(); <-stuckDone }()
	time.Sleep(200 * time.Millisecond) // its first request is out; its pacer waits for the worker

	srv, served := countingServer(t, 0)
	goTimed := testHitter(t, srv.URL, 4)
	done := make(chan *reports.Report, 1)
	go func() {
		atk, err := NewRunner(goTimed, PreciseTimers(false), MaxRequests(20)).Run(context.Background(), perSecond(100), time.Second, "go-timed")
		if err != nil {
			t.Error(err)
		}
		done <- atk.Report(Pacing{Rate: perSecond(100)}, time.Second)
	}()
	var rep *reports.Report
	select {
	case rep = <-done:
	case <-time.After(10 * time.Second): // it takes 0.2 s
		t.Error("a 20-request run did not finish in 10 s while another run was stuck: its workers waited for the other run's pacer")
		stopStuck()
		rep = <-done
	}
	if rep.Requests != 20 || rep.Successes != 20 || served.Load() != 20 {
		t.Fatalf("requests %d, successes %d, served %d; want 20 each", rep.Requests, rep.Successes, served.Load())
	}
}

// tickRider is a hitter whose requests take longer than the interval and
// then wait for the run's tick, as a riding socket does after its write.
type tickRider struct{ took time.Duration }

func (h tickRider) Hit(ctx context.Context, start time.Time, res *Result) {
	res.Sent = time.Since(start)
	time.Sleep(h.took)
	ticksOf(ctx).wait()
	res.Code = 200
	res.Done = time.Since(start)
}

// TestNoWorkerWaitsForAPacerWaitingForWorkers: with every worker busy, the
// pacer blocks until one is free; a worker that waits for its tick
// meanwhile would wait for itself (before, until the backlog ran out and
// the request was dropped).
func TestNoWorkerWaitsForAPacerWaitingForWorkers(t *testing.T) {
	if !preciseTimers {
		t.Skip("no precise pacer here: no worker ever waits for a tick")
	}
	rep, err := runReport(t, context.Background(), tickRider{took: 2 * time.Millisecond}, 2000, 0, // 500 µs: riding
		Workers(1), MaxWorkers(1), MaxRequests(10), MaxBacklog(time.Second), Timeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 10 || rep.DroppedRequests != 0 {
		t.Fatalf("sent %d, dropped %d; want 10 sent", rep.Requests, rep.DroppedRequests)
	}
}
