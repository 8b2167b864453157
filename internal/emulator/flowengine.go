package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/fgharness/fgharness/internal/urn"
)

// Execution (run) and state attempt statuses, as the SDK names them.
const (
	runRunning = "running"
	runSuccess = "success"
	runFail    = "fail"
	runCancel  = "cancel"
)

// maxFlowTransitions bounds the states one run may pass through, so a
// definition that loops forever ends as a failure instead.
const maxFlowTransitions = 1000

// flowDefinition is the part of a stored workflow definition a run needs.
type flowDefinition struct {
	Start     string `json:"start"`
	Functions []struct {
		Name      string `json:"name"`
		Operation string `json:"operation"`
	} `json:"functions"`
	States  []flowState `json:"states"`
	Retries []struct {
		Name        string `json:"name"`
		Delay       *int64 `json:"delay"`
		MaxAttempts *int64 `json:"max_attempts"`
	} `json:"retries"`
}

type flowState struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	End        bool   `json:"end"`
	Transition string `json:"transition"`
	ActionMode string `json:"action_mode"`
	Duration   int64  `json:"duration"`
	Actions    []struct {
		FunctionRef *struct {
			RefName   string         `json:"ref_name"`
			Arguments map[string]any `json:"arguments"`
		} `json:"function_ref"`
	} `json:"actions"`
	OnErrors []struct {
		Error      string `json:"error"`
		Transition string `json:"transition"`
		RetryRef   string `json:"retry_ref"`
	} `json:"on_errors"`
}

func parseDefinition(def map[string]any) (flowDefinition, error) {
	var d flowDefinition
	b, err := json.Marshal(def)
	if err == nil {
		err = json.Unmarshal(b, &d)
	}
	return d, err
}

func (d *flowDefinition) state(id string) *flowState {
	for i := range d.States {
		if d.States[i].ID == id {
			return &d.States[i]
		}
	}
	return nil
}

func (d *flowDefinition) function(name string) string {
	for _, f := range d.Functions {
		if f.Name == name {
			return f.Operation
		}
	}
	return ""
}

// retryPolicy is the named policy's attempts after the first and delay
// (documented defaults: 3 attempts, 1 s).
func (d *flowDefinition) retryPolicy(name string) (attempts int, delay time.Duration) {
	for _, r := range d.Retries {
		if r.Name == name {
			attempts, delay = 3, time.Second
			if r.MaxAttempts != nil {
				attempts = int(*r.MaxAttempts)
			}
			if r.Delay != nil {
				delay = time.Duration(*r.Delay) * time.Second
			}
			return attempts, delay
		}
	}
	return 0, 0
}

// flowRun is one execution of a workflow. Its own mutex guards it: runs
// change while they execute, outside the store lock. Handlers answer with
// views copied under that mutex.
type flowRun struct {
	mu          sync.Mutex
	id          string
	workflowID  string
	workflowURN string
	createdBy   string
	headers     any
	input       any
	def         flowDefinition
	seq         int64

	status  string
	output  any
	begin   time.Time
	end     time.Time
	updated time.Time
	nodes   []*nodeRun // in the order the states started

	// resumeAt and resumeInput are where a retry starts again: the state
	// that failed and the input it had.
	resumeAt    string
	resumeInput any
	cancel      context.CancelFunc
	done        chan struct{} // closed when the current start or retry has ended
	// attempt is the state attempt in progress, which a callback completes.
	attempt *stateAttempt
}

// nodeRun is one state of a run with its attempts (SDK NodeExecutionDetail).
type nodeRun struct {
	NodeID      string        `json:"node_id"`
	NodeName    string        `json:"node_name"`
	ExecutionID string        `json:"execution_id"`
	Executions  []nodeAttempt `json:"executions"`
}

// nodeAttempt is one attempt of a state (SDK NodeExecution).
type nodeAttempt struct {
	Status       string `json:"status"`
	Input        any    `json:"input"`
	Output       any    `json:"output,omitempty"`
	BeginTime    int64  `json:"begin_time"`
	EndTime      int64  `json:"end_time,omitempty"`
	ErrorMessage any    `json:"error_message,omitempty"`
	RequestID    string `json:"request_id,omitempty"`
}

// stateAttempt is the attempt in progress: cancelling it ends the state's
// work early, and a callback leaves its outcome here first.
type stateAttempt struct {
	stateID  string
	cancel   context.CancelFunc
	callback *callbackOutcome
}

type callbackOutcome struct {
	failed bool
	output any
	errMsg string
}

// stateResult is what running a state produced.
type stateResult struct {
	output    any
	failed    bool
	errMsg    string
	requestID string
}

