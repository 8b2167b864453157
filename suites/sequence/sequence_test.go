package sequence

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/fghtest"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/launch"
	fw "github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/replay"
)

// emulator starts the built-in emulator (behind defect, when named) for one test.
func emulator(t *testing.T, defect string) *fw.Framework {
	return fghtest.Framework(t, launch.Contract, defect)
}

// testOptions keep CI cheap: a read that does not show a change fails at
// once (an execution still has a few seconds to end). Shrinking is bounded
// by its time only, 8s: the emulator answers fast enough for rapid to
// reach the shortest sequence well within it, even under -race.
func testOptions(seed uint64, sequences int) Options {
	o := DefaultOptions(seed)
	o.Sequences, o.Settle, o.Execution, o.ShrinkRequests, o.Shrink = sequences, 0, 5*time.Second, 1<<30, 8*time.Second
	return o
}

// TestHealthyEmulatorKeepsEveryPromiseDeterministically runs one seed
// three times, the last on three workers: each sequence sends the same
// requests every time, and the sequences reach every area.
func TestHealthyEmulatorKeepsEveryPromiseDeterministically(t *testing.T) {
	var sent [][][]string
	for _, workers := range []int{1, 1, 3} {
		f := emulator(t, "")
		o := testOptions(19, 16)
		o.Workers = workers
		res, err := Run(context.Background(), f, o, f.Evidence)
		if err != nil {
			t.Fatal(err)
		}
		if res.Failure != nil {
			t.Fatalf("a healthy emulator broke a promise:\n%s%s %s", res.Summary(), res.Failure.Request.URL, res.Failure.Response.Body.Text)
		}
		if res.Requests < 16*4 || len(res.sent) != 16 {
			t.Fatalf("%d requests over %d sequences (%d recorded): the sequences hardly ran", res.Requests, res.Sequences, len(res.sent))
		}
		for _, fl := range f.Evidence.Failures() {
			t.Errorf("unexpected failure %s: %s", fl.ID, fl.Rule)
		}
		for i, lc := range lifeCycles {
			if res.lifeCycleDone[i] != len(lc.steps) {
				t.Errorf("life-cycle %s ran %d of its %d steps: an action skipped, leaving its promises unchecked", lc.name, res.lifeCycleDone[i], len(lc.steps))
			}
		}
		sent = append(sent, res.sent)
	}
	for run := 1; run < len(sent); run++ {
		for i := range sent[0] {
			if !slices.Equal(collapsePolls(sent[0][i]), collapsePolls(sent[run][i])) {
				t.Errorf("run %d, sequence %d sent other requests than run 0 with the same seed:\n%s\n--\n%s", run, i,
					strings.Join(sent[0][i], "\n"), strings.Join(sent[run][i], "\n"))
			}
		}
	}
	ops := map[string]bool{}
	for _, seq := range sent[0] {
		for _, line := range seq {
			ops[strings.Fields(line)[0]] = true
		}
	}
	for _, op := range []string{fgs.OpCreateVersionAlias, fgs.OpDeleteVersionAlias, fgs.OpListVersionAliases, fgs.OpUpdateEvent, fgs.OpShowEvent,
		fgs.OpCreateFunctionVersion, fgs.OpCreateFunctionTrigger, fgs.OpUpdateTrigger, fgs.OpDeleteFunctionTrigger,
		fgs.OpCreateDependencyVersion, fgs.OpDeleteDependencyVersion, fgs.OpCreateWorkflow, fgs.OpUpdateWorkFlow,
		fgs.OpStartWorkflowExecution, fgs.OpShowWorkflowExecution, fgs.OpStopWorkFlow, fgs.OpRetryWorkFlow} {
		if !ops[op] {
			t.Errorf("seed 19 never sent %s; the sequences do not reach it", op)
		}
	}
}

// collapsePolls drops the repeated reads of an execution that had not
// settled yet: how many polls it takes depends on timing, not on the seed.
func collapsePolls(lines []string) []string {
	return slices.Compact(slices.Clone(lines))
}

