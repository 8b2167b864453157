package emulator

import (
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"
)

// sdkWorkflowCases drive the workflow operations through the SDK: a flow of
// two function states and an End, run synchronously and asynchronously,
// listed, shown with its history, stopped, retried and called back into.
func sdkWorkflowCases(t *testing.T, h *sdkHarness) {
	c := h.c
	echo := h.function(t, "sdk-flow-echo", "")
	slow := h.function(t, "sdk-flow-slow", `{"FGH_HANDLER":"sleep","FGH_SLEEP":"10s"}`)

	body := sdkFlowBody("sdk-steps", echo, "first", "second")
	created, err := c.CreateWorkflow(&model.CreateWorkflowRequest{Body: body})
	if err != nil {
		t.Fatalf("create workflow: %v", err)
	}
	id := *created.Id
	shown, err := c.ShowWorkFlow(&model.ShowWorkFlowRequest{WorkflowId: id})
	if err != nil {
		t.Fatalf("show workflow: %v", err)
	}
	expectDecoded(t, shown, "id", "workflow_urn", "created_time", "definition")
	if shown.Definition.Start != "first" || len(shown.Definition.States) != 3 {
		t.Fatalf("definition as shown: %+v", shown.Definition)
	}
	body.Description = ptr("updated through the SDK")
	updated, err := c.UpdateWorkFlow(&model.UpdateWorkFlowRequest{WorkflowId: id, Body: body})
	if err != nil || *updated.Description != "updated through the SDK" {
		t.Fatalf("update workflow: %v %+v", err, updated)
	}
	expectDecoded(t, updated, "id", "workflow_urn", "name", "updated_time")

	var input interface{} = map[string]interface{}{"who": "sdk"}
	sync, err := c.StartSyncWorkflowExecution(&model.StartSyncWorkflowExecutionRequest{WorkflowId: id, Body: &model.FlowExecuteBody{Input: &input}})
	if err != nil {
		t.Fatalf("sync execution: %v", err)
	}
	expectDecoded(t, sync, "execution_id", "status", "output", "begin_time", "end_time")
	if sync.Status.Value() != "success" {
		t.Fatalf("sync execution status %s", sync.Status.Value())
	}

	started, err := c.StartWorkflowExecution(&model.StartWorkflowExecutionRequest{WorkflowId: id, Body: &model.FlowExecuteBody{Input: &input}})
	if err != nil {
		t.Fatalf("start execution: %v", err)
	}
	expectDecoded(t, started, "execution_id")
	exec := sdkWaitExecution(t, h, id, *started.ExecutionId, "success")
	expectDecoded(t, exec, "workflow_id", "workflow_urn", "execution_id", "status", "input", "output", "begin_time", "end_time", "node_execution_details")
	if got := len(*exec.NodeExecutionDetails); got != 3 || *(*exec.NodeExecutionDetails)[0].NodeId != "first" {
		t.Fatalf("history of %d states: %+v", got, *exec.NodeExecutionDetails)
	}
	list, err := c.ListWorkflowExecutions(&model.ListWorkflowExecutionsRequest{WorkflowId: id,
		Status: ptr(model.GetListWorkflowExecutionsRequestStatusEnum().SUCCESS), Limit: ptr(int32(10))})
	if err != nil || list.Executions == nil || len(*list.Executions) != 2 {
		t.Fatalf("list executions: %v %+v", err, list)
	}
	expectDecoded(t, &(*list.Executions)[0], "workflow_id", "execution_id", "status", "begin_time", "end_time")
	page, err := c.ShowWorkflowExecutionForPage(&model.ShowWorkflowExecutionForPageRequest{WorkflowId: id, Offset: 0, Limit: 1})
	if err != nil || *page.Total != 2 || *page.Size != 1 {
		t.Fatalf("execution history page: %v %+v", err, page)
	}
	expectDecoded(t, &(*page.Executions)[0], "workflow_id", "execution_id", "status", "begin_time")

	waiting, err := c.CreateWorkflow(&model.CreateWorkflowRequest{Body: sdkFlowBody("sdk-waits", slow, "ask")})
	if err != nil {
		t.Fatalf("create waiting workflow: %v", err)
	}
	wid := *waiting.Id
	run := func() string {
		r, err := c.StartWorkflowExecution(&model.StartWorkflowExecutionRequest{WorkflowId: wid, Body: &model.FlowExecuteBody{Input: &input}})
		if err != nil {
			t.Fatalf("start waiting execution: %v", err)
		}
		sdkWaitAttempt(t, h, wid, *r.ExecutionId)
		return *r.ExecutionId
	}
	first := run()
	if _, err := c.StopWorkFlow(&model.StopWorkFlowRequest{WorkflowId: wid, ExecutionId: first}); err != nil {
		t.Fatalf("stop: %v", err)
	}
	sdkWaitExecution(t, h, wid, first, "cancel")
	if _, err := c.RetryWorkFlow(&model.RetryWorkFlowRequest{WorkflowId: wid, ExecutionId: first}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	sdkWaitAttemptNumber(t, h, wid, first, 2)
	var output interface{} = map[string]interface{}{"approved": true}
	cb, err := c.CreateCallbackWorkflow(&model.CreateCallbackWorkflowRequest{WorkflowId: wid, XWorkflowRunId: first, XWorkflowStateId: "ask",
		Body: &model.CallbackWorkflowRequestBody{Result: model.GetCallbackWorkflowRequestBodyResultEnum().SUCCESS, Output: &output}})
	if err != nil {
		t.Fatalf("callback: %v", err)
	}
	expectDecoded(t, cb, "execution_id")
	done := sdkWaitExecution(t, h, wid, first, "success")
	if out, _ := (*done.Output).(map[string]interface{}); out["approved"] != true {
		t.Fatalf("output after the callback: %v", *done.Output)
	}
}

// sdkFlowBody is a definition whose states call fn one after another and
// end in an End state.
func sdkFlowBody(name, fn string, states ...string) *model.WorkflowCreateBody {
	mode := model.GetWorkflowCreateBodyModeEnum().NORMAL
	var constants interface{} = map[string]interface{}{}
	body := &model.WorkflowCreateBody{Name: name, Start: states[0], Mode: &mode, Constants: &constants, Retries: []model.Retry{},
		Functions: []model.Function{{Name: "fn", Operation: fn}}}
	op := model.GetOperationStateTypeEnum().OPERATION
	for i, id := range states {
		next := "end"
		if i+1 < len(states) {
			next = states[i+1]
		}
		var args interface{} = map[string]interface{}{"state": id}
		body.States = append(body.States, model.OperationState{Id: id, Name: id, Type: op, Transition: next,
			Actions: []model.Action{{FunctionRef: &model.FunctionRef{RefName: "fn", Arguments: &args}}}})
	}
	body.States = append(body.States, model.OperationState{Id: "end", Name: "end", Type: model.GetOperationStateTypeEnum().END, End: true, Actions: []model.Action{}})
	return body
}

func sdkShowExecution(t *testing.T, h *sdkHarness, flow, exec string) *model.ShowWorkflowExecutionResponse {
	t.Helper()
	x, err := h.c.ShowWorkflowExecution(&model.ShowWorkflowExecutionRequest{WorkflowId: flow, ExecutionId: exec})
	if err != nil {
		t.Fatalf("show execution: %v", err)
	}
	return x
}

func sdkWaitExecution(t *testing.T, h *sdkHarness, flow, exec, status string) *model.ShowWorkflowExecutionResponse {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		x := sdkShowExecution(t, h, flow, exec)
		if x.Status != nil && x.Status.Value() == status {
			return x
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s: status %v, want %s", exec, x.Status, status)
		}
	}
}

// sdkWaitAttempt waits until the execution's first state has started.
func sdkWaitAttempt(t *testing.T, h *sdkHarness, flow, exec string) {
	sdkWaitAttemptNumber(t, h, flow, exec, 1)
}

// sdkWaitAttemptNumber waits until the first state's n-th attempt runs.
func sdkWaitAttemptNumber(t *testing.T, h *sdkHarness, flow, exec string, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		x := sdkShowExecution(t, h, flow, exec)
		if d := x.NodeExecutionDetails; d != nil && len(*d) > 0 {
			if attempts := (*d)[0].Executions; attempts != nil && len(*attempts) >= n && (*attempts)[n-1].Status.Value() == "running" {
				return
			}
		}
	}
	t.Fatalf("execution %s: attempt %d of its first state never ran", exec, n)
}
