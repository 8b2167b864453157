package emulator

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Limits of the execution listings, from the workflow pages.
const (
	maxExecutionsLimit   = 200 // "more than 200 are answered as 200"
	defaultHistoryWindow = 3 * 24 * time.Hour
	maxRunsPerWorkflow   = 1000 // oldest ended runs are dropped past this
)

// workflowByID finds the path's workflow_id. Caller holds the store lock.
func (s *store) workflowByID(id string) (*workflow, *apiError) {
	for _, w := range s.workflows {
		if w.ID == id {
			return w, nil
		}
	}
	return nil, newError(http.StatusNotFound, codeNotFound, "workflow %s not found", id)
}

// newRun registers a run of the path's workflow, ready to start.
func newRun(c *call) (*flowRun, *apiError) {
	var req struct {
		Headers any `json:"headers"`
		Input   any `json:"input"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	s := c.e.store
	var run *flowRun
	var err *apiError
	s.write(func() {
		var w *workflow
		if w, err = s.workflowByID(c.param("workflow_id")); err != nil {
			return
		}
		def, perr := parseDefinition(w.Definition)
		if perr != nil {
			err = newError(http.StatusBadRequest, codeBadRequest, "the workflow's definition cannot run: %v", perr)
			return
		}
		now := time.Now()
		run = &flowRun{
			id: newID(), workflowID: w.ID, workflowURN: w.WorkflowURN, createdBy: w.CreatedBy,
			headers: req.Headers, input: req.Input, def: def, seq: s.nextSeq(),
			status: runRunning, begin: now, updated: now,
		}
		s.flowRuns[run.id] = run
		s.dropOldRuns(w.ID)
	})
	return run, err
}

// dropOldRuns keeps a workflow's history bounded. Caller holds the store lock.
func (s *store) dropOldRuns(workflowID string) {
	var ended []*flowRun
	total := 0
	for _, r := range s.flowRuns {
		if r.workflowID != workflowID {
			continue
		}
		total++
		r.mu.Lock()
		if r.status != runRunning {
			ended = append(ended, r)
		}
		r.mu.Unlock()
	}
	sortBy(ended, func(r *flowRun) int64 { return r.seq })
	for i := 0; total > maxRunsPerWorkflow && i < len(ended); i++ {
		delete(s.flowRuns, ended[i].id)
		total--
	}
}

// dropRuns forgets a deleted workflow's executions; one still running
// ends on its own. Caller holds the store lock.
func (s *store) dropRuns(workflowID string) {
	for id, r := range s.flowRuns {
		if r.workflowID == workflowID {
			delete(s.flowRuns, id)
		}
	}
}

// launch runs the run from stateID in the background (async start, retry).
func (e *Emulator) launch(run *flowRun, stateID string, input any) *apiError {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	run.mu.Lock()
	run.cancel, run.done = cancel, done
	run.mu.Unlock()
	started := e.goBackground(func() {
		defer close(done)
		// Shutdown stops runs that wait in Sleep states or slow functions.
		go func() {
			select {
			case <-e.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		e.runFlow(ctx, run, stateID, input)
	})
	if !started {
		cancel()
		close(done)
		run.finish(runFail, nil, stateID, input, "the emulator is shutting down")
		return newError(http.StatusServiceUnavailable, codeUnavailable, "Service unavailable: the emulator is shutting down")
	}
	return nil
}

// startWorkflowExecution answers with the execution ID at once; the states
// run in the background.
func startWorkflowExecution(c *call) (int, any, *apiError) {
	run, err := newRun(c)
	if err != nil {
		return 0, nil, err
	}
	if err := c.e.launch(run, run.def.Start, run.input); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"execution_id": run.id}, nil
}

// startSyncWorkflowExecution runs the execution while the request waits;
// a client that goes away stops it.
func startSyncWorkflowExecution(c *call) (int, any, *apiError) {
	run, err := newRun(c)
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithCancel(c.r.Context())
	defer cancel()
	run.mu.Lock()
	run.cancel, run.done = cancel, make(chan struct{})
	done := run.done
	run.mu.Unlock()
	c.e.runFlow(ctx, run, run.def.Start, run.input)
	close(done)
	run.mu.Lock()
	defer run.mu.Unlock()
	body := map[string]any{
		"execution_id": run.id, "status": run.status,
		"begin_time": nowStamp(run.begin), "end_time": nowStamp(run.end),
	}
	switch run.status {
	case runSuccess:
		body["output"] = run.output
	case runFail:
		body["errors"] = run.failedNodes()
	case runCancel:
		body["status"] = runFail
	}
	return http.StatusOK, body, nil
}

// runsOf lists the path's workflow's runs, newest first.
func runsOf(c *call) ([]*flowRun, *apiError) {
	var runs []*flowRun
	err := readWorkflow(c, func(s *store, w *workflow) *apiError {
		for _, r := range s.flowRuns {
			if r.workflowID == w.ID {
				runs = append(runs, r)
			}
		}
		return nil
	})
	sortBy(runs, func(r *flowRun) int64 { return -r.seq })
	return runs, err
}

// runWindow is the start_time/end_time window; either side defaults to 3
// days from the other, both to the last 3 days.
func runWindow(c *call) (from, to time.Time, err *apiError) {
	parse := func(name string) (time.Time, bool, *apiError) {
		s := c.query(name)
		if s == "" {
			return time.Time{}, false, nil
		}
		for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
			if t, perr := time.ParseInLocation(layout, s, time.UTC); perr == nil {
				return t, true, nil
			}
		}
		return time.Time{}, false, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter %s: %q is not a UTC time", name, s)
	}
	from, hasFrom, err := parse("start_time")
	if err != nil {
		return from, to, err
	}
	to, hasTo, err := parse("end_time")
	switch {
	case err != nil:
	case hasFrom && !hasTo:
		to = from.Add(defaultHistoryWindow)
	case hasTo && !hasFrom:
		from = to.Add(-defaultHistoryWindow)
	case !hasFrom && !hasTo:
		to = time.Now().Add(time.Minute)
		from = to.Add(-defaultHistoryWindow)
	}
	return from, to, err
}

// briefView is a run in a listing (SDK FlowExecutionBrief / V2).
func (r *flowRun) briefView() map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	v := map[string]any{
		"workflow_id": r.workflowID, "workflow_urn": r.workflowURN, "execution_id": r.id,
		"status": r.status, "begin_time": nowStamp(r.begin), "last_update_time": nowStamp(r.updated),
		"created_by": r.createdBy,
	}
	if !r.end.IsZero() {
		v["end_time"] = nowStamp(r.end)
	}
	return v
}

// matchingRuns applies the window and the status filter.
func matchingRuns(c *call, status string) ([]map[string]any, *apiError) {
	runs, err := runsOf(c)
	if err != nil {
		return nil, err
	}
	from, to, err := runWindow(c)
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for _, r := range runs {
		r.mu.Lock()
		begin, st := r.begin, r.status
		r.mu.Unlock()
		if begin.Before(from) || begin.After(to) || (status != "" && st != status) {
			continue
		}
		out = append(out, r.briefView())
	}
	return out, nil
}

func listWorkflowExecutions(c *call) (int, any, *apiError) {
	limit, offset := maxExecutionsLimit, 0
	if n, ok := intQuery(c, "limit"); ok && n > 0 {
		limit = min(n, maxExecutionsLimit)
	}
	if n, ok := intQuery(c, "offset"); ok {
		offset = max(n, 0)
	}
	runs, err := matchingRuns(c, c.query("status"))
	if err != nil {
		return 0, nil, err
	}
	page, _ := paginate(runs, offset, limit)
	return http.StatusOK, map[string]any{"executions": page}, nil
}

func showWorkflowExecutionForPage(c *call) (int, any, *apiError) {
	offset, _ := intQuery(c, "offset")
	limit, _ := intQuery(c, "limit")
	runs, err := matchingRuns(c, "")
	if err != nil {
		return 0, nil, err
	}
	page, _ := paginate(runs, max(offset, 0), max(limit, 1))
	return http.StatusOK, map[string]any{"total": len(runs), "size": len(page), "executions": page}, nil
}

// intQuery reads an integer query parameter the route already checked
// against the spec.
func intQuery(c *call, name string) (int, bool) {
	n, err := strconv.Atoi(c.query(name))
	return n, err == nil
}

// runOf finds the path's execution of the path's workflow.
func runOf(c *call) (*flowRun, *apiError) { return runByID(c, c.param("execution_id")) }

// runByID finds execution runID of the path's workflow.
func runByID(c *call, runID string) (*flowRun, *apiError) {
	var run *flowRun
	err := readWorkflow(c, func(s *store, w *workflow) *apiError {
		if r := s.flowRuns[runID]; r != nil && r.workflowID == w.ID {
			run = r
			return nil
		}
		return newError(http.StatusNotFound, codeNotFound, "workflow %s has no execution %s", w.ID, runID)
	})
	return run, err
}

// readWorkflow runs f with the path's workflow under the store's read lock.
func readWorkflow(c *call, f func(s *store, w *workflow) *apiError) *apiError {
	var err *apiError
	s := c.e.store
	s.read(func() {
		var w *workflow
		if w, err = s.workflowByID(c.param("workflow_id")); err == nil {
			err = f(s, w)
		}
	})
	return err
}

// lockRunIf finds the path's execution and returns it locked when its
// status allows the operation; otherwise it is a 400 whose refusal format
// takes the execution's id and status.
func lockRunIf(c *call, allowed func(status string) bool, refusal string) (*flowRun, *apiError) {
	run, err := runOf(c)
	if err != nil {
		return nil, err
	}
	run.mu.Lock()
	if st := run.status; !allowed(st) {
		run.mu.Unlock()
		return nil, newError(http.StatusBadRequest, codeBadRequest, refusal, run.id, st)
	}
	return run, nil
}

// showWorkflowExecution answers the run with its history: one entry per
// state in the order the states started, each with its attempts.
func showWorkflowExecution(c *call) (int, any, *apiError) {
	run, err := runOf(c)
	if err != nil {
		return 0, nil, err
	}
	v := run.briefView()
	run.mu.Lock()
	defer run.mu.Unlock()
	v["input"], v["headers"] = run.input, run.headers
	if run.status == runSuccess {
		v["output"] = run.output
	}
	nodes := make([]*nodeRun, len(run.nodes))
	copy(nodes, run.nodes)
	v["node_execution_details"] = nodes
	return http.StatusOK, v, nil
}

// retryWorkFlow runs a failed or stopped execution again from the state
// that did not finish; the states that succeeded keep their results.
func retryWorkFlow(c *call) (int, any, *apiError) {
	run, err := lockRunIf(c, func(st string) bool { return st != runRunning && st != runSuccess },
		"execution %s is %s; only failed, timed-out or stopped executions can be retried")
	if err != nil {
		return 0, nil, err
	}
	if run.done != nil {
		<-run.done // the previous attempt has fully ended (it has: status is final)
	}
	at, input := run.resumeAt, run.resumeInput
	run.status, run.end, run.updated = runRunning, time.Time{}, time.Now()
	run.mu.Unlock()
	if err := c.e.launch(run, at, input); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nil, nil
}

// stopWorkFlow cancels a running execution and answers once it stopped.
func stopWorkFlow(c *call) (int, any, *apiError) {
	run, err := lockRunIf(c, func(st string) bool { return st == runRunning }, "execution %s already ended (%s)")
	if err != nil {
		return 0, nil, err
	}
	cancel, done := run.cancel, run.done
	run.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if done != nil {
		select {
		case <-done:
		case <-c.r.Context().Done():
		}
	}
	return http.StatusOK, nil, nil
}

// createCallbackWorkflow completes the state in progress that the headers
// name, with the callback's outcome in place of the state's own work.
func createCallbackWorkflow(c *call) (int, any, *apiError) {
	var req struct {
		Result string `json:"result"`
		Error  string `json:"error"`
		Output any    `json:"output"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	runID, stateID := c.r.Header.Get("X-Workflow-Run-Id"), c.r.Header.Get("X-Workflow-State-Id")
	run, err := runByID(c, runID)
	if err != nil {
		return 0, nil, err
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	at := run.attempt
	if run.status != runRunning || at == nil || at.stateID != stateID {
		return 0, nil, newError(http.StatusBadRequest, codeBadRequest, "execution %s has no state %s in progress", run.id, stateID)
	}
	if at.callback == nil {
		msg := req.Error
		if msg == "" {
			msg = "the callback reported a failure"
		}
		at.callback = &callbackOutcome{failed: req.Result != runSuccess, output: req.Output, errMsg: msg}
		at.cancel()
	}
	return http.StatusOK, map[string]string{"execution_id": run.id}, nil
}
