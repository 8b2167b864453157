package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Defaults of the async invocation settings when none were set (the SDK's request defaults).
const (
	defaultAsyncEventAge = 3600
	defaultAsyncRetries  = 1
)

// goBackground runs fn as tracked background work, unless Shutdown began.
func (e *Emulator) goBackground(fn func()) bool {
	e.bgMu.RLock()
	defer e.bgMu.RUnlock()
	if e.bgClosed {
		return false
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		fn()
	}()
	return true
}

// asyncInvokeFunction queues the event and answers 202 at once. At most
// AsyncConcurrency invocations run at a time and AsyncQueue wait; a failed
// run is retried max_async_retry_attempts times while the event is younger
// than max_async_event_age_in_seconds. Shutdown drains the queue.
func asyncInvokeFunction(c *call) {
	e := c.e
	requestID := newID()
	t, err := e.invocationTarget(c)
	if err != nil {
		writeError(c, err, requestID)
		return
	}
	if !isJSONObject(c.body) {
		writeError(c, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: the request body must be a JSON object (the function's event)"), requestID)
		return
	}
	if err := e.injectFaults(c.r.Context()); err != nil {
		writeError(c, err, requestID)
		return
	}
	if err := e.runAsync(t, append([]byte(nil), c.body...), requestID); err != nil {
		writeError(c, err, requestID)
		return
	}
	c.json(http.StatusAccepted, map[string]string{"request_id": requestID})
}

// runAsync queues one invocation to run in the background; async
// invocations and timer triggers both go through it, so both count in the
// function's metrics and share the queue and the concurrency bound. It
// refuses when the queue is full or Shutdown began.
func (e *Emulator) runAsync(t target, event []byte, requestID string) *apiError {
	if e.pending.Add(1) > int64(e.cfg.AsyncQueue) {
		e.pending.Add(-1)
		return newError(http.StatusTooManyRequests, codeTooManyRequests, "Too many requests: %d async invocations are already queued", e.cfg.AsyncQueue)
	}
	age, retries := e.asyncSettings(t.fn)
	accepted := time.Now()
	started := e.goBackground(func() {
		defer e.pending.Add(-1)
		e.asyncSem <- struct{}{}
		defer func() { <-e.asyncSem }()
		for attempt := 0; attempt <= retries; attempt++ {
			if time.Since(accepted) > age {
				e.log.Info("async invocation dropped: event too old", "request_id", requestID, "urn", t.invoked)
				return
			}
			x, err := e.execute(context.Background(), t, event, requestID)
			if err == nil && !x.failed {
				return
			}
			e.log.Debug("async invocation failed", "request_id", requestID, "attempt", attempt+1)
		}
	})
	if !started {
		e.pending.Add(-1)
		return newError(http.StatusServiceUnavailable, codeUnavailable, "Service unavailable: the emulator is shutting down")
	}
	return nil
}

func (e *Emulator) asyncSettings(f *function) (time.Duration, int) {
	e.store.mu.RLock()
	defer e.store.mu.RUnlock()
	if f.async == nil {
		return defaultAsyncEventAge * time.Second, defaultAsyncRetries
	}
	return time.Duration(f.async.MaxAsyncEventAgeInSeconds) * time.Second, f.async.MaxAsyncRetryAttempts
}

func showFunctionAsyncInvokeConfig(c *call) {
	f, unlock := c.lockFunction(false)
	if f == nil {
		return
	}
	defer unlock()
	if f.async != nil {
		c.json(http.StatusOK, f.async)
		return
	}
	c.json(http.StatusOK, &asyncConfig{
		FuncURN: f.latest.FuncURN, MaxAsyncEventAgeInSeconds: defaultAsyncEventAge,
		MaxAsyncRetryAttempts: defaultAsyncRetries, CreatedTime: f.latest.LastModified, LastModified: f.latest.LastModified,
	})
}

func updateFunctionAsyncInvokeConfig(c *call) {
	u, err := c.functionURN()
	if err != nil {
		c.fail(err)
		return
	}
	var req struct {
		MaxAsyncEventAgeInSeconds *int            `json:"max_async_event_age_in_seconds"`
		MaxAsyncRetryAttempts     *int            `json:"max_async_retry_attempts"`
		DestinationConfig         json.RawMessage `json:"destination_config"`
		EnableAsyncStatusLog      bool            `json:"enable_async_status_log"`
	}
	if err := c.decode(&req); err != nil {
		c.fail(err)
		return
	}
	e := c.e
	e.store.mu.Lock()
	defer e.store.mu.Unlock()
	f, err := e.store.lookup(u)
	if err != nil {
		c.fail(err)
		return
	}
	now := nowStamp(time.Now())
	next := &asyncConfig{FuncURN: f.latest.FuncURN, MaxAsyncEventAgeInSeconds: defaultAsyncEventAge,
		MaxAsyncRetryAttempts: defaultAsyncRetries, CreatedTime: now}
	if f.async != nil {
		next.CreatedTime = f.async.CreatedTime
	}
	if req.MaxAsyncEventAgeInSeconds != nil {
		next.MaxAsyncEventAgeInSeconds = *req.MaxAsyncEventAgeInSeconds
	}
	if req.MaxAsyncRetryAttempts != nil {
		next.MaxAsyncRetryAttempts = *req.MaxAsyncRetryAttempts
	}
	next.DestinationConfig = req.DestinationConfig
	next.EnableAsyncStatusLog = req.EnableAsyncStatusLog
	next.LastModified = now
	f.async = next
	c.json(http.StatusOK, next)
}

func deleteFunctionAsyncInvokeConfig(c *call) {
	f, unlock := c.lockFunction(true)
	if f == nil {
		return
	}
	defer unlock()
	f.async = nil
	c.noContent()
}
