package sequence

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/reports"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// flowModel is what the target should hold of the sequence's workflow and
// its executions. A held workflow sleeps in its first state for longer
// than any sequence lasts, so its executions stay running until stopped;
// the other kind calls the function once and ends.
type flowModel struct {
	path        map[string]string // workflow_id, by the spec's link
	urn         string
	held        bool
	description string
	deleted     bool
	runs        map[string]*execution // label x1, x2, … → execution
}

type execution struct {
	path   map[string]string // workflow_id and execution_id
	status string
}

// Execution statuses the documents name (FlowExecutionStatus).
const (
	runRunning = "running"
	runSuccess = "success"
	runFail    = "fail"
	runTimeout = "timeout"
	runCancel  = "cancel"
)

// Bounds of a sequence's workflow: how many executions it starts, how
// long a held execution sleeps, and how often an execution is polled.
const (
	maxRuns       = 3
	holdSeconds   = 600
	executionPoll = 50 * time.Millisecond
)

func (s *seq) workflowActions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"showWorkflow":   s.showWorkflow,
		"updateWorkflow": s.updateWorkflow,
		"deleteWorkflow": s.deleteWorkflow,
		"startExecution": s.startExecution,
		"showExecution":  s.showExecution,
		"listExecutions": s.listExecutions,
		"stopExecution":  s.stopExecution,
		"retryExecution": s.retryExecution,
	}
}

// createWorkflow makes the sequence's workflow, held or not as drawn.
func (s *seq) createWorkflow() {
	s.flow.held = pick(s, s.t, rapid.Bool(), "held")
	s.flow.description = "fgh sequence"
	s.flow.runs = map[string]*execution{}
	resp := s.sendCreate(fw.Request{Operation: fgs.OpCreateWorkflow, Body: s.definition()}, func(resp *fw.Response) {
		s.flow.path, s.flow.urn = s.tryFollow(resp, fgs.OpCreateWorkflow, fgs.OpShowWorkFlow), member(resp, "workflow_urn")
	})
	s.expectStatus(resp, http.StatusOK, "a valid createWorkflow is answered 200")
	s.flow.path = s.follow(resp, nil, fgs.OpCreateWorkflow, fgs.OpShowWorkFlow)
	s.flow.urn = member(resp, "workflow_urn")
	if s.flow.urn == "" {
		s.fail(reports.CheckBehaviour, "a created workflow is answered with its URN", evidence.Violation{Status: resp.Status, Location: "body /workflow_urn", Expected: "the workflow's URN"},
			evidence.Expect{BodyHas: `"workflow_urn"`})
	}
}

// definition is the workflow as createWorkflow and updateWorkFlow take it.
func (s *seq) definition() map[string]any {
	first := map[string]any{"id": "call", "name": "call", "type": "Operation", "end": false, "transition": "done",
		"actions": []any{map[string]any{"function_ref": map[string]any{"ref_name": "fn", "invoke_mode": "synchronize", "arguments": map[string]any{}}}}}
	if s.flow.held {
		first = map[string]any{"id": "hold", "name": "hold", "type": "Sleep", "duration": holdSeconds, "end": false, "transition": "done", "actions": []any{}}
	}
	end := map[string]any{"id": "done", "name": "done", "type": "End", "end": true, "transition": "", "actions": []any{}}
	return map[string]any{
		"name": s.name + "-wf", "description": s.flow.description, "start": first["id"], "mode": "NORMAL",
		"functions": []any{map[string]any{"name": "fn", "operation": member(s.created, "func_urn")}},
		"states":    []any{first, end}, "constants": map[string]any{}, "retries": []any{},
	}
}

// liveFlow skips an action that needs the workflow once it is deleted.
func (s *seq) liveFlow(t *rapid.T) {
	if s.flow.deleted {
		t.Skip("workflow deleted")
	}
}