// sequenceDefects are the defects left to the sequences, each with the
// shortest sequence that shows it: the one its life-cycle reports, and the
// one rapid shrinks a random sequence that finds it to.
var sequenceDefects = map[string][]string{
	"deleted-alias-listed":        {fgs.OpCreateFunction, fgs.OpCreateVersionAlias, fgs.OpDeleteVersionAlias, fgs.OpListVersionAliases},
	"event-update-lost":           {fgs.OpCreateFunction, fgs.OpCreateEvent, fgs.OpUpdateEvent, fgs.OpShowEvent},
	"deleted-trigger-listed":      {fgs.OpCreateFunction, fgs.OpCreateFunctionTrigger, fgs.OpDeleteFunctionTrigger, fgs.OpListFunctionTriggers},
	"dependency-version-readable": {fgs.OpCreateDependencyVersion, fgs.OpDeleteDependencyVersion, fgs.OpShowDependencyVersion},
	"workflow-update-lost":        {fgs.OpCreateFunction, fgs.OpCreateWorkflow, fgs.OpUpdateWorkFlow, fgs.OpShowWorkFlow},
	"execution-stop-ignored": {fgs.OpCreateFunction, fgs.OpCreateWorkflow, fgs.OpStartWorkflowExecution, fgs.OpShowWorkflowExecution,
		fgs.OpStopWorkFlow, fgs.OpShowWorkflowExecution},
}

// Every sequence defect is found by a run of the default budget at every
// seed (the life-cycles find it before any random sequence runs), at its
// shortest sequence, and replay reproduces it against the broken emulator
// but not against a healthy one.
func TestLifeCyclesCatchEveryDefectAtAnySeed(t *testing.T) {
	for _, d := range fw.Defects() {
		if _, ok := sequenceDefects[d.Name]; d.CaughtBy == fw.CaughtBySequences && !ok {
			t.Errorf("defect %s is left to the sequences but no test proves they catch it", d.Name)
		}
	}
	for name, want := range sequenceDefects {
		for _, seed := range []uint64{1, 2, 7, 42} {
			t.Run(fmt.Sprintf("%s/seed=%d", name, seed), func(t *testing.T) {
				f := emulator(t, name)
				// the default budget; only the waits are short (a healthy
				// emulator settles at once, and a stop it ignores never does)
				o := DefaultOptions(seed)
				o.Settle, o.Execution = 0, 2*time.Second
				res, err := Run(context.Background(), f, o, f.Evidence)
				if err != nil {
					t.Fatal(err)
				}
				if res.Failure == nil {
					t.Fatalf("%d sequences (%d requests) did not catch %s", res.Sequences, res.Requests, name)
				}
				if !slices.Equal(res.Sequence, want) {
					t.Errorf("reported %v, want the shortest %v (rule: %s)", res.Sequence, want, res.Failure.Rule)
				}
				checkEvidence(t, f, res, name, seed, want, seed == 1)
			})
		}
	}
}

// Random sequences alone find a defect too, and rapid shrinks the failing
// one to the shortest sequence that shows it. (Seeds whose first failing
// random sequence is short, so that rapid reaches the shortest within its
// shrink time even under -race on two cores.)
func TestRandomSequencesShrinkToTheShortest(t *testing.T) {
	for name, seed := range map[string]uint64{"deleted-alias-listed": 2, "deleted-trigger-listed": 15, "dependency-version-readable": 1} {
		t.Run(name, func(t *testing.T) {
			f := emulator(t, name)
			o := testOptions(seed, 40)
			o.randomOnly = true
			res, err := Run(context.Background(), f, o, f.Evidence)
			if err != nil {
				t.Fatal(err)
			}
			if res.Failure == nil {
				t.Fatalf("%d sequences (%d requests) did not catch %s", res.Sequences, res.Requests, name)
			}
			if want := sequenceDefects[name]; !slices.Equal(res.Sequence, want) {
				t.Errorf("shrunk to %v, want the shortest %v (rule: %s)", res.Sequence, want, res.Failure.Rule)
			}
			checkEvidence(t, f, res, name, seed, sequenceDefects[name], true)
		})
	}
}

