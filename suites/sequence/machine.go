package sequence

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// The names a sequence draws from: few, so that actions meet each other's
// resources (create, then update, delete and read the same alias).
var (
	aliasNames = []string{"fgh-a1", "fgh-a2"}
	eventNames = []string{"fgh-e1", "fgh-e2"}
	versions   = []string{"v1", "v2"}
)

// seq is one sequence: its function and the model of what the documents
// say the target now holds.
type seq struct {
	r    *runner
	sl   *slot
	ctx  context.Context
	t    *rapid.T
	name string // fgh-<run>-seq-<index>-<attempt>: what the sequence creates is named after it
	area string
	// script is the current life-cycle step's values (nil in a random
	// sequence): pick takes them instead of drawing.
	script values

	created   *fw.Response      // the createFunction answer
	fnPath    map[string]string // createFunction → consumers
	published map[string]*fw.Response
	aliases   map[string]string // name → version it points at
	gone      map[string]bool   // deleted alias names
	events    map[string]*event // name → event
	goneEv    map[string]string // deleted event name → id
	triggers  triggerModel
	deps      depModel
	flow      flowModel

	history []evidence.Exchange // what the sequence sent, in order
	failure *evidence.Failure   // the step that broke a promise
}

type event struct {
	id, content string
	created     *fw.Response
}

func (r *runner) newSeq(ctx context.Context, t *rapid.T, sl *slot) *seq {
	return &seq{r: r, sl: sl, ctx: ctx, t: t, name: fmt.Sprintf("%sseq-%d-%d", r.f.Prefix, sl.index, sl.attempts),
		published: map[string]*fw.Response{}, aliases: map[string]string{}, gone: map[string]bool{},
		events: map[string]*event{}, goneEv: map[string]string{}, triggers: newTriggerModel(), deps: newDepModel()}
}

// The areas a sequence draws one of at its start. Keeping a sequence to
// one area lets its few actions meet each other's resources (create, then
// change, delete and read the same trigger) instead of spreading over
// every operation.
const (
	areaFunction     = "function" // versions, aliases and test events
	areaTriggers     = "triggers"
	areaDependencies = "dependencies"
	areaWorkflows    = "workflows"
)

var areas = []string{areaFunction, areaTriggers, areaDependencies, areaWorkflows}

// start draws the sequence's area and makes what the area's actions need:
// a function (dependency packages are the project's, not a function's).
func (s *seq) start() {
	s.area = pickFrom(s, s.t, areas, "area")
	if s.area != areaDependencies {
		s.create()
	}
	if s.area == areaWorkflows {
		s.createWorkflow()
	}
}

// create makes the sequence's function; the sequence cannot go on without it.
func (s *seq) create() {
	body := map[string]any{
		"func_name": s.name, "package": "default", "runtime": "Python3.9",
		"handler": "index.handler", "memory_size": 128, "timeout": 30, "code_type": "inline",
		"user_data": `{"FGH_HANDLER":"echo"}`,
	}
	resp := s.sendCreate(fw.Request{Operation: fgs.OpCreateFunction, Body: body}, func(resp *fw.Response) {
		s.fnPath = s.tryFollow(resp, fgs.OpCreateFunction, fgs.OpShowFunctionConfig)
	})
	s.expectStatus(resp, http.StatusOK, "a valid createFunction is answered 200")
	s.created = resp
	s.fnPath = s.follow(resp, nil, fgs.OpCreateFunction, fgs.OpShowFunctionConfig)
}

// end deletes what the sequence created, whatever happened: the
// dependency versions and the workflow it holds (stopping the executions
// that may still run), then the function with its versions, aliases,
// events and triggers. The exchanges are the cleanup replay sends after a
// failure.
func (s *seq) end() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 30*time.Second)
	defer cancel()
	var cleanup []evidence.Exchange
	for _, req := range s.cleanupRequests() {
		resp, err := s.r.f.Do(ctx, req)
		s.r.requests.Add(1)
		s.countShrink()
		if err != nil {
			s.r.loseTarget(err)
			break
		}
		cleanup = append(cleanup, exchangeOf(resp))
	}
	if s.sl.attempts == 1 {
		s.sl.sent = append(s.sl.sent, sentLines(s.r.f.Prefix, s.history)...)
		s.sl.sent = append(s.sl.sent, sentLines(s.r.f.Prefix, cleanup)...)
	}
	if s.failure != nil {
		s.failure.Cleanup = cleanup
		s.sl.keep(*s.failure)
	}
}

func (s *seq) cleanupRequests() []fw.Request {
	out := append(s.deps.cleanup(), s.flow.cleanup()...)
	if s.fnPath != nil {
		out = append(out, fw.Request{Operation: fgs.OpDeleteFunction, Path: s.fnPath})
	}
	return out
}

