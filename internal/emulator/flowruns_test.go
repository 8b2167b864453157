package emulator

import (
	"strings"
	"testing"
	"time"
)

// flowDef is a workflow definition whose states run in order: each entry
// is "id:function" (an Operation calling that function) or "id:" (an End).
func flowDef(te *testEmulator, name string, steps ...string) map[string]any {
	var states, functions []any
	seen := map[string]bool{}
	for i, step := range steps {
		id, fn, _ := strings.Cut(step, ":")
		st := map[string]any{"id": id, "name": id, "type": "End", "end": i == len(steps)-1, "transition": "", "actions": []any{}}
		if i < len(steps)-1 {
			st["transition"] = strings.Split(steps[i+1], ":")[0]
		}
		if fn != "" {
			st["type"] = "Operation"
			st["actions"] = []any{map[string]any{"function_ref": map[string]any{"ref_name": fn, "arguments": map[string]any{"step": id}}}}
			if !seen[fn] {
				seen[fn] = true
				functions = append(functions, map[string]any{"name": fn, "operation": te.fnURN(fn)})
			}
		}
		states = append(states, st)
	}
	return map[string]any{"name": name, "start": strings.Split(steps[0], ":")[0], "functions": functions,
		"states": states, "constants": map[string]any{}, "retries": []any{}, "mode": "NORMAL"}
}

func (te *testEmulator) createFlow(def map[string]any) string {
	te.t.Helper()
	r := te.do("POST", te.path("/fgs/workflows"), def)
	if r.status != 200 {
		te.t.Fatalf("create workflow: %d %s", r.status, r.body)
	}
	var w workflow
	r.decode(te.t, &w)
	return w.ID
}

type flowExecution struct {
	Status               string `json:"status"`
	Output               any    `json:"output"`
	NodeExecutionDetails []struct {
		NodeID     string `json:"node_id"`
		Executions []struct {
			Status       string `json:"status"`
			Output       any    `json:"output"`
			ErrorMessage any    `json:"error_message"`
		} `json:"executions"`
	} `json:"node_execution_details"`
}

