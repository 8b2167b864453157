package workflows

import (
	"context"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// flowState is one state of a definition the specs build: an Operation
// calling the flow's function, a Sleep of pause seconds, or the End.
type flowState struct {
	id    string
	pause int // Sleep state when > 0
	end   bool
}

// flowDefinition chains the states in order; Operation states call fn with
// their own id as the argument "step".
func flowDefinition(name, functionURN string, states ...flowState) map[string]any {
	var out []any
	for i, st := range states {
		s := map[string]any{"id": st.id, "name": st.id, "type": "Operation", "end": false, "transition": "", "actions": []any{}}
		if i+1 < len(states) {
			s["transition"] = states[i+1].id
		}
		switch {
		case st.end:
			s["type"], s["end"] = "End", true
		case st.pause > 0:
			s["type"], s["duration"] = "Sleep", st.pause
		default:
			s["actions"] = []any{map[string]any{"function_ref": map[string]any{
				"ref_name": "fn", "invoke_mode": "synchronize", "arguments": map[string]any{"step": st.id}}}}
		}
		out = append(out, s)
	}
	return map[string]any{
		"name": name, "description": "created by " + fw.Current().Prefix, "start": states[0].id, "mode": "NORMAL",
		"functions": []any{map[string]any{"name": "fn", "operation": functionURN}},
		"states":    out, "constants": map[string]any{}, "retries": []any{},
	}
}

// createFlow creates a workflow from a definition and deletes it when the
// calling node's scope ends.
func createFlow(def map[string]any) workflow {
	GinkgoHelper()
	var w workflow
	resp := fw.Call(fw.Request{Operation: fgs.OpCreateWorkflow, Body: def}).ExpectStatus(http.StatusOK)
	resp.Decode(&w)
	Expect(w.ID).NotTo(BeEmpty(), "createWorkflow answer: id: expected the workflow's ID: %s", resp.Snippet())
	Expect(w.WorkflowURN).NotTo(BeEmpty(), "createWorkflow answer: workflow_urn: expected the new workflow's URN: %s", resp.Snippet())
	DeferCleanup(deleteWorkflows, w.WorkflowURN)
	return w
}

// execution is what these specs read of showWorkflowExecution.
type execution struct {
	ExecutionID string `json:"execution_id"`
	Status      string `json:"status"`
	Output      any    `json:"output"`
	Nodes       []struct {
		NodeID     string `json:"node_id"`
		Executions []struct {
			Status string `json:"status"`
		} `json:"executions"`
	} `json:"node_execution_details"`
}

// history lists the state IDs in the order the execution's history gives them.
func (x execution) history() []string {
	out := make([]string, 0, len(x.Nodes))
	for _, n := range x.Nodes {
		out = append(out, n.NodeID)
	}
	return out
}

// running tells whether the state's last attempt is in progress.
func (x execution) running(stateID string) bool {
	for _, n := range x.Nodes {
		if n.NodeID == stateID && len(n.Executions) > 0 {
			return n.Executions[len(n.Executions)-1].Status == "running"
		}
	}
	return false
}

func start(w workflow, input map[string]any) string {
	GinkgoHelper()
	resp := fw.Call(fw.Request{Operation: fgs.OpStartWorkflowExecution, Path: map[string]string{"workflow_id": w.ID},
		Body: map[string]any{"input": input}}).ExpectStatus(http.StatusOK)
	id := resp.String("execution_id")
	Expect(id).NotTo(BeEmpty(), "startWorkflowExecution answer: execution_id: expected the execution's ID: %s", resp.Snippet())
	return id
}

func executionPath(w workflow, id string) map[string]string {
	return map[string]string{"workflow_id": w.ID, "execution_id": id}
}

func show(ctx context.Context, g Gomega, w workflow, id string) execution {
	var x execution
	fw.Poll(ctx, g, fw.Request{Operation: fgs.OpShowWorkflowExecution, Path: executionPath(w, id)}, http.StatusOK).Decode(&x)
	return x
}

// await polls the execution until until(x) holds and returns it.
func await(ctx context.Context, w workflow, id, what string, until func(execution) bool) execution {
	GinkgoHelper()
	var x execution
	fw.AwaitExecution(ctx, executionPath(w, id), func(g Gomega, resp *fw.Response) {
		x = execution{}
		resp.Decode(&x)
		g.Expect(until(x)).To(BeTrue(), "showWorkflowExecution %s: expected %s; status %s, history %v", id, what, x.Status, x.history())
	})
	return x
}

func hasStatus(status string) func(execution) bool {
	return func(x execution) bool { return x.Status == status }
}

func post(op string, w workflow, id string, status int) {
	GinkgoHelper()
	fw.Call(fw.Request{Operation: op, Path: executionPath(w, id)}).ExpectStatus(status)
}

var _ = area.Describe("Workflow executions", Ordered, Label(fw.LabelWorkflows, fw.LabelDestructive, fw.LabelBehaviour), func() {
	var (
		steps, pausing, waiting workflow
	)

	BeforeAll(func() {
		fn := fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
		steps = createFlow(flowDefinition(fw.Current().Name("steps"), fn.URN,
			flowState{id: "first"}, flowState{id: "second"}, flowState{id: "third"}, flowState{id: "done", end: true}))
		pausing = createFlow(flowDefinition(fw.Current().Name("pausing"), fn.URN,
			flowState{id: "before"}, flowState{id: "pause", pause: 1}, flowState{id: "after"}, flowState{id: "done", end: true}))
		waiting = createFlow(flowDefinition(fw.Current().Name("waiting"), fn.URN,
			flowState{id: "ask"}, flowState{id: "wait", pause: 60}, flowState{id: "done", end: true}))
	})

	It("shows the definition as updateWorkFlow last set it",
		fw.Judges(fgs.OpShowWorkFlow, fw.CheckBehaviour), fw.Judges(fgs.OpUpdateWorkFlow, fw.CheckSchema, fw.CheckBehaviour), func() {
			path := map[string]string{"workflow_id": steps.ID}
			var before struct {
				Definition map[string]any `json:"definition"`
			}
			fw.Call(fw.Request{Operation: fgs.OpShowWorkFlow, Path: path}).ExpectStatus(http.StatusOK).Decode(&before)
			Expect(before.Definition).To(HaveKeyWithValue("start", "first"), "showWorkFlow: definition.start: expected the created definition")
			def := before.Definition
			def["description"] = "updated by " + fw.Current().Prefix
			updated := fw.Call(fw.Request{Operation: fgs.OpUpdateWorkFlow, Path: path, Body: def}).ExpectStatus(http.StatusOK)
			Expect(updated.String("id")).To(Equal(steps.ID), "updateWorkFlow answer: id: expected the same workflow")
			var after struct {
				Definition map[string]any `json:"definition"`
			}
			fw.Call(fw.Request{Operation: fgs.OpShowWorkFlow, Path: path}).ExpectStatus(http.StatusOK).Decode(&after)
			Expect(after.Definition).To(HaveKeyWithValue("description", def["description"]), "showWorkFlow after updateWorkFlow: definition.description: expected the update")
		})

	It("runs the states in order and lists them in that order in the execution's history",
		fw.Judges(fgs.OpStartWorkflowExecution, fw.CheckBehaviour), fw.Judges(fgs.OpShowWorkflowExecution, fw.CheckSchema, fw.CheckBehaviour),
		func(ctx SpecContext) {
			id := start(steps, map[string]any{"order": "kept"})
			x := await(ctx, steps, id, "success", hasStatus("success"))
			Expect(x.history()).To(Equal([]string{"first", "second", "third", "done"}),
				"showWorkflowExecution %s: node_execution_details: expected the states in the order they ran", id)
			out, _ := x.Output.(map[string]any)
			Expect(out).To(HaveKeyWithValue("order", "kept"), "showWorkflowExecution %s: output: expected the input carried through the echo states", id)
		})

	It("runs synchronously and answers with the flow's output",
		fw.Judges(fgs.OpStartSyncWorkflowExecution, fw.CheckSchema, fw.CheckBehaviour), func() {
			resp := fw.Call(fw.Request{Operation: fgs.OpStartSyncWorkflowExecution, Path: map[string]string{"workflow_id": steps.ID},
				Body: map[string]any{"input": map[string]any{"sync": true}}}).ExpectStatus(http.StatusOK)
			Expect(resp.String("status")).To(Equal("success"), "startSyncWorkflowExecution: status: expected success: %s", resp.Snippet())
			out, _ := resp.Object()["output"].(map[string]any)
			Expect(out).To(HaveKeyWithValue("sync", true), "startSyncWorkflowExecution: output: expected the input carried through: %s", resp.Snippet())
		})

	It("lists executions by status and pages the history with a total",
		fw.Judges(fgs.OpListWorkflowExecutions, fw.CheckBehaviour), fw.Judges(fgs.OpShowWorkflowExecutionForPage, fw.CheckBehaviour), func(ctx SpecContext) {
			id := start(steps, map[string]any{})
			await(ctx, steps, id, "success", hasStatus("success"))
			var list struct {
				Executions []execution `json:"executions"`
			}
			path := map[string]string{"workflow_id": steps.ID}
			fw.Call(fw.Request{Operation: fgs.OpListWorkflowExecutions, Path: path, Query: query("status", "success")}).ExpectStatus(http.StatusOK).Decode(&list)
			var ids []string
			for _, x := range list.Executions {
				Expect(x.Status).To(Equal("success"), "listWorkflowExecutions?status=success: listed a %s execution", x.Status)
				ids = append(ids, x.ExecutionID)
			}
			Expect(ids).To(ContainElement(id), "listWorkflowExecutions?status=success: expected execution %s", id)
			fw.Call(fw.Request{Operation: fgs.OpListWorkflowExecutions, Path: path, Query: query("status", "cancel")}).ExpectStatus(http.StatusOK).Decode(&list)
			Expect(list.Executions).To(BeEmpty(), "listWorkflowExecutions?status=cancel: no execution of this workflow was stopped")
			var page struct {
				Total      *int        `json:"total"`
				Size       *int        `json:"size"`
				Executions []execution `json:"executions"`
			}
			fw.Call(fw.Request{Operation: fgs.OpShowWorkflowExecutionForPage, Path: path, Query: query("offset", "0", "limit", "1")}).
				ExpectStatus(http.StatusOK).Decode(&page)
			Expect(page.Total).NotTo(BeNil(), "showWorkflowExecutionForPage: total: expected the number of executions")
			Expect(*page.Total).To(BeNumerically(">=", 2), "showWorkflowExecutionForPage: total: this workflow ran at least twice")
			Expect(page.Executions).To(HaveLen(1), "showWorkflowExecutionForPage limit=1: expected one execution")
		})

	var stopped string
	It("stops a running execution: it is cancelled and no further state starts",
		fw.Provokes(fgs.OpStopWorkFlow, http.StatusOK), fw.Judges(fgs.OpStopWorkFlow, fw.CheckStatus, fw.CheckBehaviour), func(ctx SpecContext) {
			stopped = start(pausing, map[string]any{})
			await(ctx, pausing, stopped, "the Sleep state in progress", func(x execution) bool { return x.running("pause") })
			post(fgs.OpStopWorkFlow, pausing, stopped, http.StatusOK)
			x := await(ctx, pausing, stopped, "cancel", hasStatus("cancel"))
			// Longer than the Sleep state: had the run gone on, "after" would show.
			Consistently(ctx, func(g Gomega) []string { return show(ctx, g, pausing, stopped).history() }).
				WithTimeout(1500*time.Millisecond).WithPolling(250*time.Millisecond).
				Should(Equal(x.history()), "showWorkflowExecution %s: the history grew after the execution was stopped", stopped)
			Expect(x.history()).To(Equal([]string{"before", "pause"}), "showWorkflowExecution %s: expected the states up to the stop", stopped)
		})

	It("retries a stopped execution from the state that did not finish",
		fw.Provokes(fgs.OpRetryWorkFlow, http.StatusOK), fw.Judges(fgs.OpRetryWorkFlow, fw.CheckStatus, fw.CheckBehaviour), func(ctx SpecContext) {
			Expect(stopped).NotTo(BeEmpty(), "the stop spec did not leave a stopped execution")
			post(fgs.OpRetryWorkFlow, pausing, stopped, http.StatusOK)
			x := await(ctx, pausing, stopped, "success", hasStatus("success"))
			Expect(x.history()).To(Equal([]string{"before", "pause", "after", "done"}),
				"showWorkflowExecution %s after retryWorkFlow: expected the run to go on from the stopped state", stopped)
			Expect(x.Nodes[0].Executions).To(HaveLen(1), "showWorkflowExecution %s: state before: a retry must not run a finished state again", stopped)
		})

	It("completes a waiting state with a callback, whose output the flow carries on",
		fw.Provokes(fgs.OpCreateCallbackWorkflow, http.StatusOK), fw.Judges(fgs.OpCreateCallbackWorkflow, fw.CheckSchema, fw.CheckBehaviour), func(ctx SpecContext) {
			id := start(waiting, map[string]any{})
			await(ctx, waiting, id, "the waiting state in progress", func(x execution) bool { return x.running("wait") })
			resp := fw.Call(fw.Request{Operation: fgs.OpCreateCallbackWorkflow, Path: map[string]string{"workflow_id": waiting.ID},
				Header: http.Header{"X-Workflow-Run-Id": {id}, "X-Workflow-State-Id": {"wait"}},
				Body:   map[string]any{"result": "success", "output": map[string]any{"approved": true}}}).ExpectStatus(http.StatusOK)
			Expect(resp.String("execution_id")).To(Equal(id), "createCallbackWorkflow: execution_id: expected the execution called back")
			x := await(ctx, waiting, id, "success", hasStatus("success"))
			out, _ := x.Output.(map[string]any)
			Expect(out).To(HaveKeyWithValue("approved", true), "showWorkflowExecution %s: output: expected the callback's output carried to the end", id)
			Expect(strings.Join(x.history(), ",")).To(Equal("ask,wait,done"), "showWorkflowExecution %s: history", id)
		})
})