// runFlow executes the run from state stateID with input until it ends,
// fails or is stopped (ctx cancelled).
func (e *Emulator) runFlow(ctx context.Context, run *flowRun, stateID string, input any) {
	data := input
	for steps := 0; ; steps++ {
		st := run.def.state(stateID)
		if st == nil || steps >= maxFlowTransitions {
			msg := fmt.Sprintf("the definition has no state %q", stateID)
			if st != nil {
				msg = fmt.Sprintf("more than %d state transitions", maxFlowTransitions)
			}
			run.finish(runFail, nil, stateID, data, msg)
			return
		}
		res := e.runStateWithRetries(ctx, run, st, data)
		if ctx.Err() != nil {
			run.finish(runCancel, nil, st.ID, data, "")
			return
		}
		if res.failed {
			next, handled := st.errorTransition()
			if !handled {
				run.finish(runFail, nil, st.ID, data, res.errMsg)
				return
			}
			stateID, data = next, map[string]any{"error": res.errMsg}
			continue
		}
		data = res.output
		if st.End || st.Type == "End" || st.Transition == "" {
			run.finish(runSuccess, data, "", nil, "")
			return
		}
		stateID = st.Transition
	}
}

// errorTransition is the state an error moves to, when an on_errors entry
// names one.
func (st *flowState) errorTransition() (string, bool) {
	for _, oe := range st.OnErrors {
		if oe.Transition != "" {
			return oe.Transition, true
		}
	}
	return "", false
}

// runStateWithRetries runs a state, then again as its on_errors retry
// policy allows while it fails.
func (e *Emulator) runStateWithRetries(ctx context.Context, run *flowRun, st *flowState, input any) stateResult {
	attempts, delay := 0, time.Duration(0)
	for _, oe := range st.OnErrors {
		if oe.RetryRef != "" {
			attempts, delay = run.def.retryPolicy(oe.RetryRef)
			break
		}
	}
	node := run.startNode(st)
	for attempt := 0; ; attempt++ {
		res := e.attemptState(ctx, run, node, st, input)
		if !res.failed || attempt >= attempts || ctx.Err() != nil {
			return res
		}
		sleepCtx(ctx, delay)
	}
}

// attemptState runs one attempt of a state and records it in node.
func (e *Emulator) attemptState(ctx context.Context, run *flowRun, node int, st *flowState, input any) stateResult {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	at := &stateAttempt{stateID: st.ID, cancel: cancel}
	run.beginAttempt(node, at, input)
	var res stateResult
	switch st.Type {
	case "Operation":
		res = e.runActions(actx, run, st, input)
	case "Sleep":
		sleepCtx(actx, time.Duration(st.Duration)*time.Second)
		res = stateResult{output: input}
	case "End":
		res = stateResult{output: input}
	default:
		res = stateResult{failed: true, errMsg: fmt.Sprintf("state type %q is not supported", st.Type)}
	}
	return run.endAttempt(ctx, node, at, res)
}

// runActions invokes the state's functions through the emulator's own
// invocation path, one after another or in parallel. Each gets the state's
// input merged with its arguments; the state's output is the last
// action's result (sequential) or the list of results (parallel).
func (e *Emulator) runActions(ctx context.Context, run *flowRun, st *flowState, input any) stateResult {
	results := make([]stateResult, len(st.Actions))
	runOne := func(i int) {
		ref := st.Actions[i].FunctionRef
		if ref == nil {
			results[i] = stateResult{output: input}
			return
		}
		results[i] = e.invokeForFlow(ctx, run.def.function(ref.RefName), actionEvent(input, ref.Arguments))
	}
	if st.ActionMode == "parallel" {
		var wg sync.WaitGroup
		for i := range st.Actions {
			wg.Go(func() { runOne(i) })
		}
		wg.Wait()
		out := make([]any, len(results))
		for i, r := range results {
			if r.failed {
				return r
			}
			out[i] = r.output
		}
		return stateResult{output: out, requestID: lastRequestID(results)}
	}
	res := stateResult{output: input}
	for i := range st.Actions {
		if runOne(i); results[i].failed {
			return results[i]
		}
		res = results[i]
	}
	return res
}

func lastRequestID(results []stateResult) string {
	for i := len(results) - 1; i >= 0; i-- {
		if results[i].requestID != "" {
			return results[i].requestID
		}
	}
	return ""
}

// actionEvent is the event a state's function receives: the state input
// (when it is an object) with the action's arguments laid over it.
func actionEvent(input any, args map[string]any) map[string]any {
	event := map[string]any{}
	if m, ok := input.(map[string]any); ok {
		maps.Copy(event, m)
	} else if input != nil {
		event["input"] = input
	}
	maps.Copy(event, args)
	return event
}

