package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
	"unsafe"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
)

// Static header values, shared by every response (net/http never modifies them).
var (
	hdrV0        = []string{"v0"}
	hdrV1        = []string{"v1"}
	hdrFalse     = []string{"false"}
	hdrTrue      = []string{"true"}
	hdrNoErr     = []string{"0"}
	hdrTextPlain = []string{"text/plain; charset=utf-8"}
)

// target is what an invocation runs: a function and the configuration
// (latest, a version, or an alias's pick) its URN resolves to.
type target struct {
	fn      *function
	cfg     *functionConfig
	invoked string // the URN as invoked, qualified ("...:latest" when it was not)
}

// invocationTarget resolves the path's function_urn to what it runs.
func (c *call) invocationTarget() (target, *apiError) {
	f, cfg, err := resolvedConfig(c)
	if err != nil {
		return target{}, err
	}
	u := c.fn
	if u.Qualifier == "" {
		u.Qualifier = urn.Latest
	}
	return target{fn: f, cfg: cfg, invoked: u.String()}, nil
}

// checkEvent refuses an event that is not a JSON object, then applies the
// injected faults; both invocation paths run it just before executing.
func (c *call) checkEvent() *apiError {
	if !isJSONObject(c.body) {
		return newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: the request body must be a JSON object (the function's event)")
	}
	return c.e.injectFaults(c.r.Context())
}

// isJSONObject tells whether body is one JSON object (events are objects).
func isJSONObject(body []byte) bool {
	i := 0
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n') {
		i++
	}
	return i < len(body) && body[i] == '{' && json.Valid(body)
}

// execution is the result of running a function once.
type execution struct {
	outcome
	duration time.Duration
	cold     time.Duration
}

// execute runs one invocation: concurrency limit, cold start, the
// behaviour under the function timeout, counters and extension fan-out.
func (e *Emulator) execute(ctx context.Context, t target, event []byte, requestID string) (execution, *apiError) {
	rt := t.fn.rt
	limit := executionLimit(t.cfg.StrategyConfig)
	if limit == 0 {
		rt.counts.reject.Add(1)
		rt.series.recordReject(time.Now())
		return execution{}, newError(http.StatusForbidden, codeForbidden, "the function is disabled (strategy_config.concurrency is 0)")
	}
	n := rt.inFlight.Add(1)
	defer rt.inFlight.Add(-1)
	if limit > 0 && n > limit {
		rt.counts.reject.Add(1)
		rt.series.recordReject(time.Now())
		return execution{}, newError(http.StatusTooManyRequests, codeTooManyRequests,
			"Too many requests: the function already runs %d executions, its limit (strategy_config) is %d", n-1, limit)
	}
	var x execution
	if cold := e.coldStartFor(); cold > 0 {
		if !rt.acquireWarm(e.cfg.IdleTimeout) {
			x.cold = cold
			sleepCtx(ctx, cold)
		}
		defer rt.releaseWarm()
	}
	start := time.Now()
	x.outcome = t.cfg.behaviour.run(ctx, event, time.Duration(t.cfg.Timeout)*time.Second)
	x.duration = time.Since(start)
	rt.counts.record(x.duration, x.failed)
	rt.series.recordRun(start, x.duration, x.failed, t.cfg.MemorySize, n)
	e.hub.FanOut(fnHubKey(t.fn), requestID, t.invoked)
	return x, nil
}

// invokeFunction is the sync invocation hot path: no generic validation,
// no reflection, pooled buffers.
func invokeFunction(c *call) (int, any, *apiError) {
	t, err := c.invocationTarget()
	if err != nil {
		return 0, nil, err
	}
	h := c.r.Header
	wantLog, textBody := false, false
	switch v := h.Get("X-Cff-Log-Type"); v {
	case "tail":
		wantLog = true
	case "", "null":
	default:
		return 0, nil, badField(codeBadRequest, "X-Cff-Log-Type", "%q is neither tail nor null", v)
	}
	switch v := h.Get("X-Cff-Request-Version"); v {
	case "", "v1":
	case "v0":
		textBody = true
	default:
		return 0, nil, badField(codeBadRequest, "X-CFF-Request-Version", "%q is neither v0 nor v1", v)
	}
	memory := t.cfg.MemorySize
	if v := h.Get("X-Cff-Instance-Memory"); v != "" {
		m, convErr := strconv.Atoi(v)
		if convErr != nil || m < 128 || m > 10240 {
			return 0, nil, badField(codeBadMemory, "X-Cff-Instance-Memory", "%q is not a memory size in MB", v)
		}
		memory = m
	}
	if err := c.checkEvent(); err != nil {
		return 0, nil, err
	}
	requestID := c.requestID
	x, err := c.e.execute(c.r.Context(), t, c.body, requestID)
	if err != nil {
		return 0, nil, err
	}
	result := x.output
	status := http.StatusOK
	if x.failed {
		result = x.errorResult()
		status = http.StatusInternalServerError
	}

	buf := getBuf()
	b := (*buf)[:0]
	hdr := c.Header()
	if textBody {
		hdr["Content-Type"] = hdrTextPlain
		hdr["X-Cff-Response-Version"] = hdrV0
		b = append(b, result...)
	} else {
		hdr["Content-Type"] = contentTypeJSON
		hdr["X-Cff-Response-Version"] = hdrV1
		b = append(b, `{"request_id":"`...)
		b = append(b, requestID...)
		b = append(b, `","result":`...)
		b = appendJSONString(b, bytesString(result))
		b = append(b, `,"log":`...)
		if wantLog {
			lb := getBuf()
			*lb = appendLog((*lb)[:0], requestID, t.cfg.Version, &x, memory)
			b = appendJSONString(b, bytesString(*lb))
			putBuf(lb)
		} else {
			b = append(b, `""`...)
		}
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, '}')
	}
	*buf = b
	hdr["X-Cff-Request-Id"] = []string{requestID}
	hdr["X-Cff-Invoke-Summary"] = []string{invokeSummary(t.cfg, &x, memory, len(c.body))}
	if x.failed {
		hdr["X-Is-Func-Err"] = hdrTrue
		hdr["X-Func-Err-Code"] = []string{x.errCode()}
	} else {
		hdr["X-Is-Func-Err"] = hdrFalse
		hdr["X-Func-Err-Code"] = hdrNoErr
	}
	return http.StatusOK, rawBody{buf}, nil
}

