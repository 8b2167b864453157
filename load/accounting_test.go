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