// invokeForFlow runs the function a flow names, exactly as a sync
// invocation would (concurrency, counters, extension fan-out).
func (e *Emulator) invokeForFlow(ctx context.Context, functionURN string, event map[string]any) stateResult {
	u, err := urn.Parse(functionURN)
	if err != nil || u.Kind != urn.KindFunction {
		return stateResult{failed: true, errMsg: fmt.Sprintf("function %q is not a function URN", functionURN)}
	}
	var t target
	var apiErr *apiError
	e.store.read(func() {
		f, err := e.store.lookup(u)
		if err != nil {
			apiErr = err
			return
		}
		cfg, err := f.resolve(u.Qualifier)
		if err != nil {
			apiErr = err
			return
		}
		q := u
		if q.Qualifier == "" {
			q.Qualifier = urn.Latest
		}
		t = target{fn: f, cfg: cfg, invoked: q.String()}
	})
	if apiErr != nil {
		return stateResult{failed: true, errMsg: apiErr.msg}
	}
	body, _ := json.Marshal(event)
	requestID := newID()
	x, apiErr := e.execute(ctx, t, body, requestID)
	if apiErr != nil {
		return stateResult{failed: true, errMsg: apiErr.msg, requestID: requestID}
	}
	if x.failed {
		return stateResult{failed: true, errMsg: string(x.errorResult()), requestID: requestID}
	}
	var out any
	if json.Unmarshal(x.output, &out) != nil {
		out = string(x.output)
	}
	return stateResult{output: out, requestID: requestID}
}

func epochMs(t time.Time) int64 { return t.UnixMilli() }

// startNode adds the state to the run's history, or reuses its entry when
// a retry of the run starts again at the state that failed last.
func (r *flowRun) startNode(st *flowState) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.nodes); n > 0 && r.nodes[n-1].NodeID == st.ID && lastStatus(r.nodes[n-1]) != runSuccess {
		return n - 1
	}
	name := st.Name
	if name == "" {
		name = st.ID
	}
	// no attempt yet is an empty list: a read in between must not see null
	r.nodes = append(r.nodes, &nodeRun{NodeID: st.ID, NodeName: name, ExecutionID: newID(), Executions: []nodeAttempt{}})
	return len(r.nodes) - 1
}

func lastStatus(n *nodeRun) string {
	if len(n.Executions) == 0 {
		return ""
	}
	return n.Executions[len(n.Executions)-1].Status
}

func (r *flowRun) beginAttempt(node int, at *stateAttempt, input any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.attempt = at
	r.updated = now
	// Attempts are replaced, not changed in place, so views copied
	// earlier never see a later change.
	n := *r.nodes[node]
	n.Executions = append(append([]nodeAttempt(nil), n.Executions...), nodeAttempt{Status: runRunning, Input: input, BeginTime: epochMs(now)})
	r.nodes[node] = &n
}

// endAttempt records the attempt's outcome; a callback that arrived while
// it ran decides it instead of the state's own work.
func (r *flowRun) endAttempt(runCtx context.Context, node int, at *stateAttempt, res stateResult) stateResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cb := at.callback; cb != nil {
		res = stateResult{output: cb.output, failed: cb.failed, errMsg: cb.errMsg, requestID: res.requestID}
	}
	r.attempt = nil
	now := time.Now()
	r.updated = now
	n := *r.nodes[node]
	n.Executions = append([]nodeAttempt(nil), n.Executions...)
	last := &n.Executions[len(n.Executions)-1]
	last.EndTime, last.RequestID = epochMs(now), res.requestID
	switch {
	case runCtx.Err() != nil:
		last.Status = runCancel
	case res.failed:
		last.Status, last.ErrorMessage = runFail, res.errMsg
	default:
		last.Status, last.Output = runSuccess, res.output
	}
	r.nodes[node] = &n
	return res
}

// finish ends the run; on failure or cancel it remembers where a retry
// starts again.
func (r *flowRun) finish(status string, output any, resumeAt string, resumeInput any, errMsg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.status, r.output, r.end, r.updated = status, output, now, now
	r.resumeAt, r.resumeInput = resumeAt, resumeInput
	if errMsg != "" && len(r.nodes) == 0 {
		// Nothing ran: the history still shows why the run failed.
		r.nodes = append(r.nodes, &nodeRun{NodeID: resumeAt, NodeName: resumeAt, ExecutionID: newID(),
			Executions: []nodeAttempt{{Status: runFail, Input: resumeInput, BeginTime: epochMs(now), EndTime: epochMs(now), ErrorMessage: errMsg}}})
	}
	if r.cancel != nil {
		r.cancel()
	}
}

// failedNodes lists the states whose last attempt failed, for the
// synchronous answer's errors.
func (r *flowRun) failedNodes() []map[string]any {
	var out []map[string]any
	for _, n := range r.nodes {
		if len(n.Executions) == 0 {
			continue
		}
		last := n.Executions[len(n.Executions)-1]
		if last.Status != runFail {
			continue
		}
		msg, _ := last.ErrorMessage.(string)
		out = append(out, map[string]any{
			"node_id": n.NodeID, "error_message": strings.TrimSpace(msg),
			"begin_time": nowStamp(time.UnixMilli(last.BeginTime)), "end_time": nowStamp(time.UnixMilli(last.EndTime)),
		})
	}
	return out
}