// waitExecution polls the execution until its status is want.
func (te *testEmulator) waitExecution(flowID, execID, want string) flowExecution {
	te.t.Helper()
	var x flowExecution
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := te.do("GET", te.path("/fgs/workflows/"+flowID+"/executions/"+execID), nil)
		if r.status != 200 {
			te.t.Fatalf("show execution: %d %s", r.status, r.body)
		}
		r.decode(te.t, &x)
		if x.Status == want {
			return x
		}
		if time.Now().After(deadline) {
			te.t.Fatalf("execution %s is %s, want %s: %s", execID, x.Status, want, r.body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (te *testEmulator) startFlow(flowID string, input any) string {
	te.t.Helper()
	return te.postForString("start", te.path("/fgs/workflows/"+flowID+"/executions"), map[string]any{"input": input}, 200, "execution_id")
}

func nodeIDs(x flowExecution) string {
	var ids []string
	for _, n := range x.NodeExecutionDetails {
		ids = append(ids, n.NodeID)
	}
	return strings.Join(ids, ",")
}

// tourWorkflowExecutions answers every workflow execution operation once
// with its success status, for TestEveryOperationRoundTrip.
func tourWorkflowExecutions(t *testing.T, te *testEmulator) {
	te.createSleeper("tour-slow", "10s")
	id := te.createFlow(flowDef(te, "tour-steps", "s1:tour", "s2:"))
	ok := func(r response) {
		t.Helper()
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	ok(te.do("GET", te.path("/fgs/workflows/"+id), nil))
	ok(te.do("PUT", te.path("/fgs/workflows/"+id), flowDef(te, "tour-steps", "s1:tour", "s2:tour", "s3:")))
	ok(te.do("POST", te.path("/fgs/workflows/"+id+"/sync-executions"), map[string]any{"input": map[string]any{"a": 1}}))
	exec := te.startFlow(id, map[string]any{"a": 2})
	te.waitExecution(id, exec, runSuccess)
	ok(te.do("GET", te.path("/fgs/workflows/"+id+"/executions?limit=10&offset=0&status=success"), nil))
	ok(te.do("GET", te.path("/fgs/workflows/"+id+"/executions-history?offset=0&limit=10"), nil))

	slow := te.createFlow(flowDef(te, "tour-slow", "wait:tour-slow", "done:"))
	exec = te.startFlow(slow, map[string]any{})
	te.waitExecution(slow, exec, runRunning)
	waitAttempt(te, slow, exec)
	ok(te.do("POST", te.path("/fgs/workflows/"+slow+"/callback"), map[string]any{"result": "success", "output": map[string]any{"ok": true}},
		"X-Workflow-Run-Id", exec, "X-Workflow-State-Id", "wait"))
	te.waitExecution(slow, exec, runSuccess)
	exec = te.startFlow(slow, map[string]any{})
	waitAttempt(te, slow, exec)
	ok(te.do("POST", te.path("/fgs/workflows/"+slow+"/executions/"+exec+"/terminate"), nil))
	ok(te.do("POST", te.path("/fgs/workflows/"+slow+"/executions/"+exec+"/retry"), nil))
	ok(te.do("POST", te.path("/fgs/workflows/"+slow+"/executions/"+exec+"/terminate"), nil))
}

// waitAttempt waits until the execution's first state has an attempt running.
func waitAttempt(te *testEmulator, flowID, execID string) {
	te.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var x flowExecution
		te.do("GET", te.path("/fgs/workflows/"+flowID+"/executions/"+execID), nil).decode(te.t, &x)
		if len(x.NodeExecutionDetails) > 0 && len(x.NodeExecutionDetails[0].Executions) > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	te.t.Fatal("no state attempt started")
}

func TestWorkflowHistoryListsStatesInOrder(t *testing.T) {
	te := startTest(t)
	te.createFunction("step", nil)
	id := te.createFlow(flowDef(te, "ordered", "first:step", "second:step", "third:step", "end:"))
	exec := te.startFlow(id, map[string]any{"n": 1})
	x := te.waitExecution(id, exec, runSuccess)
	if got := nodeIDs(x); got != "first,second,third,end" {
		t.Fatalf("history order %s", got)
	}
	// Each state's function got the previous output with its own arguments
	// laid over it; the echo behaviour hands that on.
	out, _ := x.Output.(map[string]any)
	if out["n"] != 1.0 || out["step"] != "third" {
		t.Fatalf("output %v", x.Output)
	}
}

func TestWorkflowStopCancelsAndRetryResumes(t *testing.T) {
	te := startTest(t)
	te.createFunction("quick", nil)
	te.createSleeper("slow", "300ms")
	id := te.createFlow(flowDef(te, "stoppable", "a:quick", "b:slow", "c:quick", "end:"))
	exec := te.startFlow(id, map[string]any{})
	deadline := time.Now().Add(5 * time.Second)
	for {
		var x flowExecution
		te.do("GET", te.path("/fgs/workflows/"+id+"/executions/"+exec), nil).decode(t, &x)
		if nodeIDs(x) == "a,b" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never reached state b: %s", nodeIDs(x))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if r := te.do("POST", te.path("/fgs/workflows/"+id+"/executions/"+exec+"/terminate"), nil); r.status != 200 {
		t.Fatalf("stop: %d %s", r.status, r.body)
	}
	x := te.waitExecution(id, exec, runCancel)
	if nodeIDs(x) != "a,b" || x.NodeExecutionDetails[1].Executions[0].Status != runCancel {
		t.Fatalf("after stop: %s %+v", nodeIDs(x), x.NodeExecutionDetails)
	}
	if r := te.do("POST", te.path("/fgs/workflows/"+id+"/executions/"+exec+"/terminate"), nil); r.status != 400 {
		t.Fatalf("stopping a stopped execution: %d", r.status)
	}
	if r := te.do("POST", te.path("/fgs/workflows/"+id+"/executions/"+exec+"/retry"), nil); r.status != 200 {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	x = te.waitExecution(id, exec, runSuccess)
	if got := nodeIDs(x); got != "a,b,c,end" {
		t.Fatalf("history after retry %s", got)
	}
	if n := len(x.NodeExecutionDetails[0].Executions); n != 1 {
		t.Fatalf("state a ran %d times; a retry must not run finished states again", n)
	}
	if b := x.NodeExecutionDetails[1].Executions; len(b) != 2 || b[0].Status != runCancel || b[1].Status != runSuccess {
		t.Fatalf("state b attempts %+v", b)
	}
	if r := te.do("POST", te.path("/fgs/workflows/"+id+"/executions/"+exec+"/retry"), nil); r.status != 400 {
		t.Fatalf("retrying a succeeded execution: %d", r.status)
	}
}

func TestWorkflowFailureAndSyncErrors(t *testing.T) {
	te := startTest(t)
	te.createFunction("ok", nil)
	te.createFunction("broken", map[string]any{"user_data": `{"FGH_HANDLER":"fail","FGH_ERROR_MESSAGE":"flow boom"}`})
	id := te.createFlow(flowDef(te, "failing", "a:ok", "b:broken", "c:ok"))
	r := te.do("POST", te.path("/fgs/workflows/"+id+"/sync-executions"), map[string]any{"input": map[string]any{}})
	var sync struct {
		ExecutionID string `json:"execution_id"`
		Status      string `json:"status"`
		Errors      []struct {
			NodeID       string `json:"node_id"`
			ErrorMessage string `json:"error_message"`
		} `json:"errors"`
	}
	r.decode(t, &sync)
	if r.status != 200 || sync.Status != runFail || len(sync.Errors) != 1 || sync.Errors[0].NodeID != "b" || !strings.Contains(sync.Errors[0].ErrorMessage, "flow boom") {
		t.Fatalf("sync failure: %d %s", r.status, r.body)
	}
	x := te.waitExecution(id, sync.ExecutionID, runFail)
	if nodeIDs(x) != "a,b" {
		t.Fatalf("history %s", nodeIDs(x))
	}
	var list struct {
		Executions []struct {
			ExecutionID string `json:"execution_id"`
		} `json:"executions"`
	}
	te.do("GET", te.path("/fgs/workflows/"+id+"/executions?status=success"), nil).decode(t, &list)
	if len(list.Executions) != 0 {
		t.Fatalf("status filter let %d through", len(list.Executions))
	}
	te.do("GET", te.path("/fgs/workflows/"+id+"/executions?status=fail"), nil).decode(t, &list)
	if len(list.Executions) != 1 || list.Executions[0].ExecutionID != sync.ExecutionID {
		t.Fatalf("fail filter: %+v", list)
	}
	if r := te.do("GET", te.path("/fgs/workflows/"+id+"/executions/nope"), nil); r.status != 404 {
		t.Fatalf("unknown execution: %d", r.status)
	}
	if r := te.do("GET", te.path("/fgs/workflows/nope/executions"), nil); r.status != 404 {
		t.Fatalf("unknown workflow: %d", r.status)
	}
	var w workflow
	te.do("GET", te.path("/fgs/workflows/"+id), nil).decode(t, &w)
	te.do("DELETE", te.path("/fgs/workflows"), map[string]any{"workflow_urns": []string{w.WorkflowURN}})
	te.local.Emulator.store.read(func() {
		if n := len(te.local.Emulator.store.flowRuns); n != 0 {
			t.Errorf("%d executions kept after their workflow was deleted", n)
		}
	})
}

func TestWorkflowCallbackCompletesTheWaitingState(t *testing.T) {
	te := startTest(t)
	te.createSleeper("approval", "10s")
	id := te.createFlow(flowDef(te, "approve", "ask:approval", "end:"))
	exec := te.startFlow(id, map[string]any{})
	if r := te.do("POST", te.path("/fgs/workflows/"+id+"/callback"), map[string]any{"result": "success", "output": nil},
		"X-Workflow-Run-Id", exec, "X-Workflow-State-Id", "end"); r.status != 400 {
		t.Fatalf("callback for a state not in progress: %d", r.status)
	}
	waitAttempt(te, id, exec)
	r := te.do("POST", te.path("/fgs/workflows/"+id+"/callback"), map[string]any{"result": "success", "output": map[string]any{"approved": true}},
		"X-Workflow-Run-Id", exec, "X-Workflow-State-Id", "ask")
	if r.status != 200 {
		t.Fatalf("callback: %d %s", r.status, r.body)
	}
	x := te.waitExecution(id, exec, runSuccess)
	if out, _ := x.Output.(map[string]any); out["approved"] != true {
		t.Fatalf("output %v: the callback's output should be the state's", x.Output)
	}
}
