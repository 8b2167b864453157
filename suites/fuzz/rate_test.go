package fuzz

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	soon := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	for in, want := range map[string]time.Duration{
		"": defaultRetryAfter, "2": 2 * time.Second, "0": 0, "junk": defaultRetryAfter,
		"100000": maxRetryAfter, "Mon, 01 Jan 2001 00:00:00 GMT": 0,
	} {
		if got := RetryAfter(in); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	if got := RetryAfter(soon); got <= time.Second || got > 3*time.Second {
		t.Errorf("RetryAfter(%q) = %v, want about 3s", soon, got)
	}
}

// TestLimiterSpacesAndPauses checks the order of send times the limiter
// hands out, not how long it slept: the first goes at once, the next ones
// one interval apart, and a pause moves the next one past it.
func TestLimiterSpacesAndPauses(t *testing.T) {
	l := newLimiter(10) // 100 ms apart
	ctx := context.Background()
	if err := l.wait(ctx); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	first := l.next
	l.mu.Unlock()
	l.pause(time.Hour)
	l.mu.Lock()
	paused := l.next
	l.mu.Unlock()
	if d := paused.Sub(first); d < 59*time.Minute {
		t.Errorf("a 1h pause moved the next send by %v", d)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.wait(cancelled); err == nil {
		t.Error("wait during a pause returned without the context's error")
	}
	if got := newLimiter(0).interval; got != 0 {
		t.Errorf("rate 0 spaces requests %v apart, want no cap", got)
	}
}