func (s *seq) showWorkflow(*rapid.T) {
	req := fw.Request{Operation: fgs.OpShowWorkFlow, Path: s.flow.path}
	if s.flow.deleted {
		s.expectGone(req, "a deleted workflow answers 404")
		return
	}
	want := s.flow.description
	s.settle(req, "a workflow reads back the definition it was last given", func(resp *fw.Response) string {
		var got struct {
			Definition struct {
				Description string `json:"description"`
			} `json:"definition"`
		}
		if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &got) != nil || got.Definition.Description != want {
			return fmt.Sprintf(`"description":%q`, want)
		}
		return ""
	})
}

// updateWorkflow sends the whole definition with a new description, as
// updateWorkFlow takes it.
func (s *seq) updateWorkflow(t *rapid.T) {
	s.liveFlow(t)
	s.flow.description = fmt.Sprintf("fgh sequence %d", pick(s, t, rapid.IntRange(0, 9), "description"))
	resp := s.send(fw.Request{Operation: fgs.OpUpdateWorkFlow, Path: s.flow.path, Body: s.definition()})
	s.expectStatus(resp, http.StatusOK, "an update of an existing workflow is answered 200")
}

func (s *seq) deleteWorkflow(t *rapid.T) {
	s.liveFlow(t)
	resp := s.send(fw.Request{Operation: fgs.OpBatchDeleteWorkflows, Body: map[string]any{"workflow_urns": []string{s.flow.urn}}})
	s.expectStatus(resp, http.StatusOK, "deleting an existing workflow is answered 200")
	s.flow.deleted = true
	var got struct {
		Success []string `json:"success"`
	}
	_ = json.Unmarshal(resp.Body, &got)
	if !slices.Contains(got.Success, s.flow.urn) {
		s.fail(reports.CheckBehaviour, "batchDeleteWorkflows reports an existing workflow as deleted", evidence.Violation{Status: resp.Status, Location: "body /success",
			Expected: s.flow.urn, Actual: fmt.Sprint(got.Success)}, evidence.Expect{BodyHas: fmt.Sprintf("%q", s.flow.urn)})
	}
}

// startExecution starts an execution and polls it until it reaches what
// the workflow's kind promises: ended (success, or fail where the target
// cannot run the function) for the quick kind, running for the held one.
func (s *seq) startExecution(t *rapid.T) {
	s.liveFlow(t)
	if len(s.flow.runs) == maxRuns {
		t.Skip("enough executions")
	}
	resp := s.send(fw.Request{Operation: fgs.OpStartWorkflowExecution, Path: s.flow.path,
		Body: map[string]any{"input": map[string]any{"n": pick(s, t, rapid.IntRange(0, 9), "input")}}})
	s.expectStatus(resp, http.StatusOK, "starting an execution of an existing workflow is answered 200")
	x := &execution{path: s.follow(resp, s.flow.path, fgs.OpStartWorkflowExecution, fgs.OpShowWorkflowExecution), status: runRunning}
	s.flow.runs[fmt.Sprintf("x%d", len(s.flow.runs)+1)] = x
	s.awaitRun(x, "a started execution")
}

// awaitRun polls x until its status is the one its workflow's kind
// promises next, and keeps that status in the model.
func (s *seq) awaitRun(x *execution, what string) {
	want, rule := []string{runSuccess, runFail}, what+" ends within the execution timeout"
	if s.flow.held {
		want, rule = []string{runRunning}, what+" of a workflow that sleeps first is running"
	}
	s.awaitStatus(x, want, rule)
}

func (s *seq) awaitStatus(x *execution, want []string, rule string) {
	expect := evidence.Expect{Status: []string{"200"}}
	if len(want) == 1 {
		expect.BodyHas = fmt.Sprintf(`"status":%q`, want[0])
	}
	resp := s.poll(fw.Request{Operation: fgs.OpShowWorkflowExecution, Path: x.path}, s.executionWait(), executionPoll, func(resp *fw.Response) *failure {
		if got := member(resp, "status"); resp.Status != http.StatusOK || !slices.Contains(want, got) {
			return &failure{check: reports.CheckBehaviour, rule: rule, v: evidence.Violation{Status: resp.Status, Location: "body /status",
				Expected: fmt.Sprint(want), Actual: got, Message: rule}, expect: expect}
		}
		return nil
	})
	x.status = member(resp, "status")
}

