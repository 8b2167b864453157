package emulator

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// timerTest is an emulator whose timer clock runs 600 times faster: a "1m"
// rate fires every 100 ms.
func timerTest(t *testing.T) *testEmulator {
	return startTest(t, func(c *Config) { c.TimerSpeedup = 600 })
}

func (te *testEmulator) createTimer(fn, status, kind, schedule string) *trigger {
	te.t.Helper()
	body := map[string]any{"trigger_type_code": "TIMER", "event_type_code": "MessageCreated",
		"event_data": map[string]any{"name": "timer-" + fn, "schedule_type": kind, "schedule": schedule, "user_event": "from " + fn}}
	if status != "" {
		body["trigger_status"] = status
	}
	r := te.do("POST", te.path("/fgs/triggers/"+esc(te.fnURN(fn))), body)
	var out struct {
		ID string `json:"trigger_id"`
	}
	r.decode(te.t, &out)
	if r.status != 201 {
		te.t.Fatalf("create trigger: %d %s", r.status, r.body)
	}
	s := te.local.Emulator.store
	var t *trigger
	s.read(func() { t = s.functions[fnKey{"default", fn}].triggers[out.ID] })
	return t
}

// reportedCount is the function's invocation count as GET .../function/report says.
func (te *testEmulator) reportedCount(fn string) int {
	te.t.Helper()
	var rep struct {
		Values []struct {
			Key   string
			Value int
		}
	}
	te.do("GET", te.path("/fgs/function/report?type=count&limit=100"), nil).decode(te.t, &rep)
	for _, v := range rep.Values {
		if strings.HasSuffix(v.Key, ":"+fn) {
			return v.Value
		}
	}
	return 0
}

// waitFor polls cond every 20 ms for up to 5 s.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func TestTimerRateInvokesThroughTheAsyncPath(t *testing.T) {
	te := timerTest(t)
	te.createFunction("ticker", nil)
	tr := te.createTimer("ticker", "ACTIVE", "Rate", "1m")
	if !waitFor(func() bool { return te.reportedCount("ticker") >= 3 }) {
		t.Fatalf("a 1m rate at speedup 600 ran %d invocations in 5 s", te.reportedCount("ticker"))
	}
	if tr.fires.Load() < 3 {
		t.Errorf("trigger counted %d firings", tr.fires.Load())
	}
	if n := testutil.ToFloat64(te.local.Emulator.metrics.timerFires.WithLabelValues("queued")); n < 3 {
		t.Errorf("timer_trigger_fires_total{outcome=queued} = %v", n)
	}
}

func TestTimerCronFires(t *testing.T) {
	te := timerTest(t)
	te.createFunction("cron", nil)
	te.createTimer("cron", "", "Cron", "CRON_TZ=UTC 0 * * * * ?") // every minute at second 0
	if !waitFor(func() bool { return te.reportedCount("cron") >= 2 }) {
		t.Fatalf("an every-minute cron at speedup 600 ran %d invocations in 5 s", te.reportedCount("cron"))
	}
}

func TestDisabledTimerNeverFires(t *testing.T) {
	te := timerTest(t)
	te.createFunction("quiet", nil)
	te.createFunction("loud", nil)
	quiet := te.createTimer("quiet", "DISABLED", "Rate", "1m")
	te.createTimer("loud", "ACTIVE", "Rate", "1m")
	// Once the active timer has fired twice, the disabled one has had as long.
	if !waitFor(func() bool { return te.reportedCount("loud") >= 2 }) {
		t.Fatal("the active timer never fired")
	}
	if n := te.reportedCount("quiet"); n != 0 || quiet.fires.Load() != 0 {
		t.Fatalf("a DISABLED timer invoked its function %d times", n)
	}
}

func TestDeletingTriggerOrFunctionStopsTheTimer(t *testing.T) {
	te := timerTest(t)
	te.createFunction("a", nil)
	te.createFunction("b", nil)
	ta := te.createTimer("a", "ACTIVE", "Rate", "1m")
	tb := te.createTimer("b", "ACTIVE", "Rate", "1m")
	if !waitFor(func() bool { return ta.fires.Load() >= 1 && tb.fires.Load() >= 1 }) {
		t.Fatal("the timers never fired")
	}
	if r := te.do("DELETE", te.path("/fgs/triggers/"+esc(te.fnURN("a"))+"/TIMER/"+ta.TriggerID), nil); r.status != 204 {
		t.Fatalf("delete trigger: %d %s", r.status, r.body)
	}
	if r := te.do("DELETE", te.path("/fgs/functions/"+esc(te.fnURN("b"))), nil); r.status != 204 {
		t.Fatalf("delete function: %d %s", r.status, r.body)
	}
	time.Sleep(100 * time.Millisecond) // a firing that was under way when the trigger went
	fa, fb := ta.fires.Load(), tb.fires.Load()
	time.Sleep(500 * time.Millisecond) // five periods
	if ta.fires.Load() != fa || tb.fires.Load() != fb {
		t.Fatalf("timers kept firing after deletion: trigger %d→%d, function %d→%d", fa, ta.fires.Load(), fb, tb.fires.Load())
	}
}

func TestTimerConfigRefusesBadSpeedup(t *testing.T) {
	for _, s := range []float64{0.5, -1, maxTimerSpeedup + 1} {
		cfg := DefaultConfig()
		cfg.TimerSpeedup = s
		if _, err := New(cfg); err == nil {
			t.Errorf("TimerSpeedup %v accepted", s)
		}
	}
}
