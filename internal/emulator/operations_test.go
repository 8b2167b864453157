package emulator

import (
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/fgharness/fgharness/spec"
)

func TestEveryOperationHasAHandler(t *testing.T) {
	sp, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	handlers := operationHandlers()
	for _, op := range sp.Operations() {
		if op.Document != spec.FunctionGraph && op.Document != spec.IAM {
			continue
		}
		if handlers[op.ID] == nil {
			t.Errorf("%s has no emulator handler", op)
		}
	}
}

// tour is the function TestEveryOperationRoundTrip tours with, as the tour
// parts in other files use it: its name, escaped URN and path, and the
// status check.
type tour struct {
	ok          func(r response, want int)
	name, u, fn string
}

// TestEveryOperationRoundTrip calls every functiongraph and iam operation
// over loopback; each exchange is checked against the spec (startTest's
// client), and every operation must have answered its success status.
func TestEveryOperationRoundTrip(t *testing.T) {
	te := startTest(t)
	te.createFunction("tour", nil)
	u := esc(te.fnURN("tour"))
	fn := te.path("/fgs/functions/" + u)
	ok := statusCheck(t)

	ok(te.do("GET", te.path("/fgs/functions?marker=0&maxitems=10&package_name=default"), nil), 200)
	ok(te.do("GET", fn+"/config", nil), 200)
	ok(te.do("PUT", fn+"/config", map[string]any{"func_name": "tour", "runtime": "Python3.9", "timeout": 30, "handler": "index.handler", "memory_size": 128}), 200)
	ok(te.do("GET", fn+"/code", nil), 200)
	ok(te.do("PUT", fn+"/code", map[string]any{"code_type": "inline", "func_code": map[string]string{"file": "cHJpbnQoMSkK"}}), 200)
	ok(te.do("POST", fn+"/invocations", `{"hello":"world"}`, "X-Cff-Log-Type", "tail", "X-CFF-Request-Version", "v1"), 200)
	ok(te.do("POST", fn+"/invocations-async", `{"hello":"async"}`), 202)
	ok(te.do("GET", fn+"/async-invoke-config", nil), 200)
	ok(te.do("PUT", fn+"/async-invoke-config", map[string]any{"max_async_event_age_in_seconds": 120, "max_async_retry_attempts": 2}), 200)
	ok(te.do("DELETE", fn+"/async-invoke-config", nil), 204)
	ok(te.do("POST", fn+"/versions", map[string]string{"version": "v1"}), 200)
	ok(te.do("GET", fn+"/versions?maxitems=5", nil), 200)
	ok(te.do("POST", fn+"/aliases", map[string]any{"name": "stable", "version": "v1"}), 200)
	ok(te.do("GET", fn+"/aliases", nil), 200)

	trig := te.do("POST", te.path("/fgs/triggers/"+u), map[string]any{
		"trigger_type_code": "TIMER", "trigger_status": "ACTIVE", "event_type_code": "MessageCreated",
		"event_data": map[string]any{"name": "Timer-download", "schedule_type": "Rate", "schedule": "1d"},
	})
	ok(trig, 201)
	var tr struct {
		ID string `json:"trigger_id"`
	}
	trig.decode(t, &tr)
	ok(te.do("GET", te.path("/fgs/triggers/"+u), nil), 200)
	ok(te.do("DELETE", te.path("/fgs/triggers/"+u+"/TIMER/"+tr.ID), nil), 204)

	wf := map[string]any{"name": "tour-flow", "start": "s1", "constants": map[string]any{}, "retries": []any{},
		"functions": []any{map[string]any{"name": "tour", "operation": te.fnURN("tour")}},
		"states":    []any{}, "mode": "NORMAL"}
	created := te.do("POST", te.path("/fgs/workflows"), wf)
	ok(created, 200)
	var w workflow
	created.decode(t, &w)
	ok(te.do("GET", te.path("/fgs/workflows?limit=50&offset=0&workflow_name=tour&mode=NORMAL"), nil), 200)
	ok(te.do("DELETE", te.path("/fgs/workflows"), map[string]any{"workflow_urns": []string{w.WorkflowURN}}), 200)
	tourWorkflowExecutions(t, te)

	dep := te.do("POST", te.path("/fgs/dependencies"), map[string]any{"depend_type": "zip", "depend_file": "UEsDBA==", "runtime": "Python3.9", "name": "tour-dep"})
	ok(dep, 200)
	dep2 := te.do("POST", te.path("/fgs/dependencies/version"), map[string]any{"depend_type": "obs", "depend_link": "https://bucket.obs.example.com/depends/tour.zip", "runtime": "Python3.9", "name": "tour-dep"})
	ok(dep2, 200)
	var d dependencyRef
	dep2.decode(t, &d)
	if d.Version != 2 {
		t.Fatalf("second version of tour-dep is %d", d.Version)
	}
	ok(te.do("GET", te.path("/fgs/dependencies?marker=0&maxitems=10&dependency_type=all"), nil), 200)
	ok(te.do("GET", te.path("/fgs/dependencies/"+d.DepID+"/version"), nil), 200)
	ok(te.do("GET", te.path("/fgs/dependencies/"+d.DepID+"/version/2"), nil), 200)
	ok(te.do("DELETE", te.path("/fgs/dependencies/"+d.DepID+"/version/2"), nil), 204)

	ok(te.do("GET", te.path("/fgs/function/report?type=count"), nil), 200)
	ok(te.do("GET", te.path("/fgs/quotas"), nil), 200)

	tok := te.do("POST", "/v3/auth/tokens", map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": DefaultUser, "password": DefaultPassword, "domain": map[string]any{"name": "dev"}}}},
		"scope": map[string]any{"project": map[string]any{"id": te.project()}}}}, "X-Auth-Token", "")
	ok(tok, 201)
	issued := tok.header.Get("X-Subject-Token")
	ok(te.do("GET", fn+"/config", nil, "X-Auth-Token", issued), 200)

	visit := tour{ok: ok, name: "tour", u: u, fn: fn}
	tourSettings(t, te, visit)
	tourFunctionExtras(t, te, visit)
	ok(te.do("DELETE", fn, nil), 204)

	em := te.local.Emulator
	for _, op := range te.spec.Operations() {
		if op.Document != spec.FunctionGraph && op.Document != spec.IAM {
			continue
		}
		if n := testutil.ToFloat64(em.metrics.requests.WithLabelValues(op.ID, strconv.Itoa(op.SuccessStatus()))); n == 0 {
			t.Errorf("%s was never answered %d", op, op.SuccessStatus())
		}
	}
}

