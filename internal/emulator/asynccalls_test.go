package emulator

import (
	"strings"
	"testing"
	"time"
)

// asyncRecord is one record of listAsyncInvocations.
type asyncRecord struct {
	RequestID    string `json:"request_id"`
	Status       string `json:"status"`
	ErrorCode    int    `json:"error_code"`
	ErrorMessage string `json:"error_message"`
	EndTime      string `json:"end_time"`
}

// asyncRecords lists a function's async invocations through the API.
func (te *testEmulator) asyncRecords(fn, query string) []asyncRecord {
	te.t.Helper()
	r := te.do("GET", te.path("/fgs/functions/"+esc(te.fnURN(fn))+"/"+query), nil)
	if r.status != 200 {
		te.t.Fatalf("%s: %d %s", query, r.status, r.body)
	}
	var out struct {
		Invocations []asyncRecord `json:"invocations"`
		Count       int           `json:"count"`
	}
	r.decode(te.t, &out)
	if out.Count != len(out.Invocations) {
		te.t.Fatalf("%s: count %d for %d records", query, out.Count, len(out.Invocations))
	}
	return out.Invocations
}

// waitAsync polls until the invocation reaches status, at most 5 s.
func (te *testEmulator) waitAsync(fn, requestID, status string) asyncRecord {
	te.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs := te.asyncRecords(fn, "async-invocations?request_id="+requestID)
		if len(recs) == 1 && recs[0].Status == status {
			return recs[0]
		}
		if time.Now().After(deadline) {
			te.t.Fatalf("async invocation %s never reached %s: %+v", requestID, status, recs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (te *testEmulator) invokeAsync(fn string) string {
	te.t.Helper()
	return te.postForString("async invoke", te.path("/fgs/functions/"+esc(te.fnURN(fn))+"/invocations-async"), `{"k":"v"}`, 202, "request_id")
}

func (te *testEmulator) cancelAsync(fn, requestID string) response {
	te.t.Helper()
	return te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN(fn))+"/cancel"), map[string]string{"request_id": requestID})
}

// A queued invocation that is cancelled never runs; a running one is
// stopped and reports the cancel code; the other one still completes.
func TestCancelledAsyncInvocationNeverRuns(t *testing.T) {
	te := startTest(t)
	te.createSleeper("slow", "300ms")
	if r := te.do("PUT", te.path("/fgs/functions/"+esc(te.fnURN("slow"))+"/config-max-instance"), map[string]int{"max_instance_num": 1}); r.status != 200 {
		t.Fatalf("max instances: %d %s", r.status, r.body)
	}
	first := te.invokeAsync("slow")
	te.waitAsync("slow", first, asyncRunning)
	second := te.invokeAsync("slow") // waits: the one instance is busy

	active := te.asyncRecords("slow", "active-async-invocations")
	if len(active) != 2 || active[0].RequestID != second || active[0].Status != asyncWait {
		t.Fatalf("active invocations, newest first: %+v", active)
	}
	r := te.cancelAsync("slow", second)
	if r.status != 200 || strings.TrimSpace(string(r.body)) != "null" {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	rec := te.waitAsync("slow", second, asyncDiscard)
	if rec.ErrorCode != cancelledCode || rec.ErrorMessage != cancelledMessage || rec.EndTime == "" {
		t.Fatalf("cancelled record: %+v", rec)
	}
	te.waitAsync("slow", first, asyncSuccess)
	time.Sleep(400 * time.Millisecond) // long enough for the cancelled one to have run, had it
	if n := te.reportedCount("slow"); n != 1 {
		t.Fatalf("%d runs, want 1: the cancelled invocation ran", n)
	}
	if got := te.waitAsync("slow", second, asyncDiscard); got.Status != asyncDiscard {
		t.Fatalf("cancelled invocation changed state: %+v", got)
	}
	if code := te.cancelAsync("slow", second).errorCode(t); code != codeBadRequest {
		t.Fatalf("second cancel: %s", code)
	}
	if code := te.cancelAsync("slow", "no-such-request").errorCode(t); code != codeBadRequest {
		t.Fatalf("unknown request: %s", code)
	}

	running := te.invokeAsync("slow")
	te.waitAsync("slow", running, asyncRunning)
	if r := te.cancelAsync("slow", running); r.status != 200 {
		t.Fatalf("cancel running: %d %s", r.status, r.body)
	}
	if rec := te.waitAsync("slow", running, asyncFail); rec.ErrorCode != cancelledCode {
		t.Fatalf("cancelled while running: %+v", rec)
	}
}

func TestAsyncInvocationListFilters(t *testing.T) {
	te := startTest(t)
	te.createFunction("quick", nil)
	a := te.invokeAsync("quick")
	te.waitAsync("quick", a, asyncSuccess)
	if recs := te.asyncRecords("quick", "async-invocations?status=SUCCESS"); len(recs) != 1 || recs[0].RequestID != a || recs[0].ErrorCode != 0 {
		t.Fatalf("by status: %+v", recs)
	}
	if recs := te.asyncRecords("quick", "async-invocations?status=FAIL"); len(recs) != 0 {
		t.Fatalf("no failures expected: %+v", recs)
	}
	if recs := te.asyncRecords("quick", "active-async-invocations"); len(recs) != 0 {
		t.Fatalf("nothing is active: %+v", recs)
	}
	past := time.Now().UTC().Add(-3 * time.Hour).Format(asyncTimeLayout)
	if recs := te.asyncRecords("quick", "async-invocations?query_end_time="+past); len(recs) != 0 {
		t.Fatalf("window before the invocation: %+v", recs)
	}
}

func TestAsyncRecordsAreBounded(t *testing.T) {
	var l asyncCalls
	for i := range maxAsyncRecords + 10 {
		a := l.add(string(rune('a'+i%26))+time.Duration(i).String(), time.Now())
		if i > 5 {
			l.finish(a, asyncSuccess, 0, "")
		}
	}
	if len(l.order) != maxAsyncRecords || len(l.byID) != maxAsyncRecords {
		t.Fatalf("%d records (%d by id), want %d", len(l.order), len(l.byID), maxAsyncRecords)
	}
	for _, a := range l.order[:6] {
		if !a.active() {
			t.Fatalf("an active record was dropped before finished ones")
		}
	}
}

func TestAsyncStatusLogIsShownOnceEnabled(t *testing.T) {
	te := startTest(t)
	var info asyncStatusLog
	te.do("GET", te.path("/fgs/functions/async-status-log-detail"), nil).decode(t, &info)
	if info.GroupID != "" {
		t.Fatalf("before enabling: %+v", info)
	}
	if r := te.do("POST", te.path("/fgs/functions/enable-async-status-logs"), nil); r.status != 200 {
		t.Fatalf("enable: %d %s", r.status, r.body)
	}
	te.do("GET", te.path("/fgs/functions/async-status-log-detail"), nil).decode(t, &info)
	if info.GroupID == "" || info.StreamID == "" || info.GroupName == "" || info.StreamName == "" {
		t.Fatalf("after enabling: %+v", info)
	}
	var again asyncStatusLog
	te.do("POST", te.path("/fgs/functions/enable-async-status-logs"), nil)
	te.do("GET", te.path("/fgs/functions/async-status-log-detail"), nil).decode(t, &again)
	if again != info {
		t.Fatalf("enabling twice moved the log: %+v then %+v", info, again)
	}
}
