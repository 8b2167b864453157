// Package rapidrun runs pgregory.net/rapid properties outside `go test`: it owns rapid's process-wide flags for one run at a time and the TB properties report to.
package rapidrun

import (
	"flag"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Settings are what a run asks of rapid. rapid reads them from command-line
// flags only, so they hold for the whole process while the run lasts.
type Settings struct {
	Seed       uint64
	Checks     int           // cases (or sequences) per property
	Steps      int           // actions per sequence; 0 keeps rapid's default
	ShrinkTime time.Duration // bound on minimising one failing case
	// Exact keeps Checks and Steps under `go test -short`, where rapid
	// divides them by 5 and 2 (to 0 for a run of one check each).
	Exact bool
}

// mu serialises runs: two runs in one process (fuzzing then sequences, or
// parallel tests) must not see each other's flags.
var mu sync.Mutex

// Configure sets rapid's flags for one run and holds them until release.
func Configure(s Settings) (release func()) {
	mu.Lock()
	// Outside `go test` rapid still asks testing.Short, which wants the
	// testing flags registered and the flag set parsed.
	if flag.Lookup("test.short") == nil {
		testing.Init()
	}
	if !flag.Parsed() {
		_ = flag.CommandLine.Parse(nil)
	}
	if s.Exact && testing.Short() {
		s.Checks, s.Steps = s.Checks*5, s.Steps*2
	}
	values := map[string]string{
		"rapid.seed":       strconv.FormatUint(s.Seed, 10),
		"rapid.checks":     strconv.Itoa(s.Checks),
		"rapid.nofailfile": "true", // failures go to failures.json, not testdata/
		"rapid.shrinktime": s.ShrinkTime.String(),
		"rapid.v":          "false",
		"rapid.log":        "false",
	}
	if s.Steps > 0 {
		values["rapid.steps"] = strconv.Itoa(s.Steps)
	}
	for name, value := range values {
		if err := flag.Set(name, value); err != nil {
			mu.Unlock()
			panic(fmt.Sprintf("rapidrun: set -%s: %v (is pgregory.net/rapid's flag set as expected?)", name, err))
		}
	}
	return mu.Unlock
}

// TB is the rapid.TB of a property run outside `go test`: it only keeps
// whether the property failed; the runner keeps the failure itself, with
// its evidence.
type TB struct {
	name   string
	failed atomic.Bool
}

// NewTB names the property in rapid's own messages.
func NewTB(name string) *TB { return &TB{name: name} }

func (t *TB) Helper()               {}
func (t *TB) Name() string          { return t.name }
func (t *TB) Logf(string, ...any)   {}
func (t *TB) Log(...any)            {}
func (t *TB) Skipf(string, ...any)  {}
func (t *TB) Skip(...any)           {}
func (t *TB) SkipNow()              {}
func (t *TB) Errorf(string, ...any) { t.Fail() }
func (t *TB) Error(...any)          { t.Fail() }
func (t *TB) Fatalf(string, ...any) { t.Fail() }
func (t *TB) Fatal(...any)          { t.Fail() }
func (t *TB) FailNow()              { t.Fail() }
func (t *TB) Fail()                 { t.failed.Store(true) }
func (t *TB) Failed() bool          { return t.failed.Load() }

// seedMu hands rapid's seed flag from one Check to the next: rapid reads
// it once, before a property's first case, and never again.
var seedMu sync.Mutex

// Check runs prop with its own seed under the Settings of the run that
// Configure holds (Checks, Steps and ShrinkTime are shared). Several Checks
// may run at once: each holds the seed flag only until rapid has read it,
// that is until its first case starts. A panic of rapid itself (it
// reports a case that fails once and passes when run again as flaky by
// panicking) marks tb failed instead of ending the process.
func Check(tb *TB, seed uint64, prop func(*rapid.T)) {
	seedMu.Lock()
	var once sync.Once
	handOver := func() { once.Do(seedMu.Unlock) }
	defer handOver()
	if err := flag.Set("rapid.seed", strconv.FormatUint(seed, 10)); err != nil {
		panic(fmt.Sprintf("rapidrun: set -rapid.seed: %v", err))
	}
	defer func() {
		if r := recover(); r != nil {
			tb.Fail()
		}
	}()
	rapid.Check(tb, func(t *rapid.T) {
		handOver()
		prop(t)
	})
}
