package load

import (
	"context"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/reports"
)

// runReport runs h at rate for d (and at most maxReqs requests) and returns the report.
func runReport(t *testing.T, ctx context.Context, h Hitter, rate int, d time.Duration, opts ...func(*Runner)) (*reports.Report, error) {
	t.Helper()
	atk, err := NewRunner(h, opts...).Run(ctx, vegeta.Rate{Freq: rate, Per: time.Second}, d, "t")
	if atk == nil {
		t.Fatalf("no attack: %v", err)
	}
	return atk.Report(Pacing{Rate: vegeta.Rate{Freq: rate, Per: time.Second}}, d), err
}

func TestEveryInvocationTheServerReceivedIsReported(t *testing.T) {
	base, received, unanswered := closeEveryNthServer(t, 10)
	rep, err := runReport(t, context.Background(), testHitter(t, base, 8), 2000, 0, MaxRequests(1000))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 1000 || received.Load() != rep.Requests {
		t.Fatalf("reported %d requests, the server received %d invocations; want 1000 each", rep.Requests, received.Load())
	}
	if failed := rep.Requests - rep.Successes; failed != unanswered.Load() || failed < 90 {
		t.Fatalf("%d requests failed, the server left %d unanswered; want them equal (about 100)", failed, unanswered.Load())
	}
	for _, e := range rep.Errors {
		if !strings.Contains(e.Message, "not re-sent") {
			t.Errorf("unexpected error %q (%d)", e.Message, e.Count)
		}
	}
}

// checkAccounts holds the invariants every report keeps.
func checkAccounts(t *testing.T, rep *reports.Report) {
	t.Helper()
	if rep.DueRequests != rep.Requests+rep.DroppedRequests+rep.InterruptedRequests {
		t.Errorf("due %d != sent %d + dropped %d + interrupted %d", rep.DueRequests, rep.Requests, rep.DroppedRequests, rep.InterruptedRequests)
	}
	var counted, codes int64
	for _, s := range rep.Series {
		counted += s.Count
	}
	for _, n := range rep.StatusCodes {
		codes += n
	}
	if counted != rep.Requests+rep.DroppedRequests || codes != rep.Requests {
		t.Errorf("series count %d, status codes %d; want sent+dropped %d and sent %d", counted, codes, rep.Requests+rep.DroppedRequests, rep.Requests)
	}
	if rep.SuccessRatio > 1 || reports.LateRatio(rep.LateRequests, rep.Requests, rep.DroppedRequests) > 1 || rep.LateRequests > rep.Requests+rep.DroppedRequests {
		t.Errorf("a ratio over 100%%: success %v, late %d of %d sent + %d dropped", rep.SuccessRatio, rep.LateRequests, rep.Requests, rep.DroppedRequests)
	}
}

func TestFrozenServerDropsAreCountedAndCensored(t *testing.T) {
	h := testHitter(t, frozenServer(t), 4)
	h.inv.Timeout = time.Second
	h.fast.timeout = time.Second
	began := time.Now()
	rep, err := runReport(t, context.Background(), h, 200, time.Second,
		MaxWorkers(4), Timeout(time.Second), MaxBacklog(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	checkAccounts(t, rep)
	if rep.DueRequests != 200 || rep.DroppedRequests == 0 || rep.InterruptedRequests != 0 {
		t.Fatalf("due %d, dropped %d, interrupted %d; want 200 due, some dropped, none interrupted", rep.DueRequests, rep.DroppedRequests, rep.InterruptedRequests)
	}
	if rep.Successes != 0 || rep.SuccessRatio != 0 {
		t.Fatalf("successes %d (ratio %v) against a frozen server", rep.Successes, rep.SuccessRatio)
	}
	// Dropped requests are in the distribution at their lag (≥ 200ms), sent ones time out at 1s.
	if rep.Latency.P50 < 200 {
		t.Fatalf("latency p50 %.1fms; want the dropped requests' lag (over 200ms) in it", rep.Latency.P50)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("a 1s run with a 1s timeout took %v", took)
	}
}

func TestSilentServerRunEndsWithinDurationPlusTimeout(t *testing.T) {
	h := testHitter(t, silentServer(t), 2) // 2 connections, many more requests waiting for them
	h.fast.timeout = time.Second
	began := time.Now()
	rep, err := runReport(t, context.Background(), h, 50, time.Second, MaxWorkers(50), Timeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	checkAccounts(t, rep)
	if rep.Requests != 50 || rep.Successes != 0 {
		t.Fatalf("requests %d successes %d; want 50 sent, none answered", rep.Requests, rep.Successes)
	}
	for _, e := range rep.Errors {
		if e.Message != "timeout" {
			t.Errorf("error %q (%d); want every request a timeout", e.Message, e.Count)
		}
	}
	if took > 4*time.Second { // 1s of schedule + 1s timeout; before, 25 rounds of 1s waits for a connection
		t.Fatalf("a 1s run with a 1s timeout took %v", took)
	}
}

func TestInterruptCountsEveryDueRequest(t *testing.T) {
	h := testHitter(t, silentServer(t), 4)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel)
	rep, err := runReport(t, ctx, h, 100, 5*time.Second, MaxWorkers(4), DrainGrace(100*time.Millisecond))
	if err == nil {
		t.Fatal("an interrupted run returned no error")
	}
	checkAccounts(t, rep)
	if rep.InterruptedRequests < 50 || rep.DueRequests < 95 || rep.DueRequests > 125 {
		t.Fatalf("due %d (sent %d, dropped %d, interrupted %d) after 1s at 100/s; want about 100, most interrupted",
			rep.DueRequests, rep.Requests, rep.DroppedRequests, rep.InterruptedRequests)
	}
}
