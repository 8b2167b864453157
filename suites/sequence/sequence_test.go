package sequence

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/launch"
	fw "github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/replay"
)

// emulator starts the built-in emulator (behind defect, when named) for one test.
func emulator(t *testing.T, defect string) *fw.Framework {
	t.Helper()
	f, err := fw.Setup(context.Background(), fw.Config{Launch: launch.Contract, Defect: defect})
	if err != nil {
		t.Fatalf("start the emulator: %v", err)
	}
	t.Cleanup(func() { _ = f.Close(context.Background()) })
	return f
}

// testOptions keep CI cheap: a read that does not show a change fails at once.
func testOptions(seed uint64, sequences int) Options {
	o := DefaultOptions(seed)
	o.Sequences, o.Settle = sequences, 0
	return o
}

// requestLog is what a run sent without what differs between runs of one
// seed (the run id in names, server-made ids).
func requestLog(f *fw.Framework) (log func() []string, stop func()) {
	var mu sync.Mutex
	var lines []string
	prev := f.Transport.Observe
	f.Transport.Observe = func(ex fw.Exchange) {
		mu.Lock()
		lines = append(lines, ex.Operation)
		mu.Unlock()
		if prev != nil {
			prev(ex)
		}
	}
	return func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(lines) }, func() { f.Transport.Observe = prev }
}

func TestHealthyEmulatorKeepsEveryPromiseDeterministically(t *testing.T) {
	var logs [][]string
	for range 2 {
		f := emulator(t, "")
		log, stop := requestLog(f)
		res, err := Run(context.Background(), f, testOptions(7, 6), f.Evidence)
		stop()
		if err != nil {
			t.Fatal(err)
		}
		if res.Failure != nil {
			t.Fatalf("a healthy emulator broke a promise:\n%s%s %s", res.Summary(), res.Failure.Request.URL, res.Failure.Response.Body.Text)
		}
		if res.Requests < 6*4 {
			t.Fatalf("%d requests over %d sequences: the sequences hardly ran", res.Requests, res.Sequences)
		}
		logs = append(logs, log())
		for _, fl := range f.Evidence.Failures() {
			t.Errorf("unexpected failure %s: %s", fl.ID, fl.Rule)
		}
	}
	if !slices.Equal(logs[0], logs[1]) {
		t.Fatalf("two runs with one seed sent different sequences:\n%v\n%v", logs[0], logs[1])
	}
	ops := map[string]bool{}
	for _, op := range logs[0] {
		ops[op] = true
	}
	for _, op := range []string{fgs.OpCreateVersionAlias, fgs.OpDeleteVersionAlias, fgs.OpListVersionAliases, fgs.OpUpdateEvent, fgs.OpShowEvent, fgs.OpCreateFunctionVersion} {
		if !ops[op] {
			t.Errorf("seed 7 never sent %s; the sequences do not reach it", op)
		}
	}
}

// Each sequence defect is caught, shrunk to the shortest sequence that
// shows it, and replay reproduces it against the broken emulator but not
// against a healthy one.
func TestSequencesCatchEveryDefect(t *testing.T) {
	cases := map[string][]string{
		"deleted-alias-listed": {fgs.OpCreateFunction, fgs.OpCreateVersionAlias, fgs.OpDeleteVersionAlias, fgs.OpListVersionAliases},
		"event-update-lost":    {fgs.OpCreateFunction, fgs.OpCreateEvent, fgs.OpUpdateEvent, fgs.OpShowEvent},
	}
	for _, d := range fw.Defects() {
		if d.CaughtBy == fw.CaughtBySequences && cases[d.Name] == nil {
			t.Errorf("defect %s is left to the sequences but no test proves they catch it", d.Name)
		}
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			f := emulator(t, name)
			res, err := Run(context.Background(), f, testOptions(11, 40), f.Evidence)
			if err != nil {
				t.Fatal(err)
			}
			if res.Failure == nil {
				t.Fatalf("%d sequences (%d requests) did not catch %s", res.Sequences, res.Requests, name)
			}
			fl := res.Failure
			if !slices.Equal(res.Sequence, want) {
				t.Errorf("shrunk to %v, want the shortest %v (rule: %s)", res.Sequence, want, fl.Rule)
			}
			if !fl.Shrunk || fl.Seed == nil || *fl.Seed != 11 || fl.ID == "" || fl.Source != Source || len(fl.Cleanup) != 1 {
				t.Errorf("failure evidence incomplete: id %q shrunk %v seed %v source %q cleanup %d", fl.ID, fl.Shrunk, fl.Seed, fl.Source, len(fl.Cleanup))
			}
			if d, _ := defectMention(name); !strings.Contains(fl.Rule+" "+fl.Violation.String(), d) {
				t.Errorf("failure %q does not mention %q", fl.Rule+" "+fl.Violation.String(), d)
			}
			dir := t.TempDir()
			if err := f.Evidence.WriteFailures(dir); err != nil {
				t.Fatal(err)
			}
			for defect, reproduces := range map[string]bool{name: true, "": false} {
				rr, err := replay.Run(context.Background(), replay.Options{RunDir: dir, FailureID: fl.ID, Launch: launch.Contract, Defect: defect, Timeout: 10 * time.Second})
				if err != nil {
					t.Fatalf("replay against %q: %v", defect, err)
				}
				if rr.Reproduced() != reproduces {
					t.Errorf("replay against defect %q: reproduced %v, want %v (broken %v, answer %+v)", defect, rr.Reproduced(), reproduces, rr.Broken, rr.Answer)
				}
			}
		})
	}
}

func defectMention(name string) (string, bool) {
	for _, d := range fw.Defects() {
		if d.Name == name {
			return d.Mentions, true
		}
	}
	return "", false
}
