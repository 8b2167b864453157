package emulator

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Async invocation states, as listAsyncInvocations reports them.
const (
	asyncWait    = "WAIT"
	asyncRunning = "RUNNING"
	asyncSuccess = "SUCCESS"
	asyncFail    = "FAIL"
	asyncDiscard = "DISCARD"
)

// Records of one function's async invocations are bounded: finished ones
// past this many are forgotten oldest first, so a long load run cannot grow
// the store without end.
const maxAsyncRecords = 1000

// cancelledCode and cancelledMessage are what the cancel page says a
// stopped invocation reports.
const (
	cancelledCode    = 4208
	cancelledMessage = "function invocation canceled"
)

// asyncCall is one async invocation's record. Its fields change as it
// runs, so it is read and written only under asyncCalls.mu.
type asyncCall struct {
	requestID string
	status    string
	errCode   int
	errMsg    string
	accepted  time.Time
	ended     time.Time
	cancelled chan struct{} // closed by cancelAsyncInvocation
	stop      context.CancelFunc
}

func (a *asyncCall) active() bool { return a.status == asyncWait || a.status == asyncRunning }

// asyncCalls is a function's async invocation log.
type asyncCalls struct {
	mu    sync.Mutex
	byID  map[string]*asyncCall
	order []*asyncCall // oldest first
}

// add records a queued invocation.
func (l *asyncCalls) add(requestID string, accepted time.Time) *asyncCall {
	a := &asyncCall{requestID: requestID, status: asyncWait, accepted: accepted, cancelled: make(chan struct{})}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byID == nil {
		l.byID = map[string]*asyncCall{}
	}
	l.byID[requestID] = a
	l.order = append(l.order, a)
	if len(l.order) > maxAsyncRecords {
		kept := l.order[:0]
		drop := len(l.order) - maxAsyncRecords
		for _, old := range l.order {
			if drop > 0 && !old.active() {
				delete(l.byID, old.requestID)
				drop--
				continue
			}
			kept = append(kept, old)
		}
		clear(l.order[len(kept):])
		l.order = kept
	}
	return a
}

// forget drops a record whose invocation never got queued.
func (l *asyncCalls) forget(a *asyncCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.byID, a.requestID)
	for i, x := range l.order {
		if x == a {
			l.order = append(l.order[:i:i], l.order[i+1:]...)
			break
		}
	}
}

// start moves a waiting invocation to RUNNING and hands out the context
// that cancelling it ends; false when it was cancelled meanwhile.
func (l *asyncCalls) start(a *asyncCall) (context.Context, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.status != asyncWait {
		return nil, false
	}
	ctx, stop := context.WithCancel(context.Background())
	a.status, a.stop = asyncRunning, stop
	return ctx, true
}

// finish records the outcome, unless a cancel already did.
func (l *asyncCalls) finish(a *asyncCall, status string, code int, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.stop != nil {
		a.stop()
		a.stop = nil
	}
	if !a.active() {
		return
	}
	a.status, a.errCode, a.errMsg, a.ended = status, code, msg, time.Now()
}

// cancel stops a waiting or running invocation: a waiting one is discarded
// and never runs, a running one has its context cancelled and fails.
func (l *asyncCalls) cancel(requestID string) *apiError {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.byID[requestID]
	if a == nil {
		return badField(codeBadRequest, "request_id", "Invalid RequestId: no async invocation %s of this function", requestID)
	}
	if !a.active() {
		return badField(codeBadRequest, "request_id", "Invalid RequestId: async invocation %s already ended (%s)", requestID, a.status)
	}
	a.status = asyncDiscard
	if a.stop != nil {
		a.status = asyncFail
		a.stop()
		a.stop = nil
	}
	a.errCode, a.errMsg, a.ended = cancelledCode, cancelledMessage, time.Now()
	close(a.cancelled)
	return nil
}

// asyncCallView is one record as the list operations answer it.
type asyncCallView struct {
	RequestID    string `json:"request_id"`
	Status       string `json:"status"`
	ErrorMessage string `json:"error_message"`
	ErrorCode    int    `json:"error_code"`
	StartTime    string `json:"start_time"`
	EndTime      string `json:"end_time"`
}

// asyncTimeLayout is the pages' "YYYY-MM-DD'T'HH:mm:ss" in UTC.
const asyncTimeLayout = "2006-01-02T15:04:05"

// asyncFilter is what a list request asks for.
type asyncFilter struct {
	ids        map[string]bool // nil: any
	status     string
	activeOnly bool
	from, to   time.Time
}

// matching lists the records that pass f, newest first.
func (l *asyncCalls) matching(f asyncFilter) []asyncCallView {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []asyncCallView{}
	for i := len(l.order) - 1; i >= 0; i-- {
		a := l.order[i]
		switch {
		case f.ids != nil && !f.ids[a.requestID],
			f.status != "" && a.status != f.status,
			f.activeOnly && !a.active(),
			a.accepted.Before(f.from), a.accepted.After(f.to):
			continue
		}
		v := asyncCallView{RequestID: a.requestID, Status: a.status, ErrorMessage: a.errMsg, ErrorCode: a.errCode,
			StartTime: a.accepted.UTC().Format(asyncTimeLayout)}
		if !a.ended.IsZero() {
			v.EndTime = a.ended.UTC().Format(asyncTimeLayout)
		}
		out = append(out, v)
	}
	return out
}

// parseAsyncTime reads a query time: the pages' UTC form, or RFC 3339.
func parseAsyncTime(c *call, name string, def time.Time) (time.Time, *apiError) {
	s := c.query(name)
	if s == "" {
		return def, nil
	}
	for _, layout := range []string{asyncTimeLayout, time.RFC3339, "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter %s: %q is not a time like 2024-05-06T08:00:00", name, s)
}

