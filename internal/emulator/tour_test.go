package emulator

import (
	"encoding/base64"
	"net/url"
	"testing"
)

// tourFunctionExtras answers every alias, trigger, async-queue, test-event,
// import/export and single-setting operation once with its success status,
// for TestEveryOperationRoundTrip. visit's function has a published version
// v1; each exchange is spec-checked by te.
func tourFunctionExtras(t *testing.T, te *testEmulator, visit tour) {
	t.Helper()
	ok, name, u, fn := visit.ok, visit.name, visit.u, visit.fn

	ok(te.do("POST", fn+"/aliases", map[string]any{"name": "tour", "version": "latest"}), 200)
	ok(te.do("GET", fn+"/aliases/tour", nil), 200)
	ok(te.do("PUT", fn+"/aliases/tour", map[string]any{"version": "latest", "additional_version_weights": map[string]int{"v1": 10}}), 200)
	ok(te.do("DELETE", fn+"/aliases/tour", nil), 204)

	trig := te.do("POST", te.path("/fgs/triggers/"+u), map[string]any{
		"trigger_type_code": "TIMER", "trigger_status": "DISABLED",
		"event_data": map[string]any{"name": "Timer-tour", "schedule_type": "Rate", "schedule": "1d"},
	})
	ok(trig, 201)
	var tr struct {
		ID string `json:"trigger_id"`
	}
	trig.decode(t, &tr)
	ok(te.do("GET", te.path("/fgs/triggers/"+u+"/TIMER/"+tr.ID), nil), 200)
	ok(te.do("PUT", te.path("/fgs/triggers/"+u+"/TIMER/"+tr.ID), map[string]any{"trigger_status": "ACTIVE"}), 200)
	ok(te.do("DELETE", te.path("/fgs/triggers/"+u), nil), 204)

	ok(te.do("PUT", fn+"/async-invoke-config", map[string]any{"max_async_retry_attempts": 0}), 200)
	ok(te.do("GET", fn+"/async-invoke-configs?limit=10", nil), 200)
	ok(te.do("POST", te.path("/fgs/functions/enable-async-status-logs"), nil), 200)
	ok(te.do("GET", te.path("/fgs/functions/async-status-log-detail"), nil), 200)
	slow := name + "-queued" // its own name: other tours make a "-slow" function
	te.createSleeper(slow, "200ms")
	su := te.path("/fgs/functions/" + esc(te.fnURN(slow)))
	ok(te.do("PUT", su+"/config-max-instance", map[string]any{"max_instance_num": 1}), 200)
	running := te.invokeAsync(slow)
	te.waitAsync(slow, running, asyncRunning)
	queued := te.invokeAsync(slow) // waits for the one instance
	ok(te.do("GET", su+"/active-async-invocations?requests="+queued, nil), 200)
	ok(te.do("GET", su+"/async-invocations?request_id="+queued, nil), 200)
	ok(te.cancelAsync(slow, queued), 200)

	created := te.do("POST", fn+"/events", map[string]string{"name": "tour-event", "content": "eyJrIjoidiJ9"})
	ok(created, 200)
	var ev testEventRef
	created.decode(t, &ev)
	ok(te.do("GET", fn+"/events", nil), 200)
	ok(te.do("GET", fn+"/events/"+ev.ID, nil), 200)
	ok(te.do("PUT", fn+"/events/"+ev.ID, map[string]string{"content": "e30="}), 200)
	ok(te.do("DELETE", fn+"/events/"+ev.ID, nil), 204)

	ok(te.do("PUT", te.path("/fgs/functions/"+u+"/collect/true"), nil), 200)
	java := name + "-java"
	te.createFunction(java, map[string]any{"runtime": "Java11", "handler": "com.example.Handler::handle"})
	ju := te.path("/fgs/functions/" + esc(te.fnURN(java)))
	ok(te.do("POST", ju+"/versions", map[string]string{"version": "v1"}), 200)
	jv := te.path("/fgs/functions/" + url.PathEscape(te.fnURN(java)[:len(te.fnURN(java))-len("latest")]+"v1"))
	ok(te.do("POST", jv+"/snapshots/enable", nil), 200)
	ok(te.do("GET", jv+"/snapshots/state", nil), 200)

	export := te.do("GET", fn+"/export?code=true&config=true", nil)
	ok(export, 200)
	ok(te.do("POST", te.path("/fgs/functions/import"), map[string]string{
		"func_name": name + "-copy", "file_name": name + ".zip", "file_type": "zip",
		"file_code": base64.StdEncoding.EncodeToString(export.body),
	}), 200)
}
