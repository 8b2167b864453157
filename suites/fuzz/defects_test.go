package fuzz

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/launch"
	fw "github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/replay"
)

// defectCase is one deliberately broken emulator the fuzzer must catch,
// the operation it is fuzzed on, and what makes the shrunk request minimal.
type defectCase struct {
	defect    string
	operation string
	rule      string
	minimal   func(t *testing.T, body []byte, members map[string]any)
}

var defectCases = []defectCase{
	{defect: "description-non-ascii-500", operation: fgs.OpCreateFunction, rule: "an answer is never a 5xx",
		minimal: func(t *testing.T, _ []byte, m map[string]any) {
			d, _ := m["description"].(string)
			if utf8.RuneCountInString(d) != 1 || d[0] < 0x80 {
				t.Errorf("shrunk description %q: want exactly one non-ASCII character", d)
			}
		}},
	{defect: "create-timeout-zero", operation: fgs.OpCreateFunction, rule: "an invalid request is refused with a documented 4xx",
		minimal: func(t *testing.T, _ []byte, m map[string]any) {
			if m["timeout"] != float64(0) {
				t.Errorf("shrunk timeout %v: want 0", m["timeout"])
			}
		}},
	{defect: "update-memory-129", operation: fgs.OpUpdateFunctionConfig, rule: "an invalid request is refused with a documented 4xx",
		minimal: func(t *testing.T, _ []byte, m map[string]any) {
			if m["memory_size"] != float64(129) {
				t.Errorf("shrunk memory_size %v: want 129", m["memory_size"])
			}
		}},
	{defect: "extension-limit-ignored", operation: fgs.OpRegisterExtension, rule: "an invalid request is refused with a documented 4xx",
		minimal: func(t *testing.T, body []byte, m map[string]any) {
			if len(m) != 0 {
				t.Errorf("registration body %s: want {}", body)
			}
		}},
	{defect: "payload-over-6mb", operation: fgs.OpInvokeFunction, rule: "an invalid request is refused with a documented 4xx",
		minimal: func(t *testing.T, body []byte, _ map[string]any) {
			if len(body) != fgs.MaxSyncPayloadBytes+1 {
				t.Errorf("shrunk payload of %d bytes: want exactly %d (6 MB + 1)", len(body), fgs.MaxSyncPayloadBytes+1)
			}
		}},
}

// TestFuzzingCatchesEveryDefect proves each fuzz defect is found and shrunk
// at the default budget, whatever the seed: one failure, breaking the
// expected rule, whose request is the bound documented one with only the
// offending value (no optional member left but the one at fault).
func TestFuzzingCatchesEveryDefect(t *testing.T) {
	covered := map[string]bool{}
	for _, dc := range defectCases {
		covered[dc.defect] = true
		for _, seed := range []uint64{7, 1, 2} {
			t.Run(fmt.Sprintf("%s/seed=%d", dc.defect, seed), func(t *testing.T) {
				opts := DefaultOptions()
				opts.Seed = seed
				catchDefect(t, dc, opts, false)
			})
		}
	}
	for _, d := range fw.Defects() {
		if d.CaughtBy == fw.CaughtByFuzz && !covered[d.Name] {
			t.Errorf("defect %s is marked as caught by fuzzing but has no case here", d.Name)
		}
	}
}

// TestRandomCasesShrink: without the edge set, rapid's random cases find
// the same defects (given a larger budget) and shrink each to the same
// minimal request the edge set sends. The 6 MB payload is left out: its
// shrinking takes 20 s, and the edge set sends exactly 6 MB + 1 byte; so
// is the 11th extension, which is an edge only (nothing about a
// registration is drawn).
func TestRandomCasesShrink(t *testing.T) {
	for _, dc := range defectCases {
		if dc.operation == fgs.OpInvokeFunction || dc.operation == fgs.OpRegisterExtension {
			continue
		}
		t.Run(dc.defect, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Seed, opts.Budget = 7, Budget{Cases: 200}
			catchDefect(t, dc, opts, true)
		})
	}
}

