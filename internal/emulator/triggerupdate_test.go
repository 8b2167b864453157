package emulator

import (
	"strings"
	"testing"
	"time"
)

// Disabling a timer trigger is visible in show and stops its firings;
// enabling it again starts them again.
func TestDisablingATimerTriggerStopsIt(t *testing.T) {
	te := timerTest(t)
	te.createFunction("toggle", nil)
	tr := te.createTimer("toggle", "ACTIVE", "Rate", "1m")
	one := te.path("/fgs/triggers/" + esc(te.fnURN("toggle")) + "/TIMER/" + tr.TriggerID)
	if !waitFor(func() bool { return te.reportedCount("toggle") >= 1 }) {
		t.Fatal("the timer never fired")
	}
	r := te.do("PUT", one, map[string]string{"trigger_status": "DISABLED"})
	var shown struct {
		Status    string         `json:"trigger_status"`
		EventData map[string]any `json:"event_data"`
	}
	r.decode(t, &shown)
	if r.status != 200 || shown.Status != "DISABLED" || shown.EventData["schedule"] != "1m" {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	te.do("GET", one, nil).decode(t, &shown)
	if shown.Status != "DISABLED" {
		t.Fatalf("show after disable: %+v", shown)
	}
	time.Sleep(150 * time.Millisecond) // a firing under way when it was disabled
	before := te.reportedCount("toggle")
	time.Sleep(400 * time.Millisecond) // four periods
	if after := te.reportedCount("toggle"); after != before {
		t.Fatalf("a disabled timer kept firing: %d → %d", before, after)
	}
	if r := te.do("PUT", one, map[string]string{"trigger_status": "ACTIVE"}); r.status != 200 {
		t.Fatalf("enable: %d %s", r.status, r.body)
	}
	if !waitFor(func() bool { return te.reportedCount("toggle") > before }) {
		t.Fatal("the re-enabled timer never fired")
	}
}

func TestTriggerShowAndPollingSettings(t *testing.T) {
	te := startTest(t)
	te.createFunction("mq", nil)
	u := esc(te.fnURN("mq"))
	r := te.do("POST", te.path("/fgs/triggers/"+u), map[string]any{"trigger_type_code": "KAFKA", "trigger_status": "ACTIVE",
		"event_data": map[string]any{"instance_id": "i-1", "topic_ids": []string{"t1"}, "batch_size": 100}})
	var tr struct {
		ID string `json:"trigger_id"`
	}
	r.decode(t, &tr)
	one := te.path("/fgs/triggers/" + u + "/KAFKA/" + tr.ID)
	if code := te.do("GET", te.path("/fgs/triggers/"+u+"/TIMER/"+tr.ID), nil).errorCode(t); code != codeNotFound {
		t.Fatalf("show with the wrong type: %s", code)
	}
	r = te.do("PUT", one, map[string]any{"event_data": []any{map[string]any{"polling_interval": 5, "polling_unit": "s", "is_serial": true}}})
	if r.status != 200 || !strings.Contains(string(r.body), `"polling_unit":"s"`) || !strings.Contains(string(r.body), `"instance_id":"i-1"`) {
		t.Fatalf("polling update: %d %s", r.status, r.body)
	}
	if r := te.do("GET", one, nil); r.status != 200 || !strings.Contains(string(r.body), `"is_serial":"true"`) {
		t.Fatalf("show: %d %s", r.status, r.body)
	}
}

// Deleting all triggers of a version leaves the others; of latest, all go.
func TestBatchDeleteTriggersByQualifier(t *testing.T) {
	te := startTest(t)
	te.createFunction("many", nil)
	te.publish("many", "v1")
	latest := te.fnURN("many")
	v1 := strings.TrimSuffix(latest, "latest") + "v1"
	for _, u := range []string{latest, v1, v1} {
		r := te.do("POST", te.path("/fgs/triggers/"+esc(u)), map[string]any{"trigger_type_code": "TIMER", "trigger_status": "DISABLED",
			"event_data": map[string]any{"name": "t", "schedule_type": "Rate", "schedule": "1d"}})
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
	}
	count := func() int {
		var list []map[string]any
		te.do("GET", te.path("/fgs/triggers/"+esc(latest)), nil).decode(t, &list)
		return len(list)
	}
	if r := te.do("DELETE", te.path("/fgs/triggers/"+esc(v1)), nil); r.status != 204 || count() != 1 {
		t.Fatalf("delete v1's triggers: %d, %d left", r.status, count())
	}
	if r := te.do("DELETE", te.path("/fgs/triggers/"+esc(latest)), nil); r.status != 204 || count() != 0 {
		t.Fatalf("delete all: %d, %d left", r.status, count())
	}
}
