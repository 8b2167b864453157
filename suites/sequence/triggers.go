package sequence

import (
	"maps"
	"net/http"
	"slices"

	"pgregory.net/rapid"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// triggerLabels name the (at most two) timer triggers a sequence makes;
// the trigger ids are the target's and differ between runs.
var triggerLabels = []string{"t1", "t2"}

var triggerStatuses = []string{"ACTIVE", "DISABLED"}

// triggerModel is what a sequence's function should hold in triggers.
type triggerModel struct {
	live map[string]*trigger // label → trigger
	gone map[string]*trigger // deleted, by label
}

type trigger struct {
	path   map[string]string // showFunctionTrigger's, by the spec's link
	status string
}

func newTriggerModel() triggerModel {
	return triggerModel{live: map[string]*trigger{}, gone: map[string]*trigger{}}
}

func (s *seq) triggerActions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"createTrigger":     s.createTrigger,
		"showTrigger":       s.showTrigger,
		fgs.OpUpdateTrigger: s.updateTrigger,
		"deleteTrigger":     s.deleteTrigger,
		"listTriggers":      s.listTriggers,
	}
}

// createTrigger makes a timer of the function that fires once a day at
// most (and not at all while DISABLED): it never fires during a sequence.
func (s *seq) createTrigger(t *rapid.T) {
	label := pickFrom(s, t, triggerLabels, "trigger")
	if s.triggers.live[label] != nil {
		t.Skip("exists")
	}
	status := pickFrom(s, t, triggerStatuses, "status")
	path := s.follow(s.created, nil, fgs.OpCreateFunction, fgs.OpCreateFunctionTrigger)
	resp := s.send(fw.Request{Operation: fgs.OpCreateFunctionTrigger, Path: path, Body: map[string]any{
		"trigger_type_code": "TIMER", "event_type_code": "MessageCreated", "trigger_status": status,
		"event_data": map[string]any{"name": s.triggerName(label), "schedule_type": "Rate", "schedule": "1d"},
	}})
	s.expectStatus(resp, http.StatusCreated, "a new timer trigger is answered 201")
	s.triggers.live[label] = &trigger{path: s.follow(resp, path, fgs.OpCreateFunctionTrigger, fgs.OpShowFunctionTrigger), status: status}
	delete(s.triggers.gone, label)
	s.expectMember(resp, "trigger_status", status, "the created trigger has the status it was given")
}

func (s *seq) showTrigger(t *rapid.T) {
	label := s.drawExisting(t, slices.Sorted(maps.Keys(union(s.triggers.live, s.triggers.gone))), "trigger")
	if tr := s.triggers.gone[label]; tr != nil {
		s.expectGone(fw.Request{Operation: fgs.OpShowFunctionTrigger, Path: tr.path}, "a deleted trigger answers 404")
		return
	}
	tr := s.triggers.live[label]
	s.readsBack(fw.Request{Operation: fgs.OpShowFunctionTrigger, Path: tr.path}, "trigger_status", tr.status, "a trigger reads back the status it was last given")
}

// updateTrigger enables or disables a trigger, the change updateTrigger
// documents for every trigger type.
func (s *seq) updateTrigger(t *rapid.T) {
	label := s.drawExisting(t, slices.Sorted(maps.Keys(s.triggers.live)), "trigger")
	status := pickFrom(s, t, triggerStatuses, "status")
	tr := s.triggers.live[label]
	resp := s.send(fw.Request{Operation: fgs.OpUpdateTrigger, Path: tr.path, Body: map[string]any{"trigger_status": status}})
	s.expectStatus(resp, http.StatusOK, "an update of an existing trigger is answered 200")
	s.expectMember(resp, "trigger_status", status, "the updated trigger answers with the status it was given")
	tr.status = status
}

func (s *seq) deleteTrigger(t *rapid.T) {
	label := s.drawExisting(t, slices.Sorted(maps.Keys(s.triggers.live)), "trigger")
	tr := s.triggers.live[label]
	resp := s.send(fw.Request{Operation: fgs.OpDeleteFunctionTrigger, Path: tr.path})
	s.expectStatus(resp, http.StatusNoContent, "deleting an existing trigger is answered 204")
	delete(s.triggers.live, label)
	s.triggers.gone[label] = tr
}

// listTriggers compares the listed triggers, by name, with the model both
// ways: a live trigger is listed at its status, a deleted one is not. The
// names are the sequence's own, so a replay finds them again; the ids are
// the target's.
func (s *seq) listTriggers(*rapid.T) {
	want, gone := map[string]string{}, map[string]bool{}
	for label, tr := range s.triggers.live {
		want[s.triggerName(label)] = tr.status
	}
	for label := range s.triggers.gone {
		gone[s.triggerName(label)] = true
	}
	path := s.follow(s.created, nil, fgs.OpCreateFunction, fgs.OpListFunctionTriggers)
	s.settleList(fw.Request{Operation: fgs.OpListFunctionTriggers, Path: path}, "the trigger list holds exactly the triggers not deleted, at their statuses",
		keyed("", func(tr struct {
			Status string `json:"trigger_status"`
			Data   struct {
				Name string `json:"name"`
			} `json:"event_data"`
		}) (string, string) {
			return tr.Data.Name, tr.Status
		}), want, gone, listOpts{})
}

func (s *seq) triggerName(label string) string { return s.name + "-" + label }

// union is a and b in one map (b wins; the callers' keys never overlap).
func union[V any](a, b map[string]V) map[string]V {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}