func TestListWorkflowsNormalisesPaging(t *testing.T) {
	te := startTest(t)
	for i := range 3 {
		r := te.do("POST", te.path("/fgs/workflows"), map[string]any{"name": "flow" + strconv.Itoa(i), "start": "s", "constants": map[string]any{},
			"retries": []any{}, "functions": []any{}, "states": []any{}, "mode": []string{"NORMAL", "EXPRESS", "NORMAL"}[i]})
		if r.status != 200 {
			t.Fatalf("create: %s", r.body)
		}
	}
	te.strict = false // offset=-1 is outside the spec's minimum, but the documents normalise it
	var got struct {
		Total, Size int
		Workflows   []workflow
	}
	te.do("GET", te.path("/fgs/workflows?limit=500&offset=-3"), nil).decode(t, &got)
	if got.Total != 3 || got.Size != 3 || got.Workflows[0].Name != "flow0" {
		t.Fatalf("normalised page: %+v", got)
	}
	te.do("GET", te.path("/fgs/workflows?mode=EXPRESS"), nil).decode(t, &got)
	if got.Total != 1 || got.Workflows[0].Name != "flow1" {
		t.Fatalf("mode filter: %+v", got)
	}
	te.do("GET", te.path("/fgs/workflows?limit=1&offset=2"), nil).decode(t, &got)
	if got.Size != 1 || got.Workflows[0].Name != "flow2" {
		t.Fatalf("offset: %+v", got)
	}
}

func TestMetricsReportCountsInvocations(t *testing.T) {
	te := startTest(t)
	te.createFunction("ok", nil)
	te.createFunction("bad", map[string]any{"user_data": `{"FGH_HANDLER":"fail","FGH_ERROR_MESSAGE":"boom"}`})
	for range 3 {
		te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN("ok"))+"/invocations"), `{}`)
	}
	r := te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN("bad"))+"/invocations"), `{}`)
	var inv struct {
		Result string
		Status int
	}
	r.decode(t, &inv)
	if r.status != 200 || inv.Status != 500 || !strings.Contains(inv.Result, "boom") || r.header.Get("X-Is-Func-Err") != "true" {
		t.Fatalf("fail handler: %d %s %v", r.status, r.body, r.header)
	}
	var rep struct {
		Values []struct {
			Key   string
			Value int
		}
	}
	te.do("GET", te.path("/fgs/function/report?type=count"), nil).decode(t, &rep)
	if len(rep.Values) != 2 || rep.Values[0].Value != 3 || !strings.HasSuffix(rep.Values[0].Key, ":ok") {
		t.Fatalf("count report: %+v", rep)
	}
	te.do("GET", te.path("/fgs/function/report"), nil).decode(t, &rep)
	if rep.Values[0].Value != 1 || !strings.HasSuffix(rep.Values[0].Key, ":bad") {
		t.Fatalf("failcount report: %+v", rep)
	}
}
