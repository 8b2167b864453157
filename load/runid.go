package load

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A run id names one load run in every report it produces, so `fgh report
// merge` can tell the shards of one run from shards of another. The shards
// of a run run on different hosts and never talk to each other, so a sharded
// run's id is derived from what every shard is given alike (the schedule,
// the target, the shared start); an unsharded run's id is its start time
// plus a random suffix. --run-id overrides both, e.g. with a CI job's id.

// runID returns o.RunID, deriving it when unset.
func (o *Options) runID(now time.Time) string {
	if o.RunID != "" {
		return o.RunID
	}
	if o.Shard.Count > 1 {
		return shardedRunID(o)
	}
	var b [3]byte
	_, _ = rand.Read(b[:]) // never fails on supported platforms
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// shardedRunID hashes what all shards of one run share (never the shard
// index, nor anything sized from the host, such as procs or workers).
func shardedRunID(o *Options) string {
	fanout := make([]string, len(o.Fanout))
	for i, k := range o.Fanout {
		fanout[i] = strconv.Itoa(k)
	}
	shared := strings.Join([]string{o.Scenario, strconv.Itoa(o.Shard.Count), o.Pacing.String(), o.Duration.String(),
		strconv.FormatUint(o.MaxRequests, 10), o.Target.Redacted(), o.Function, strings.Join(fanout, ","),
		o.StartAt.UTC().Format(time.RFC3339Nano)}, "\x00")
	sum := sha256.Sum256([]byte(shared))
	id := hex.EncodeToString(sum[:6])
	if !o.StartAt.IsZero() {
		return o.StartAt.UTC().Format("20060102T150405Z") + "-" + id
	}
	return fmt.Sprintf("shards-%s", id)
}
