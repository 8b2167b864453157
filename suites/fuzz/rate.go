package fuzz

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// limiter spaces requests at the run's rate over all workers and holds
// every worker back while the target asked for a pause (429 Retry-After).
type limiter struct {
	interval time.Duration
	mu       sync.Mutex
	next     time.Time
}

func newLimiter(rate float64) *limiter {
	l := &limiter{}
	if rate > 0 {
		l.interval = time.Duration(float64(time.Second) / rate)
	}
	return l
}

// wait blocks until the caller may send.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// pause holds every sender back for d from now.
func (l *limiter) pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if at := time.Now().Add(d); at.After(l.next) {
		l.next = at
	}
}

// Bounds of a pause a 429 asks for.
const (
	defaultRetryAfter = time.Second
	maxRetryAfter     = time.Minute
)

// RetryAfter reads a Retry-After header (seconds or an HTTP date); the
// stateful sequences wait the same way.
func RetryAfter(h string) time.Duration {
	h = strings.TrimSpace(h)
	d := defaultRetryAfter
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	}
	if d < 0 {
		d = 0
	}
	return min(d, maxRetryAfter)
}
