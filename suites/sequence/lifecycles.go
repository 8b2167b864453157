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
// A life-cycle draws nothing, so rapid has nothing to shrink: it is
// reported as it failed, the steps before the failing one included. Each
// puts the promise most likely to break right after the shortest chain of
// steps that sets it up (create → delete → list; create → update → read;
// start → stop → read), so a defect there is reported at its shortest
// sequence; a failure at a later step carries the steps before it.
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

// runLifeCycle sends lc: its area's start, then its steps; done counts
// the steps that ran to their end (an action that skipped would leave a
// promise unchecked, which TestLifeCyclesRunWhole guards against).
func (s *seq) runLifeCycle(lc lifeCycle) {
	s.script = lc.start
	s.start()
	for _, st := range lc.steps {
		s.script = st.values
		st.do(s, s.t)
		if s.sl.attempts == 1 {
			s.sl.lifeCycleDone++
		}
	}
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

// pickFrom is pick from choices: a life-cycle's value must be one of them.
func pickFrom[V comparable](s *seq, t *rapid.T, choices []V, label string) V {
	v := pick(s, t, rapid.SampledFrom(choices), label)
	if !slices.Contains(choices, v) {
		panic(fmt.Sprintf("sequence: a life-cycle step gives %s %v, not one of %v", label, v, choices))
	}
	return v
}
