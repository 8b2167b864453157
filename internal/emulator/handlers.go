package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
)

// Built-in function behaviours. A function's behaviour is chosen by keys in
// its user_data (its environment variables, a JSON object of strings), so
// the same function definition also deploys on a real FunctionGraph:
//
//	FGH_HANDLER        echo (default) | sleep | fail | large | random-error
//	FGH_SLEEP          sleep: how long to run, a Go duration ("250ms", "2s"); default 100ms
//	FGH_RESULT_BYTES   large: size of the result in bytes (default 1048576, at most 6 MB)
//	FGH_ERROR_RATE     random-error: probability of failing, 0..1 (default 0.5)
//	FGH_ERROR_MESSAGE  fail, random-error: the errorMessage reported (default "fgh: function failed")
//
// echo returns the event unchanged (the documents' hello-world handler does
// json.dumps(event)); sleep returns {"slept_ms":N} after sleeping, and is cut
// off at the function's timeout; fail always raises an error; large returns
// {"data":"xxx..."} of the requested size; random-error fails with the given
// probability and echoes otherwise. A function error is answered 200 with
// status 500, X-Is-Func-Err: true and the error as the result, the way the
// platform reports errors raised by user code. See HANDLERS.md.
const (
	behaviourEcho        = "echo"
	behaviourSleep       = "sleep"
	behaviourFail        = "fail"
	behaviourLarge       = "large"
	behaviourRandomError = "random-error"

	maxUserDataVar = 20 // documented maximum number of environment variables
)

type behaviour struct {
	kind      string
	sleep     time.Duration
	result    []byte // large: the prepared result
	errorRate float64
	errorMsg  string
}

// parseBehaviour reads the FGH_* keys of user_data; unknown keys are the
// function's own environment and are ignored.
func parseBehaviour(userData string) (behaviour, *apiError) {
	b := behaviour{kind: behaviourEcho, sleep: 100 * time.Millisecond, errorRate: 0.5, errorMsg: "fgh: function failed"}
	if strings.TrimSpace(userData) == "" {
		return b, nil
	}
	var env map[string]string
	if err := json.Unmarshal([]byte(userData), &env); err != nil {
		return b, badField(codeBadUserData, "user_data", "must be a JSON object of string values, like {\"FGH_HANDLER\":\"echo\"}")
	}
	if len(env) > maxUserDataVar {
		return b, badField(codeTooManyUserData, "user_data", "has %d variables, at most %d are allowed", len(env), maxUserDataVar)
	}
	if k, ok := env["FGH_HANDLER"]; ok {
		switch k {
		case behaviourEcho, behaviourSleep, behaviourFail, behaviourLarge, behaviourRandomError:
			b.kind = k
		default:
			return b, badField(codeBadUserData, "user_data", "FGH_HANDLER %q is not one of echo, sleep, fail, large, random-error", k)
		}
	}
	if s, ok := env["FGH_SLEEP"]; ok {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return b, badField(codeBadUserData, "user_data", "FGH_SLEEP %q is not a duration like 250ms", s)
		}
		b.sleep = d
	}
	if s, ok := env["FGH_ERROR_RATE"]; ok {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || r < 0 || r > 1 {
			return b, badField(codeBadUserData, "user_data", "FGH_ERROR_RATE %q is not a probability between 0 and 1", s)
		}
		b.errorRate = r
	}
	if s, ok := env["FGH_ERROR_MESSAGE"]; ok && s != "" {
		b.errorMsg = s
	}
	if b.kind == behaviourLarge {
		n := 1 << 20
		if s, ok := env["FGH_RESULT_BYTES"]; ok {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 || v > fgs.MaxSyncPayloadBytes+1024 {
				return b, badField(codeBadUserData, "user_data", "FGH_RESULT_BYTES %q is not a size between 0 and %d", s, fgs.MaxSyncPayloadBytes+1024)
			}
			n = v
		}
		b.result = largeResult(n)
	}
	return b, nil
}

// largeResult is {"data":"xxx..."} of exactly n bytes (or the bare object when n is tiny).
func largeResult(n int) []byte {
	const wrap = len(`{"data":""}`)
	if n < wrap {
		return []byte(`{"data":""}`)
	}
	out := make([]byte, n)
	copy(out, `{"data":"`)
	for i := len(`{"data":"`); i < n-2; i++ {
		out[i] = 'x'
	}
	copy(out[n-2:], `"}`)
	return out
}

// outcome is what one run of a behaviour produced.
type outcome struct {
	output   []byte // the function's result (may alias the event)
	failed   bool
	timedOut bool
	errType  string
	errMsg   string
	logLine  string
}

// run executes the behaviour on event within timeout.
func (b *behaviour) run(ctx context.Context, event []byte, timeout time.Duration) outcome {
	switch b.kind {
	case behaviourSleep:
		t := time.NewTimer(b.sleep)
		defer t.Stop()
		deadline := time.NewTimer(timeout)
		defer deadline.Stop()
		select {
		case <-t.C:
			return outcome{output: []byte(`{"slept_ms":` + strconv.FormatInt(b.sleep.Milliseconds(), 10) + `}`), logLine: "slept " + b.sleep.String()}
		case <-deadline.C:
			return outcome{failed: true, timedOut: true, errType: "TimeoutError",
				errMsg: "invocation timed out after " + timeout.String(), logLine: "stopped at the function timeout"}
		case <-ctx.Done():
			return outcome{failed: true, errType: "Cancelled", errMsg: "the invocation was cancelled: " + ctx.Err().Error()}
		}
	case behaviourFail:
		return outcome{failed: true, errType: "FunctionError", errMsg: b.errorMsg, logLine: "error: " + b.errorMsg}
	case behaviourLarge:
		if len(b.result) > fgs.MaxSyncPayloadBytes {
			return outcome{failed: true, errType: "ResultTooLarge",
				errMsg: "the size of the result of the function exceeds the maximum allowed limit (6 MB)"}
		}
		return outcome{output: b.result, logLine: "large result: " + strconv.Itoa(len(b.result)) + " bytes"}
	case behaviourRandomError:
		if rand.Float64() < b.errorRate {
			return outcome{failed: true, errType: "RandomError", errMsg: b.errorMsg, logLine: "random error: " + b.errorMsg}
		}
	}
	event = bytes.TrimSpace(event) // the event is the JSON value, not the whitespace around it
	return outcome{output: event, logLine: "echo: " + strconv.Itoa(len(event)) + " bytes"}
}

// errorResult is the result string of a failed run.
func (o *outcome) errorResult() []byte {
	b := append([]byte(`{"errorMessage":`), appendJSONString(nil, o.errMsg)...)
	b = append(b, `,"errorType":`...)
	b = appendJSONString(b, o.errType)
	return append(b, `,"stackTrace":[]}`...)
}

// errCode is the X-Func-Err-Code of an outcome: 0 on success.
func (o *outcome) errCode() string {
	switch {
	case o.timedOut:
		return "FSS.0408"
	case o.failed:
		return codeInternal
	}
	return "0"
}