// bytesString views b as a string without copying; the string must not
// outlive b's next modification.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func billedMs(d time.Duration) int64 {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	return max(int64(ms), 1)
}

// memoryUsed is a plausible figure: a base footprint plus the event and result.
func memoryUsed(memory, eventLen, resultLen int) float64 {
	return min(float64(memory), 18.5+float64(eventLen+resultLen)/(1<<20))
}

// invokeSummary is the X-Cff-Invoke-Summary JSON object.
func invokeSummary(cfg *functionConfig, x *execution, memory, eventLen int) string {
	var arr [256]byte
	b := append(arr[:0], `{"funcDigest":"`...)
	b = append(b, cfg.Digest[:min(len(cfg.Digest), 32)]...)
	b = append(b, `","duration":`...)
	b = strconv.AppendFloat(b, float64(x.duration)/float64(time.Millisecond), 'f', 3, 64)
	b = append(b, `,"billingDuration":`...)
	b = strconv.AppendInt(b, billedMs(x.duration), 10)
	b = append(b, `,"memorySize":`...)
	b = strconv.AppendInt(b, int64(memory), 10)
	b = append(b, `,"memoryUsed":`...)
	b = strconv.AppendFloat(b, memoryUsed(memory, eventLen, len(x.output)), 'f', 3, 64)
	b = append(b, `,"initDuration":`...)
	b = strconv.AppendFloat(b, float64(x.cold)/float64(time.Millisecond), 'f', 3, 64)
	b = append(b, '}')
	return string(b)
}

// appendLog writes the execution log in the platform's format, keeping the
// last fgs.MaxTailLogBytes.
func appendLog(b []byte, requestID, version string, x *execution, memory int) []byte {
	start := len(b)
	now := time.Now().UTC()
	b = now.Add(-x.duration).AppendFormat(b, "2006-01-02T15:04:05Z")
	b = append(b, " Start invoke request '"...)
	b = append(b, requestID...)
	b = append(b, "', version: "...)
	b = append(b, version...)
	b = append(b, '\n')
	b = append(b, x.logLine...)
	b = append(b, "\n\n"...)
	b = now.AppendFormat(b, "2006-01-02T15:04:05Z")
	b = append(b, " Finish invoke request '"...)
	b = append(b, requestID...)
	b = append(b, "', duration: "...)
	b = strconv.AppendFloat(b, float64(x.duration)/float64(time.Millisecond), 'f', 3, 64)
	b = append(b, "ms, billing duration: "...)
	b = strconv.AppendInt(b, billedMs(x.duration), 10)
	b = append(b, "ms, memory used: "...)
	b = strconv.AppendFloat(b, memoryUsed(memory, 0, len(x.output)), 'f', 3, 64)
	b = append(b, "MB, billing memory: "...)
	b = strconv.AppendInt(b, int64(memory), 10)
	b = append(b, "MB"...)
	if n := len(b) - start; n > fgs.MaxTailLogBytes {
		copy(b[start:], b[len(b)-fgs.MaxTailLogBytes:])
		b = b[:start+fgs.MaxTailLogBytes]
	}
	return b
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// acquireWarm takes a warm instance; false means none was idle (a cold start).
func (rt *runtimeState) acquireWarm(idleTimeout time.Duration) bool {
	now := time.Now()
	rt.poolMu.Lock()
	defer rt.poolMu.Unlock()
	for len(rt.idle) > 0 {
		last := rt.idle[len(rt.idle)-1]
		rt.idle = rt.idle[:len(rt.idle)-1]
		if now.Sub(last) <= idleTimeout {
			return true
		}
		rt.idle = rt.idle[:0] // older ones expired too
	}
	return false
}

func (rt *runtimeState) releaseWarm() {
	rt.poolMu.Lock()
	rt.idle = append(rt.idle, time.Now())
	rt.poolMu.Unlock()
}
