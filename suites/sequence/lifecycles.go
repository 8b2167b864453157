package sequence

import (
	"fmt"
	"slices"

	"pgregory.net/rapid"
)

// A life-cycle is a fixed sequence that walks one area through every
// promise the documents make of it once, the same for every seed. A run
// sends the life-cycles first, as its first sequences, so that a defect
// that any one promise shows is found at every seed and at the smallest
// budget that holds them; random sequences fill the rest of the run.
//
// A failing life-cycle is shrunk by rapid like a random sequence: each
// step draws whether it is kept, and its first run (and rapid's run of it
// again) keeps every step whatever was drawn, so the life-cycle sends the
// same requests at every seed. The shrink candidates rapid tries then
// read the draws, and drop the steps rapid zeroes. Each life-cycle puts
// the promise most likely to break right after the shortest chain of
// steps that sets it up (create → delete → list; create → update → read;
// start → stop → read), so a defect there fails at its shortest sequence
// and shrinking finds nothing shorter; a failure at a later step is
// shrunk to the steps it needs.
type lifeCycle struct {
	name  string
	start values // the area, and whether a workflow is held
	steps []step
}

// step is one action of a life-cycle with the values it would otherwise draw.
type step struct {
	do func(*seq, *rapid.T)
	values
}

// values are a life-cycle step's choices, by the label the action draws them under.
type values map[string]any

// lifeCycles are the run's first sequences, in order.
var lifeCycles = []lifeCycle{
	{name: "aliases", start: values{"area": areaFunction}, steps: []step{
		{(*seq).createAlias, values{"alias": aliasNames[0], "version": "latest"}},
		{(*seq).deleteAlias, values{"alias": aliasNames[0]}},
		{(*seq).listAliases, nil},
		{(*seq).showAlias, values{"alias": aliasNames[0]}},
		{(*seq).publishVersion, values{"version": versions[0]}},
		{(*seq).listVersions, nil},
		{(*seq).createAlias, values{"alias": aliasNames[1], "version": versions[0]}},
		{(*seq).showAlias, values{"alias": aliasNames[1]}},
		{(*seq).listAliases, nil},
		{(*seq).updateAlias, values{"alias": aliasNames[1], "version": "latest"}},
		{(*seq).showAlias, values{"alias": aliasNames[1]}},
		{(*seq).listAliases, nil},
	}},
	{name: "events", start: values{"area": areaFunction}, steps: []step{
		{(*seq).createEvent, values{"event": eventNames[0], "content": 1}},
		{(*seq).updateEvent, values{"event": eventNames[0], "content": 2}},
		{(*seq).showEvent, values{"event": eventNames[0]}},
		{(*seq).listEvents, nil},
		{(*seq).deleteEvent, values{"event": eventNames[0]}},
		{(*seq).showEvent, values{"event": eventNames[0]}},
		{(*seq).listEvents, nil},
	}},
	{name: "triggers", start: values{"area": areaTriggers}, steps: []step{
		{(*seq).createTrigger, values{"trigger": triggerLabels[0], "status": "ACTIVE"}},
		{(*seq).deleteTrigger, values{"trigger": triggerLabels[0]}},
		{(*seq).listTriggers, nil},
		{(*seq).showTrigger, values{"trigger": triggerLabels[0]}},
		{(*seq).createTrigger, values{"trigger": triggerLabels[1], "status": "DISABLED"}},
		{(*seq).showTrigger, values{"trigger": triggerLabels[1]}},
		{(*seq).updateTrigger, values{"trigger": triggerLabels[1], "status": "ACTIVE"}},
		{(*seq).showTrigger, values{"trigger": triggerLabels[1]}},
		{(*seq).listTriggers, nil},
	}},
	{name: "dependencies", start: values{"area": areaDependencies}, steps: []step{
		{(*seq).createDependencyVersion, values{"content": 1}},
		{(*seq).deleteDependencyVersion, values{"dependency version": "d1"}},
		{(*seq).showDependencyVersion, values{"dependency version": "d1"}},
		{(*seq).createDependencyVersion, values{"content": 2}},
		{(*seq).createDependencyVersion, values{"content": 3}},
		{(*seq).showDependencyVersion, values{"dependency version": "d2"}},
		{(*seq).listDependencyVersions, nil},
	}},
	{name: "workflow", start: values{"area": areaWorkflows, "held": false}, steps: []step{
		{(*seq).updateWorkflow, values{"description": 1}},
		{(*seq).showWorkflow, nil},
		{(*seq).startExecution, values{"input": 1}},
		{(*seq).showExecution, values{"execution": "x1"}},
		{(*seq).listExecutions, nil},
		{(*seq).deleteWorkflow, nil},
		{(*seq).showWorkflow, nil},
	}},
	{name: "executions", start: values{"area": areaWorkflows, "held": true}, steps: []step{
		{(*seq).startExecution, values{"input": 1}},
		{(*seq).stopExecution, values{"execution": "x1"}},
		{(*seq).showExecution, values{"execution": "x1"}},
		{(*seq).listExecutions, nil},
		{(*seq).retryExecution, values{"execution": "x1"}},
		{(*seq).stopExecution, values{"execution": "x1"}},
		{(*seq).retryExecution, values{"execution": "x1"}},
	}},
}

// runLifeCycle sends lc: its area's start, then its steps; lifeCycleDone
// counts the steps that ran to their end (an action that skipped would
// leave a promise unchecked, which the healthy emulator's test guards
// against).
func (s *seq) runLifeCycle(lc lifeCycle) {
	s.script = lc.start
	s.start()
	for _, st := range lc.steps {
		if !s.keepStep() {
			continue
		}
		s.script = st.values
		st.do(s, s.t)
		if s.sl.attempts == 1 {
			s.sl.lifeCycleDone++
		}
	}
}

// keepBits is how many coin flips decide whether a shrink candidate keeps
// a life-cycle step: it is dropped when all are zero, which rapid tries.
// A random draw comes up all zero once in 2^keepBits; that step is then
// left out of every candidate, and if the failure needs it rapid finds
// nothing shorter.
const keepBits = 12

// keepStep draws whether the step is kept. A life-cycle's first run, and
// rapid's repetition of it before shrinking, keep every step whatever
// the draws say; the candidates rapid shrinks it with keep what they draw.
func (s *seq) keepStep() bool {
	keep := false
	for range keepBits {
		keep = rapid.Bool().Draw(s.t, "keep") || keep
	}
	return keep || s.sl.attempts <= 2
}

// pick is g's draw under label, or in a life-cycle the step's value.
func pick[V any](s *seq, t *rapid.T, g *rapid.Generator[V], label string) V {
	if s.script == nil {
		return g.Draw(t, label)
	}
	v, ok := s.script[label].(V)
	if !ok {
		panic(fmt.Sprintf("sequence: a life-cycle step gives no %T %q (has %v)", v, label, s.script))
	}
	return v
}

// pickFrom is pick from choices. A life-cycle's value that is not one of
// them was made by a step a shrink candidate dropped: the candidate cannot
// go on.
func pickFrom[V comparable](s *seq, t *rapid.T, choices []V, label string) V {
	v := pick(s, t, rapid.SampledFrom(choices), label)
	if !slices.Contains(choices, v) {
		t.Skip("a shrink candidate dropped the step that made it")
	}
	return v
}
