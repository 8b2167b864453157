package emulator

import (
	"sync"
	"time"
)

// The metric operations answer time series; the lifetime counters in
// invocationCounts cannot say when something ran, so each function also
// keeps per-minute buckets of its invocations (the last seriesRetention of
// them) and per-month totals for the monthly report.
const (
	seriesBucket    = time.Minute
	seriesRetention = 24 * time.Hour
)

// minuteStats is what happened during one minute.
type minuteStats struct {
	start           time.Time
	count, fail     int64
	reject          int64
	durationSum     time.Duration
	maxDur, minDur  time.Duration
	peakConcurrency int64
}

// monthStats is a month's total for the monthly report.
type monthStats struct {
	count int64
	gbs   float64 // memory (GB) × run time (s)
}

// invocationSeries records invocations by minute. Safe for concurrent use.
type invocationSeries struct {
	mu      sync.Mutex
	minutes []minuteStats // oldest first, only minutes with activity
	months  map[string]*monthStats
}

// bucket returns the stats of the minute holding t, creating it. Caller holds s.mu.
func (s *invocationSeries) bucket(t time.Time) *minuteStats {
	start := t.Truncate(seriesBucket)
	if n := len(s.minutes); n > 0 && s.minutes[n-1].start.Equal(start) {
		return &s.minutes[n-1]
	}
	cut := 0
	for cut < len(s.minutes) && t.Sub(s.minutes[cut].start) > seriesRetention {
		cut++
	}
	s.minutes = append(s.minutes[cut:], minuteStats{start: start})
	return &s.minutes[len(s.minutes)-1]
}

// recordRun adds one finished execution: its duration, whether it failed,
// the configured memory (MB) and how many executions were running with it.
func (s *invocationSeries) recordRun(at time.Time, d time.Duration, failed bool, memoryMB int, running int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bucket(at)
	b.count++
	if failed {
		b.fail++
	}
	b.durationSum += d
	b.maxDur = max(b.maxDur, d)
	if b.minDur == 0 || d < b.minDur {
		b.minDur = d
	}
	b.peakConcurrency = max(b.peakConcurrency, running)
	if s.months == nil {
		s.months = map[string]*monthStats{}
	}
	key := monthKey(at)
	m := s.months[key]
	if m == nil {
		m = &monthStats{}
		s.months[key] = m
	}
	m.count++
	m.gbs += float64(memoryMB) / 1024 * d.Seconds()
}

// recordReject counts an invocation refused by the concurrency limit.
func (s *invocationSeries) recordReject(at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bucket(at).reject++
}

// window returns copies of the minutes in [from, to).
func (s *invocationSeries) window(from, to time.Time) []minuteStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []minuteStats
	for _, m := range s.minutes {
		if !m.start.Before(from) && m.start.Before(to) {
			out = append(out, m)
		}
	}
	return out
}

// month returns the totals of the month ("2006-01").
func (s *invocationSeries) month(key string) monthStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.months[key]; m != nil {
		return *m
	}
	return monthStats{}
}

func monthKey(t time.Time) string { return t.UTC().Format("2006-01") }
