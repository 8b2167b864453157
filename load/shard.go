package load

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Shard is this process's part of a run split across N hosts: shard Index
// (0-based) of Count runs 1/Count of the rate, its requests offset by
// Index/rate from the shared start, so the Count streams interleave into
// exactly the schedule one host would have run.
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/N" (0 ≤ i < N).
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/N, e.g. 0/4", s)
	}
	sh := Shard{Index: i, Count: n}
	return sh, sh.validate()
}

func (s Shard) validate() error {
	if s.Count == 0 && s.Index == 0 {
		return nil
	}
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard %d/%d: want 0 ≤ i < N", s.Index, s.Count)
	}
	return nil
}

func (s Shard) String() string {
	if s.Count <= 1 {
		return "one shard"
	}
	return fmt.Sprintf("shard %d/%d", s.Index, s.Count)
}

// Offset is how far this shard's schedule is shifted: Index request
// intervals of the whole run's starting rate.
func (s Shard) Offset(p Pacing) time.Duration {
	if s.Count <= 1 || s.Index == 0 {
		return 0
	}
	rps := RPS(p.Rate)
	if rps <= 0 {
		return 0
	}
	interval := time.Duration(float64(p.Rate.Per) / float64(p.Rate.Freq))
	return time.Duration(s.Index) * interval
}