// sentLines is what exs sent, operation and body, with the run's prefix
// cut out of the body (the run id differs between runs of one seed).
func sentLines(prefix string, exs []evidence.Exchange) []string {
	out := make([]string, len(exs))
	for i, ex := range exs {
		out[i] = ex.Operation + " " + strings.ReplaceAll(ex.Request.Body.Text, prefix, "fgh-")
	}
	return out
}

func (s *seq) actions() map[string]func(*rapid.T) {
	switch s.area {
	case areaTriggers:
		return s.triggerActions()
	case areaDependencies:
		return s.dependencyActions()
	case areaWorkflows:
		return s.workflowActions()
	}
	return map[string]func(*rapid.T){
		"publishVersion": s.publishVersion,
		"listVersions":   s.listVersions,
		"createAlias":    s.createAlias,
		"updateAlias":    s.updateAlias,
		"showAlias":      s.showAlias,
		"deleteAlias":    s.deleteAlias,
		"listAliases":    s.listAliases,
		"createEvent":    s.createEvent, // an action name, not an operation id
		"updateEvent":    s.updateEvent, // an action name, not an operation id
		"showEvent":      s.showEvent,   // an action name, not an operation id
		"deleteEvent":    s.deleteEvent, // an action name, not an operation id
		"listEvents":     s.listEvents,  // an action name, not an operation id
	}
}

func (s *seq) publishVersion(t *rapid.T) {
	v := pickFrom(s, t, versions, "version")
	if s.published[v] != nil {
		t.Skip("published already")
	}
	resp := s.send(fw.Request{Operation: fgs.OpCreateFunctionVersion, Path: s.fnPath, Body: map[string]any{"version": v, "description": "fgh sequence"}})
	s.expectStatus(resp, http.StatusOK, "publishing a new version is answered 200")
	s.expectMember(resp, "version", v, "the published version is the one asked for")
	s.published[v] = resp
}

func (s *seq) listVersions(*rapid.T) {
	want := append([]string{"latest"}, slices.Sorted(maps.Keys(s.published))...)
	s.settle(fw.Request{Operation: fgs.OpListFunctionVersions, Path: s.fnPath}, "every published version is listed", func(resp *fw.Response) string {
		var page struct {
			Versions []struct {
				Version string `json:"version"`
			} `json:"versions"`
		}
		_ = json.Unmarshal(resp.Body, &page)
		var got []string
		for _, v := range page.Versions {
			got = append(got, v.Version)
		}
		for _, v := range want {
			if !slices.Contains(got, v) {
				return v
			}
		}
		return ""
	})
}

// createAlias points a new alias at latest or at a published version, the
// version carried by the spec's link from createFunctionVersion.
func (s *seq) createAlias(t *rapid.T) {
	name := pickFrom(s, t, aliasNames, "alias")
	if _, ok := s.aliases[name]; ok {
		t.Skip("exists")
	}
	version := pickFrom(s, t, s.versionChoices(), "version")
	path, body := s.fnPath, map[string]any{"version": version}
	if p := s.published[version]; p != nil {
		path, body = s.followBody(p, s.fnPath, fgs.OpCreateFunctionVersion, fgs.OpCreateVersionAlias)
	}
	body["name"] = name
	resp := s.send(fw.Request{Operation: fgs.OpCreateVersionAlias, Path: path, Body: body})
	s.expectStatus(resp, http.StatusOK, "a new alias of an existing version is answered 200")
	s.expectMember(resp, "version", version, "the alias points at the version it was created with")
	s.aliases[name] = version
	delete(s.gone, name)
}

func (s *seq) updateAlias(t *rapid.T) {
	name := s.drawExisting(t, slices.Sorted(maps.Keys(s.aliases)), "alias")
	version := pickFrom(s, t, s.versionChoices(), "version")
	resp := s.send(fw.Request{Operation: fgs.OpUpdateVersionAlias, Path: s.aliasPath(name), Body: map[string]any{"version": version, "description": "fgh sequence"}})
	s.expectStatus(resp, http.StatusOK, "an update of an existing alias is answered 200")
	s.aliases[name] = version
}

func (s *seq) showAlias(t *rapid.T) {
	known := slices.Sorted(maps.Keys(s.aliases))
	for n := range s.gone {
		known = append(known, n)
	}
	sort.Strings(known)
	name := s.drawExisting(t, known, "alias")
	if s.gone[name] {
		s.expectGone(fw.Request{Operation: fgs.OpShowVersionAlias, Path: s.aliasPath(name)}, "a deleted alias answers 404")
		return
	}
	s.readsBack(fw.Request{Operation: fgs.OpShowVersionAlias, Path: s.aliasPath(name)}, "version", s.aliases[name], "an alias reads back the version it was last given")
}