func listAsyncCalls(c *call, f asyncFilter) (int, any, *apiError) {
	return listPage(c, limit100, "invocations", func() (_ []asyncCallView, err *apiError) {
		now := time.Now()
		if f.from, err = parseAsyncTime(c, "query_begin_time", now.Add(-time.Hour)); err != nil {
			return nil, err
		}
		// the default end is "now", taken after the records were made
		if f.to, err = parseAsyncTime(c, "query_end_time", now.Add(time.Minute)); err != nil {
			return nil, err
		}
		f.status = c.query("status")
		fn, err := readFunction(c, func(fn *function) (*function, *apiError) { return fn, nil })
		if err != nil {
			return nil, err
		}
		return fn.rt.calls.matching(f), nil
	})
}

func listAsyncInvocations(c *call) (int, any, *apiError) {
	var f asyncFilter
	if id := c.query("request_id"); id != "" {
		f.ids = map[string]bool{id: true}
	}
	return listAsyncCalls(c, f)
}

// listActiveAsyncInvocations lists the invocations still waiting or running.
func listActiveAsyncInvocations(c *call) (int, any, *apiError) {
	f := asyncFilter{activeOnly: true}
	if ids := c.query("requests"); ids != "" {
		f.ids = map[string]bool{}
		for id := range strings.SplitSeq(ids, ",") {
			f.ids[strings.TrimSpace(id)] = true
		}
	}
	return listAsyncCalls(c, f)
}

// cancelAsyncInvocation stops one invocation and answers the page's `null`.
func cancelAsyncInvocation(c *call) (int, any, *apiError) {
	var req struct {
		RequestID string `json:"request_id"`
		Type      string `json:"type"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	fn, err := readFunction(c, func(fn *function) (*function, *apiError) { return fn, nil })
	if err != nil {
		return 0, nil, err
	}
	if err := fn.rt.calls.cancel(req.RequestID); err != nil {
		return 0, nil, err
	}
	c.e.log.Info("async invocation cancelled", "urn", c.fn.String(), "request_id", req.RequestID)
	null := []byte("null")
	c.Header()["Content-Type"] = contentTypeJSON
	return http.StatusOK, rawBody{&null}, nil
}

// listFunctionAsyncInvokeConfig lists the function's async settings; the
// emulator keeps one set per function, so the list has one item or none.
func listFunctionAsyncInvokeConfig(c *call) (int, any, *apiError) {
	marker := 0
	if s := c.query("marker"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter marker: %q is not a position", s)
		}
		marker = n
	}
	size := 10
	if s := c.query("limit"); s != "" {
		if n, _ := strconv.Atoi(s); n > 0 {
			size = min(n, 100)
		}
	}
	all, err := readFunction(c, func(f *function) ([]*asyncConfig, *apiError) {
		if f.async == nil {
			return []*asyncConfig{}, nil
		}
		return []*asyncConfig{f.async}, nil
	})
	if err != nil {
		return 0, nil, err
	}
	page, next := paginate(all, marker, size)
	return http.StatusOK, map[string]any{
		"async_invoke_configs": page, "count": len(all),
		"page_info": map[string]int{"next_marker": next, "previous_marker": marker, "current_count": len(page)},
	}, nil
}

// asyncStatusLog is where the project's async status logs go once switched on.
type asyncStatusLog struct {
	GroupName  string `json:"group_name"`
	GroupID    string `json:"group_id"`
	StreamName string `json:"stream_name"`
	StreamID   string `json:"stream_id"`
}

// enableAsyncStatusLog switches the project's status logs on; a second call
// keeps the group and stream of the first.
func enableAsyncStatusLog(c *call) (int, any, *apiError) {
	s := c.e.store
	s.write(func() {
		if s.asyncStatusLog == nil {
			s.asyncStatusLog = &asyncStatusLog{
				GroupName: "functiongraph-async-status", GroupID: newID(),
				StreamName: "functiongraph-async-status-" + c.e.cfg.ProjectID, StreamID: newID(),
			}
		}
	})
	return http.StatusOK, nil, nil
}

func showProjectAsyncStatusLogInfo(c *call) (int, any, *apiError) {
	var out any = map[string]string{}
	c.e.store.read(func() {
		if c.e.store.asyncStatusLog != nil {
			out = c.e.store.asyncStatusLog
		}
	})
	return http.StatusOK, out, nil
}

// requeue puts a failed attempt back to WAIT for its retry, unless it was
// cancelled meanwhile.
func (l *asyncCalls) requeue(a *asyncCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.stop != nil {
		a.stop()
		a.stop = nil
	}
	if a.status == asyncRunning {
		a.status = asyncWait
	}
}

// asyncErrorCode is the numeric error code of a failed run: 408 for a
// timeout, 500 for an error raised by the function.
func asyncErrorCode(o *outcome) int {
	if o.timedOut {
		return http.StatusRequestTimeout
	}
	return http.StatusInternalServerError
}

// waitForInstance holds a queued invocation until the function has a free
// instance, as the platform queues async events past the instance limit
// instead of refusing them. False when the invocation was cancelled or
// its event expired first.
func (e *Emulator) waitForInstance(t target, a *asyncCall, expires time.Time) bool {
	limit := executionLimit(t.cfg.StrategyConfig)
	if limit <= 0 {
		return true // unlimited, or disabled: execute answers that
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for t.fn.rt.inFlight.Load() >= limit {
		select {
		case <-a.cancelled:
			return false
		case <-e.done:
			return false
		case <-tick.C:
		}
		if time.Now().After(expires) {
			return false
		}
	}
	return true
}