// A life-cycle that fails at a later step is shrunk by rapid to the steps
// the failure needs: here the alias promises come after a version's.
func TestLifeCycleShrinksToTheStepsTheFailureNeeds(t *testing.T) {
	long := lifeCycle{name: "long", start: values{"area": areaFunction}, steps: []step{
		{(*seq).publishVersion, values{"version": versions[0]}},
		{(*seq).listVersions, nil},
		{(*seq).createAlias, values{"alias": aliasNames[0], "version": versions[0]}},
		{(*seq).showAlias, values{"alias": aliasNames[0]}},
		{(*seq).createEvent, values{"event": eventNames[0], "content": 1}},
		{(*seq).deleteAlias, values{"alias": aliasNames[0]}},
		{(*seq).listEvents, nil},
		{(*seq).listAliases, nil},
		{(*seq).showAlias, values{"alias": aliasNames[0]}},
	}}
	for _, seed := range []uint64{1, 42} {
		f := emulator(t, "deleted-alias-listed")
		o := testOptions(seed, 3)
		o.lifeCycles = []lifeCycle{long}
		res, err := Run(context.Background(), f, o, f.Evidence)
		if err != nil {
			t.Fatal(err)
		}
		if res.Failure == nil {
			t.Fatalf("seed %d: the long life-cycle did not catch the defect", seed)
		}
		// the alias points at v1 through the spec's link: publishing it stays
		want := []string{fgs.OpCreateFunction, fgs.OpCreateFunctionVersion, fgs.OpCreateVersionAlias, fgs.OpDeleteVersionAlias, fgs.OpListVersionAliases}
		if !slices.Equal(res.Sequence, want) {
			t.Errorf("seed %d: shrunk to %v, want %v", seed, res.Sequence, want)
		}
	}
}

// checkEvidence checks what res recorded of the failure found with
// defect name; with replay, that the failure replays against the broken
// emulator and not against a healthy one.
func checkEvidence(t *testing.T, f *fw.Framework, res Result, name string, seed uint64, want []string, withReplay bool) {
	t.Helper()
	fl := res.Failure
	if !fl.Shrunk || fl.Seed == nil || *fl.Seed != int64(seed) || fl.ID == "" || fl.Source != Source || (len(fl.Cleanup) == 0 && want[0] == fgs.OpCreateFunction) {
		t.Errorf("failure evidence incomplete: id %q shrunk %v seed %v source %q cleanup %d", fl.ID, fl.Shrunk, fl.Seed, fl.Source, len(fl.Cleanup))
	}
	if d, _ := defectMention(name); !strings.Contains(fl.Rule+" "+fl.Violation.String(), d) {
		t.Errorf("failure %q does not mention %q", fl.Rule+" "+fl.Violation.String(), d)
	}
	if !withReplay {
		return
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
}

func defectMention(name string) (string, bool) {
	for _, d := range fw.Defects() {
		if d.Name == name {
			return d.Mentions, true
		}
	}
	return "", false
}

// The shrink budget bounds what a failing run sends, and the failure a
// run reports is the lowest failing sequence's whatever the workers.
func TestShrinkBudgetAndWorkersKeepTheReportBounded(t *testing.T) {
	run := func(workers, budget int) Result {
		f := emulator(t, "deleted-alias-listed")
		o := testOptions(2, 40)
		o.Workers, o.ShrinkRequests, o.randomOnly = workers, budget, true
		res, err := Run(context.Background(), f, o, f.Evidence)
		if err != nil {
			t.Fatal(err)
		}
		if res.Failure == nil {
			t.Fatalf("%d workers, shrink budget %d: the defect was not caught", workers, budget)
		}
		return res
	}
	none := run(1, 0)
	if again := run(3, 0); !slices.Equal(none.Sequence, again.Sequence) {
		t.Errorf("three workers reported %v, one worker %v: the report depends on timing", again.Sequence, none.Sequence)
	}
	const budget = 30
	some := run(1, budget)
	t.Logf("no shrinking: %d requests; a budget of %d: %d", none.Requests, budget, some.Requests)
	// the budget may be overrun by the candidate running when it ran out
	if extra := some.Requests - none.Requests; extra < 1 || extra > budget+len(none.Sequence)+20 {
		t.Errorf("a shrink budget of %d requests sent %d more than none", budget, extra)
	}
	if len(some.Sequence) > len(none.Sequence) {
		t.Errorf("shrinking lengthened the failing sequence: %v, then %v", none.Sequence, some.Sequence)
	}
}

// What a sequence made is deleted even when the answer that made it broke
// a promise.
func TestCleanupAfterABrokenCreate(t *testing.T) {
	f := emulator(t, "create-201")
	o := testOptions(3, 4)
	o.ShrinkRequests = 0
	res, err := Run(context.Background(), f, o, f.Evidence)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failure == nil || res.Failure.Operation != fgs.OpCreateFunction {
		t.Fatalf("createFunction answering 201 was not the failure: %+v", res.Failure)
	}
	if ops := operationsOf(res.Failure.Cleanup); !slices.Equal(ops, []string{fgs.OpDeleteFunction}) || res.Failure.Cleanup[0].Response.Status != 204 {
		t.Errorf("cleanup after the broken create: %v, want the function deleted", ops)
	}
}
