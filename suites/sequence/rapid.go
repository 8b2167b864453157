package sequence

import (
	"flag"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rapid takes its seed, check count and sequence length from command-line
// flags only; a run sets them and holds rapidMu until it ends.
var rapidMu sync.Mutex

// configureRapid sets rapid's flags for one run; release ends its hold.
func configureRapid(seed uint64, sequences, steps int, shrink time.Duration) (release func()) {
	rapidMu.Lock()
	// Outside `go test` rapid still asks testing.Short, which wants the
	// testing flags registered and the flag set parsed.
	if flag.Lookup("test.short") == nil {
		testing.Init()
	}
	if !flag.Parsed() {
		_ = flag.CommandLine.Parse(nil)
	}
	for name, value := range map[string]string{
		"rapid.seed":       strconv.FormatUint(seed, 10),
		"rapid.checks":     strconv.Itoa(sequences),
		"rapid.steps":      strconv.Itoa(steps),
		"rapid.nofailfile": "true", // the failure goes to failures.json, not testdata/
		"rapid.shrinktime": shrink.String(),
		"rapid.v":          "false",
		"rapid.log":        "false",
	} {
		if err := flag.Set(name, value); err != nil {
			rapidMu.Unlock()
			panic(fmt.Sprintf("sequence: set -%s: %v (is pgregory.net/rapid's flag set as expected?)", name, err))
		}
	}
	return rapidMu.Unlock
}

// propertyTB is the rapid.TB of a run outside `go test`: it only keeps
// whether the property failed; the failure itself is kept by the runner.
type propertyTB struct{ failed atomic.Bool }

func (t *propertyTB) Helper()               {}
func (t *propertyTB) Name() string          { return "sequences" }
func (t *propertyTB) Logf(string, ...any)   {}
func (t *propertyTB) Log(...any)            {}
func (t *propertyTB) Skipf(string, ...any)  {}
func (t *propertyTB) Skip(...any)           {}
func (t *propertyTB) SkipNow()              {}
func (t *propertyTB) Errorf(string, ...any) { t.Fail() }
func (t *propertyTB) Error(...any)          { t.Fail() }
func (t *propertyTB) Fatalf(string, ...any) { t.Fail() }
func (t *propertyTB) Fatal(...any)          { t.Fail() }
func (t *propertyTB) FailNow()              { t.Fail() }
func (t *propertyTB) Fail()                 { t.failed.Store(true) }
func (t *propertyTB) Failed() bool          { return t.failed.Load() }