// catchDefect fuzzes the defect's operation against an emulator with the
// defect and checks the one failure: its rule, its shrunk request and its
// replay.
func catchDefect(t *testing.T, dc defectCase, opts Options, noEdges bool) {
	if raceEnabled && dc.operation == fgs.OpInvokeFunction {
		t.Skip("6 MB requests take minutes under the race detector; `go test ./suites/fuzz` without -race runs it")
	}
	f := emulator(t, dc.defect)
	seed := opts.Seed
	res, _, _ := fuzzRunWith(t, f, opts, func(r *runner) { r.noEdges = noEdges }, dc.operation)
	if len(res.Failures) != 1 {
		t.Fatalf("%d failures, want 1: %+v", len(res.Failures), res.Failures)
	}
	fail := res.Failures[0]
	if fail.Rule != dc.rule || fail.Operation != dc.operation || !fail.Shrunk || fail.Seed == nil || *fail.Seed != int64(seed) {
		t.Fatalf("failure %s %q (shrunk %v, seed %v), want %s %q, shrunk, seed %d", fail.Operation, fail.Rule, fail.Shrunk, fail.Seed, dc.operation, dc.rule, seed)
	}
	body := fail.Request.Body.Bytes()
	t.Logf("%s %s %s: %s %s (%d bytes) -> %v; %d requests", fail.ID, fail.Check, fail.Rule, fail.Request.Method, fail.Request.URL, len(body), fail.Response.Status, res.Requests())
	if len(body) < 3000 {
		t.Logf("  body %s", body)
	}
	var members map[string]any
	_ = json.Unmarshal(body, &members)
	dc.minimal(t, body, members)
	expectOnlyNeededMembers(t, f, dc.operation, members)
	if fail.Response == nil || evidence.StatusAllowed(fail.Response.Status, fail.Expect.Status) {
		t.Errorf("recorded answer %v does not break the rule's statuses %v", fail.Response, fail.Expect.Status)
	}
	expectReplay(t, f, fail.ID, dc.defect)
}

// expectReplay writes the run's failures and replays the failure against
// a fresh emulator: with the defect it breaks the rule again, without it
// it does not.
func expectReplay(t *testing.T, f *fw.Framework, id, defect string) {
	t.Helper()
	dir := t.TempDir()
	if err := f.WriteEvidence(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{defect, ""} {
		res, err := replay.Run(context.Background(), replay.Options{RunDir: dir, FailureID: id, Launch: launch.Contract, Defect: d})
		if err != nil {
			t.Fatalf("replay %s (defect %q): %v", id, d, err)
		}
		for _, st := range res.Steps {
			if st.Status < 200 || st.Status > 299 {
				t.Errorf("replay %s (defect %q): step %s answered %d (%s): the failure's setup did not replay", id, d, st.Operation, st.Status, st.Error)
			}
		}
		if res.Reproduced() != (d != "") {
			t.Errorf("replay %s against the emulator with defect %q: reproduced %v (broken %v, answer %v, steps %+v)", id, d, res.Reproduced(), res.Broken, statusOf(res.Answer), res.Steps)
		}
	}
}

func statusOf(r *evidence.Response) int {
	if r == nil {
		return 0
	}
	return r.Status
}

// expectOnlyNeededMembers: a shrunk body keeps the required members, the
// ones the run binds, and at most one other (the one at fault).
func expectOnlyNeededMembers(t *testing.T, f *fw.Framework, opID string, members map[string]any) {
	t.Helper()
	sc := f.Spec.RequestSchema(opID)
	if members == nil || sc == nil {
		return
	}
	var extra []string
	for name := range members {
		if !slices.Contains(sc.Required, name) && !slices.Contains(bodyBinders[opID].members, name) {
			extra = append(extra, name)
		}
	}
	if len(extra) > 1 {
		t.Errorf("shrunk body keeps optional members %v: want at most the one at fault", extra)
	}
}

// TestSameSeedSameRequests: two runs with one seed, against two fresh
// emulators, send the same requests for every operation: with the edge
// set (which takes most of a budget of 5), and with random cases alone.
func TestSameSeedSameRequests(t *testing.T) {
	for _, noEdges := range []bool{false, true} {
		t.Run(fmt.Sprintf("noEdges=%v", noEdges), func(t *testing.T) {
			opts := DefaultOptions()
			opts.Seed, opts.Budget = 99, Budget{Cases: 5}
			set := func(r *runner) { r.noEdges = noEdges }
			f := emulator(t, "")
			_, _, first := fuzzRunWith(t, f, opts, set, raceAffordable(f)...)
			_, _, second := fuzzRunWith(t, emulator(t, ""), opts, set, raceAffordable(f)...)
			if len(first) == 0 {
				t.Fatal("the first run sent nothing")
			}
			for op, lines := range first {
				if !slices.Equal(lines, second[op]) {
					t.Errorf("%s: the two runs sent different requests:\n first  %q\n second %q", op, lines, second[op])
				}
			}
			if len(second) != len(first) {
				t.Errorf("the runs fuzzed %d and %d operations", len(first), len(second))
			}
		})
	}
}
