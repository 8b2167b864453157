package fuzz

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rapid reads its seed and case count from command-line flags only; a run
// sets them and holds rapidMu until it ends, so two runs in one process
// (tests) do not see each other's.
var rapidMu sync.Mutex

// shrinkTime bounds how long rapid minimises one failing case.
const shrinkTime = 30 * time.Second

// configureRapid sets rapid's flags for a run; the returned function ends
// the run's hold on them.
func configureRapid(seed uint64, checks int) (release func()) {
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
		"rapid.checks":     strconv.Itoa(checks),
		"rapid.nofailfile": "true", // the failure goes to failures.json, not testdata/
		"rapid.shrinktime": shrinkTime.String(),
		"rapid.v":          "false",
		"rapid.log":        "false",
	} {
		if err := flag.Set(name, value); err != nil {
			rapidMu.Unlock()
			panic(fmt.Sprintf("fuzz: set -%s: %v (is pgregory.net/rapid's flag set as expected?)", name, err))
		}
	}
	return rapidMu.Unlock
}

// propertyTB is the rapid.TB of one operation's property outside `go
// test`: it keeps whether the property failed and rapid's last words.
type propertyTB struct {
	name   string
	mu     sync.Mutex
	failed bool
	notes  []string
}

func (t *propertyTB) Helper()      {}
func (t *propertyTB) Name() string { return t.name }
func (t *propertyTB) Logf(format string, args ...any) {
	t.note(fmt.Sprintf(format, args...))
}
func (t *propertyTB) Log(args ...any)                  { t.note(fmt.Sprint(args...)) }
func (t *propertyTB) Skipf(format string, args ...any) {}
func (t *propertyTB) Skip(args ...any)                 {}
func (t *propertyTB) SkipNow()                         {}
func (t *propertyTB) Errorf(format string, args ...any) {
	t.note(fmt.Sprintf(format, args...))
	t.Fail()
}
func (t *propertyTB) Error(args ...any) { t.note(fmt.Sprint(args...)); t.Fail() }
func (t *propertyTB) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
}
func (t *propertyTB) Fatal(args ...any) { t.Error(args...) }
func (t *propertyTB) FailNow()          { t.Fail() }
func (t *propertyTB) Fail() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
}
func (t *propertyTB) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

// maxNotes keeps the end of rapid's log of one property.
const maxNotes = 20

func (t *propertyTB) note(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.notes = append(t.notes, strings.TrimSpace(s))
	if len(t.notes) > maxNotes {
		t.notes = t.notes[len(t.notes)-maxNotes:]
	}
}