func (s *seq) deleteAlias(t *rapid.T) {
	name := s.drawExisting(t, slices.Sorted(maps.Keys(s.aliases)), "alias")
	resp := s.send(fw.Request{Operation: fgs.OpDeleteVersionAlias, Path: s.aliasPath(name)})
	s.expectStatus(resp, http.StatusNoContent, "deleting an existing alias is answered 204")
	delete(s.aliases, name)
	s.gone[name] = true
}

// listAliases compares the listed aliases with the model both ways: a
// created alias is listed with its version, a deleted one is not.
func (s *seq) listAliases(*rapid.T) {
	s.settleList(fw.Request{Operation: fgs.OpListVersionAliases, Path: s.fnPath}, "the alias list holds exactly the aliases not deleted, at their versions",
		keyed("", func(a struct{ Name, Version string }) (string, string) { return a.Name, a.Version }),
		s.aliases, s.gone, listOpts{})
}

func (s *seq) createEvent(t *rapid.T) {
	name := pickFrom(s, t, eventNames, "event")
	if s.events[name] != nil {
		t.Skip("exists")
	}
	content := s.drawContent(t)
	resp := s.send(fw.Request{Operation: fgs.OpCreateEvent, Path: s.fnPath, Body: map[string]any{"name": name, "content": content}})
	s.expectStatus(resp, http.StatusOK, "a new test event is answered 200")
	s.expectMember(resp, "name", name, "the created event has the name it was given")
	ev := &event{content: content, created: resp}
	ev.id = s.follow(resp, s.fnPath, fgs.OpCreateEvent, fgs.OpShowEvent)["event_id"]
	s.events[name] = ev
	delete(s.goneEv, name)
}

func (s *seq) updateEvent(t *rapid.T) {
	name := s.drawExisting(t, slices.Sorted(maps.Keys(s.events)), "event")
	content := s.drawContent(t)
	resp := s.send(fw.Request{Operation: fgs.OpUpdateEvent, Path: s.eventPath(name), Body: map[string]any{"content": content}})
	s.expectStatus(resp, http.StatusOK, "an update of an existing test event is answered 200")
	s.events[name].content = content
}

func (s *seq) showEvent(t *rapid.T) {
	known := slices.Sorted(maps.Keys(s.events))
	known = append(known, slices.Sorted(maps.Keys(s.goneEv))...)
	name := s.drawExisting(t, known, "event")
	if id, ok := s.goneEv[name]; ok {
		path := maps.Clone(s.fnPath)
		path["event_id"] = id
		s.expectGone(fw.Request{Operation: fgs.OpShowEvent, Path: path}, "a deleted test event answers 404")
		return
	}
	s.readsBack(fw.Request{Operation: fgs.OpShowEvent, Path: s.eventPath(name)}, "content", s.events[name].content, "a test event reads back the content it was last given")
}

func (s *seq) deleteEvent(t *rapid.T) {
	name := s.drawExisting(t, slices.Sorted(maps.Keys(s.events)), "event")
	resp := s.send(fw.Request{Operation: fgs.OpDeleteEvent, Path: s.eventPath(name)})
	s.expectStatus(resp, http.StatusNoContent, "deleting an existing test event is answered 204")
	s.goneEv[name] = s.events[name].id
	delete(s.events, name)
}

func (s *seq) listEvents(*rapid.T) {
	ids := map[string]string{}
	for name, ev := range s.events {
		ids[name] = ev.id
	}
	gone := map[string]bool{}
	for name := range s.goneEv {
		gone[name] = true
	}
	s.settleList(fw.Request{Operation: fgs.OpListEvents, Path: s.fnPath}, "the test event list holds exactly the events not deleted",
		keyed("events", func(e struct{ ID, Name string }) (string, string) { return e.Name, e.ID }),
		ids, gone, listOpts{})
}

func (s *seq) versionChoices() []string {
	return append([]string{"latest"}, slices.Sorted(maps.Keys(s.published))...)
}

func (s *seq) drawExisting(t *rapid.T, names []string, label string) string {
	if len(names) == 0 {
		t.Skip("none yet")
	}
	return pickFrom(s, t, names, label)
}

func (s *seq) aliasPath(name string) map[string]string {
	path := maps.Clone(s.fnPath)
	path["alias_name"] = name
	return path
}

// eventPath is the event's address by the spec's link from its createEvent answer.
func (s *seq) eventPath(name string) map[string]string {
	return s.follow(s.events[name].created, s.fnPath, fgs.OpCreateEvent, fgs.OpShowEvent)
}

// drawContent is a test event's content: base64 of a small JSON object.
func (s *seq) drawContent(t *rapid.T) string {
	n := pick(s, t, rapid.IntRange(0, 99), "content")
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, `{"n":%d}`, n))
}

func member(resp *fw.Response, name string) string {
	var m map[string]any
	_ = json.Unmarshal(resp.Body, &m)
	switch v := m[name].(type) {
	case string:
		return v
	case float64: // a dependency version's number
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}