func (s *seq) drawRun(t *rapid.T) *execution {
	s.liveFlow(t)
	return s.flow.runs[s.drawExisting(t, slices.Sorted(maps.Keys(s.flow.runs)), "execution")]
}

func (s *seq) showExecution(t *rapid.T) {
	x := s.drawRun(t)
	s.awaitStatus(x, []string{x.status}, "an execution reads back the status it settled at")
}

// listExecutions checks that every execution started is listed at the
// status it settled at.
func (s *seq) listExecutions(t *rapid.T) {
	s.liveFlow(t)
	want := map[string]string{}
	for _, x := range s.flow.runs {
		want[x.path["execution_id"]] = x.status
	}
	s.settleList(fw.Request{Operation: fgs.OpListWorkflowExecutions, Path: s.flow.path}, "the execution list holds every execution started, at its status",
		keyed("executions", func(x struct {
			ID     string `json:"execution_id"`
			Status string `json:"status"`
		}) (string, string) {
			return x.ID, x.Status
		}), want, nil, listOpts{})
}

// stopExecution: a running execution stops (200) and becomes cancel; one
// that ended is refused with 400, as stopWorkFlow documents.
func (s *seq) stopExecution(t *rapid.T) {
	x := s.drawRun(t)
	resp := s.send(fw.Request{Operation: fgs.OpStopWorkFlow, Path: x.path})
	if x.status != runRunning {
		s.expectStatus(resp, http.StatusBadRequest, "stopping an execution that ended is answered 400")
		return
	}
	s.expectStatus(resp, http.StatusOK, "stopping a running execution is answered 200")
	s.awaitStatus(x, []string{runCancel}, "a stopped execution becomes cancel within the execution timeout")
}

// retryExecution: a failed, timed-out or stopped execution runs again
// (200); a running or successful one is refused with 400, as
// retryWorkFlow documents.
func (s *seq) retryExecution(t *rapid.T) {
	x := s.drawRun(t)
	resp := s.send(fw.Request{Operation: fgs.OpRetryWorkFlow, Path: x.path})
	if x.status == runRunning || x.status == runSuccess {
		s.expectStatus(resp, http.StatusBadRequest, "retrying a running or successful execution is answered 400")
		return
	}
	s.expectStatus(resp, http.StatusOK, "retrying a failed, timed-out or stopped execution is answered 200")
	s.awaitRun(x, "a retried execution")
}

// cleanup stops the executions that may still run, then deletes the
// workflow.
func (m flowModel) cleanup() []fw.Request {
	if m.path == nil || m.deleted {
		return nil
	}
	var out []fw.Request
	for _, label := range slices.Sorted(maps.Keys(m.runs)) {
		if x := m.runs[label]; x.status == runRunning {
			out = append(out, fw.Request{Operation: fgs.OpStopWorkFlow, Path: x.path})
		}
	}
	if m.urn != "" {
		out = append(out, fw.Request{Operation: fgs.OpBatchDeleteWorkflows, Body: map[string]any{"workflow_urns": []string{m.urn}}})
	}
	return out
}

// executionWait is Options.Execution until the sequence has failed, and no
// wait while rapid shrinks it, as for settleTime: an execution that did
// not settle in the full time once would make every shrink candidate wait
// for it again. A candidate whose execution has not ended at the first
// read fails elsewhere than the sequence did, and rapid passes it over.
func (s *seq) executionWait() time.Duration {
	if s.sl.shortest != nil {
		return 0
	}
	return s.r.opts.Execution
}
