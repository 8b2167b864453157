package emulator

import (
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
func asyncInvokeFunction(c *call) (int, any, *apiError) {
	t, err := c.invocationTarget()
	if err != nil {
		return 0, nil, err
	}
	if err := c.checkEvent(); err != nil {
		return 0, nil, err
	}
	if err := c.e.runAsync(t, append([]byte(nil), c.body...), c.requestID); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, map[string]string{"request_id": c.requestID}, nil
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
	calls := &t.fn.rt.calls
	rec := calls.add(requestID, accepted)
	started := e.goBackground(func() {
		defer e.pending.Add(-1)
		select {
		case e.asyncSem <- struct{}{}:
		case <-rec.cancelled:
			return
		}
		defer func() { <-e.asyncSem }()
		code, msg := 0, ""
		for attempt := 0; attempt <= retries; attempt++ {
			if time.Since(accepted) > age || !e.waitForInstance(t, rec, accepted.Add(age)) {
				e.log.Info("async invocation dropped: event too old or cancelled", "request_id", requestID, "urn", t.invoked)
				calls.finish(rec, asyncDiscard, http.StatusRequestTimeout, "the event is older than max_async_event_age_in_seconds")
				return
			}
			ctx, ok := calls.start(rec)
			if !ok {
				return // cancelled while waiting; cancel recorded it
			}
			x, err := e.execute(ctx, t, event, requestID)
			switch {
			case err != nil:
				code, msg = err.status, err.msg
			case x.failed:
				code, msg = asyncErrorCode(&x.outcome), x.errMsg
			default:
				calls.finish(rec, asyncSuccess, 0, "")
				return
			}
			if ctx.Err() != nil {
				return // cancelled while running; cancel recorded it
			}
			calls.requeue(rec)
			e.log.Debug("async invocation failed", "request_id", requestID, "attempt", attempt+1)
		}
		calls.finish(rec, asyncFail, code, msg)
	})
	if !started {
		e.pending.Add(-1)
		calls.forget(rec)
		return newError(http.StatusServiceUnavailable, codeUnavailable, "Service unavailable: the emulator is shutting down")
	}
	return nil
}

func (e *Emulator) asyncSettings(f *function) (age time.Duration, retries int) {
	e.store.read(func() {
		age, retries = defaultAsyncEventAge*time.Second, defaultAsyncRetries
		if f.async != nil {
			age, retries = time.Duration(f.async.MaxAsyncEventAgeInSeconds)*time.Second, f.async.MaxAsyncRetryAttempts
		}
	})
	return age, retries
}

func showFunctionAsyncInvokeConfig(c *call) (int, any, *apiError) {
	cfg, err := readFunction(c, func(f *function) (*asyncConfig, *apiError) {
		if f.async != nil {
			return f.async, nil
		}
		return &asyncConfig{
			FuncURN: f.latest.FuncURN, MaxAsyncEventAgeInSeconds: defaultAsyncEventAge,
			MaxAsyncRetryAttempts: defaultAsyncRetries, CreatedTime: f.latest.LastModified, LastModified: f.latest.LastModified,
		}, nil
	})
	return http.StatusOK, cfg, err
}

func updateFunctionAsyncInvokeConfig(c *call) (int, any, *apiError) {
	var req struct {
		MaxAsyncEventAgeInSeconds *int            `json:"max_async_event_age_in_seconds"`
		MaxAsyncRetryAttempts     *int            `json:"max_async_retry_attempts"`
		DestinationConfig         json.RawMessage `json:"destination_config"`
		EnableAsyncStatusLog      bool            `json:"enable_async_status_log"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	next, err := writeFunction(c, func(f *function) (*asyncConfig, *apiError) {
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
		return next, nil
	})
	return http.StatusOK, next, err
}

func deleteFunctionAsyncInvokeConfig(c *call) (int, any, *apiError) {
	_, err := writeFunction(c, func(f *function) (any, *apiError) {
		f.async = nil
		return nil, nil
	})
	return http.StatusNoContent, nil, err
}
