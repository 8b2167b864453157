package emulator

import (
	"strings"
	"testing"
)

// tourSettings calls every tag, reserved-instance, metric, log, app and
// network operation once with its success status (TestEveryOperationRoundTrip).
func tourSettings(t *testing.T, te *testEmulator, visit tour) {
	t.Helper()
	ok, u, fn := visit.ok, visit.u, visit.fn
	ok(te.do("POST", te.path("/functions/"+u+"/tags/create"), map[string]any{"tags": []kvItem{{"team", "blue"}}, "action": "create"}), 204)
	ok(te.do("GET", te.path("/functions/"+u+"/tags"), nil), 200)
	ok(te.do("GET", te.path("/functions/tags"), nil), 200)
	ok(te.do("POST", te.path("/functions/resource-instances/filter"), map[string]any{"tags": []tagItem{{"team", []string{"blue"}}}}), 200)
	ok(te.do("DELETE", te.path("/functions/"+u+"/tags/delete"), map[string]any{"tags": []kvItem{{"team", "blue"}}}), 204)

	ok(te.do("PUT", fn+"/reservedinstances", map[string]any{"count": 1}), 200)
	ok(te.do("GET", te.path("/fgs/functions/reservedinstances?urn="+u), nil), 200)
	ok(te.do("GET", te.path("/fgs/functions/reservedinstanceconfigs?function_urn="+u), nil), 200)

	ok(te.do("GET", te.path("/fgs/functions/statistics?filter=monitor_data&period=5"), nil), 200)
	ok(te.do("GET", fn+"/statistics/5", nil), 200)
	ok(te.do("GET", fn+"/slareports/5", nil), 200)
	ok(te.do("GET", fn+"/instancereports?limit=3", nil), 200)
	ok(te.do("GET", te.path("/fgs/workflow-statistic"), nil), 200)
	ok(te.do("GET", te.path("/fgs/workflow-statistic/"+esc(te.createEmptyWorkflow("tour-metrics"))+"?period=300"), nil), 200)

	ok(te.do("POST", te.path("/fgs/functions/enable-lts-logs"), nil), 200)
	ok(te.do("GET", fn+"/lts-log-detail", nil), 200)
	ok(te.do("PUT", fn+"/tracing", map[string]string{"tracing_ak": "AK-TEST", "tracing_sk": "sk-test"}), 200)
	ok(te.do("GET", fn+"/tracing", nil), 200)

	app := te.do("POST", te.path("/fgs/applications"), map[string]any{"name": "tour-app", "template_id": appTemplates[0].ID})
	ok(app, 200)
	var created struct {
		ID string `json:"application_id"`
	}
	app.decode(t, &created)
	ok(te.do("GET", te.path("/fgs/applications?limit=5"), nil), 200)
	ok(te.do("GET", te.path("/fgs/applications/"+created.ID), nil), 200)
	ok(te.do("DELETE", te.path("/fgs/applications/"+created.ID), nil), 200)
	ok(te.do("GET", te.path("/fgs/application/templates?runtime=Python3.9"), nil), 200)
	ok(te.do("GET", te.path("/fgs/application/templates/"+appTemplates[0].ID), nil), 200)
	ok(te.do("GET", te.path("/fgs/templates?maxitems=2"), nil), 200)
	ok(te.do("GET", te.path("/fgs/templates/"+functionTemplates[0].ID), nil), 200)

	ok(te.do("POST", te.path("/fgs/vpc-endpoint"), map[string]string{"vpc_id": "vpc-1", "subnet_id": "subnet-1"}), 200)
	ok(te.do("DELETE", te.path("/fgs/vpc-endpoint/vpc-1/subnet-1"), nil), 200)
	ok(te.do("GET", fn+"/servicebridge/relation", nil), 200)
	ok(te.do("GET", te.path("/fgs/servicebridge/version?type=dubbo"), nil), 200)
}

// createEmptyWorkflow creates a workflow without states and returns its URN.
func (te *testEmulator) createEmptyWorkflow(name string) string {
	te.t.Helper()
	r := te.do("POST", te.path("/fgs/workflows"), map[string]any{"name": name, "start": "s", "constants": map[string]any{},
		"retries": []any{}, "functions": []any{}, "states": []any{}, "mode": "NORMAL"})
	if r.status != 200 {
		te.t.Fatalf("create workflow %s: %d %s", name, r.status, r.body)
	}
	var w workflow
	r.decode(te.t, &w)
	return w.WorkflowURN
}

func TestTagsFilterResourceInstances(t *testing.T) {
	te := startTest(t)
	for _, name := range []string{"red", "blue", "plain"} {
		te.createFunction(name, nil)
	}
	tag := func(name string, kv ...kvItem) {
		r := te.do("POST", te.path("/functions/"+esc(te.fnURN(name))+"/tags/create"), map[string]any{"tags": kv})
		if r.status != 204 {
			t.Fatalf("tag %s: %d %s", name, r.status, r.body)
		}
	}
	tag("red", kvItem{"colour", "red"}, kvItem{"team", "a"})
	tag("blue", kvItem{"colour", "blue"}, kvItem{"team", "a"})

	var got struct {
		Resources []struct {
			ResourceName   string            `json:"resource_name"`
			ResourceDetail map[string]string `json:"resource_detail"`
			Tags           []kvItem          `json:"tags"`
		}
		TotalCount int `json:"total_count"`
	}
	names := func(body map[string]any) string {
		te.do("POST", te.path("/functions/resource-instances/filter"), body).decode(t, &got)
		var out []string
		for _, r := range got.Resources {
			out = append(out, r.ResourceName)
		}
		return strings.Join(out, ",")
	}
	if n := names(map[string]any{"tags": []tagItem{{"team", []string{"a"}}}}); n != "red,blue" || got.TotalCount != 2 {
		t.Errorf("team=a: %q (total %d), want red,blue", n, got.TotalCount)
	}
	if n := names(map[string]any{"tags": []tagItem{{"team", nil}, {"colour", []string{"blue", "green"}}}}); n != "blue" {
		t.Errorf("team and colour in blue,green: %q, want blue", n)
	}
	if n := names(map[string]any{"without_any_tag": true}); n != "plain" {
		t.Errorf("without_any_tag: %q, want plain", n)
	}
	if n := names(map[string]any{"matches": []kvItem{{"resource_name", "re"}}}); n != "red" {
		t.Errorf("resource_name contains re: %q, want red", n)
	}
	if n := names(map[string]any{"limit": "1", "offset": 1}); n != "blue" || got.TotalCount != 3 {
		t.Errorf("limit 1 offset 1: %q (total %d), want blue of 3", n, got.TotalCount)
	}
	var count struct {
		TotalCount int `json:"total_count"`
	}
	te.do("POST", te.path("/functions/resource-instances/count"), map[string]any{"tags": []tagItem{{"colour", nil}}}).decode(t, &count)
	if count.TotalCount != 2 {
		t.Errorf("count of colour-tagged: %d, want 2", count.TotalCount)
	}

	// Deleting a tag takes the function out of the filter; the project list follows.
	r := te.do("DELETE", te.path("/functions/"+esc(te.fnURN("red"))+"/tags/delete"), map[string]any{"tags": []kvItem{{Key: "team"}}})
	if r.status != 204 {
		t.Fatalf("delete tag: %d %s", r.status, r.body)
	}
	if n := names(map[string]any{"tags": []tagItem{{"team", nil}}}); n != "blue" {
		t.Errorf("after deleting red's team tag: %q, want blue", n)
	}
	var project struct {
		Tags []tagItem `json:"tags"`
	}
	te.do("GET", te.path("/functions/tags"), nil).decode(t, &project)
	if len(project.Tags) != 2 || project.Tags[0].Key != "colour" || strings.Join(project.Tags[0].Values, ",") != "blue,red" ||
		project.Tags[1].Key != "team" || strings.Join(project.Tags[1].Values, ",") != "a" {
		t.Errorf("project tags: %+v", project.Tags)
	}
}

func TestTagsNameTheFunctionByURNOrResourceID(t *testing.T) {
	te := startTest(t)
	cfg := te.createFunction("byid", nil)
	id, _ := cfg["func_id"].(string)
	if r := te.do("POST", te.path("/functions/"+id+"/tags/create"), map[string]any{"tags": []kvItem{{"k", "v"}}}); r.status != 204 {
		t.Fatalf("tag by resource ID: %d %s", r.status, r.body)
	}
	var tags struct {
		Tags    []kvItem `json:"tags"`
		SysTags []kvItem `json:"sys_tags"`
	}
	te.do("GET", te.path("/functions/"+esc(te.fnURN("byid"))+"/tags"), nil).decode(t, &tags)
	if len(tags.Tags) != 1 || tags.Tags[0] != (kvItem{"k", "v"}) || len(tags.SysTags) != 1 || tags.SysTags[0].Key != sysTagEnterpriseProject {
		t.Fatalf("tags by URN: %+v", tags)
	}
	te.strict = false
	te.do("GET", te.path("/functions/no-such-id/tags"), nil).expectError(t, "unknown resource", 404, codeFunctionNotFound)
}

func TestReservedCountVisibleOnRead(t *testing.T) {
	te := startTest(t)
	te.createFunction("warm", nil)
	u := esc(te.fnURN("warm"))
	r := te.do("PUT", te.path("/fgs/functions/"+u+"/reservedinstances"), map[string]any{"count": 3, "idle_mode": true})
	if r.status != 200 || !strings.Contains(string(r.body), `"count":3`) {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	var counts struct {
		Reserved []struct {
			FuncURN string `json:"func_urn"`
			Count   int    `json:"count"`
		} `json:"reservedinstances"`
		Count int `json:"count"`
	}
	te.do("GET", te.path("/fgs/functions/reservedinstances"), nil).decode(t, &counts)
	if len(counts.Reserved) != 1 || counts.Reserved[0].Count != 3 || counts.Reserved[0].FuncURN != te.fnURN("warm") {
		t.Fatalf("counts: %+v", counts)
	}
	var configs struct {
		Reserved []struct {
			QualifierName string `json:"qualifier_name"`
			MinCount      int    `json:"min_count"`
			IdleMode      bool   `json:"idle_mode"`
		} `json:"reserved_instances"`
	}
	te.do("GET", te.path("/fgs/functions/reservedinstanceconfigs?function_urn="+u), nil).decode(t, &configs)
	if len(configs.Reserved) != 1 || configs.Reserved[0].MinCount != 3 || !configs.Reserved[0].IdleMode || configs.Reserved[0].QualifierName != "latest" {
		t.Fatalf("configs: %+v", configs)
	}
	var quotas struct {
		Quotas struct {
			Resources []struct {
				Type string
				Used int
			}
		}
	}
	te.do("GET", te.path("/fgs/quotas"), nil).decode(t, &quotas)
	for _, q := range quotas.Quotas.Resources {
		if q.Type == "fgs_func_occurs" && q.Used != 3 {
			t.Errorf("fgs_func_occurs used %d, want 3", q.Used)
		}
	}
	te.strict = false
	if r := te.do("PUT", te.path("/fgs/functions/"+u+"/reservedinstances"), map[string]any{"count": reservedQuota + 1}); r.status != 400 {
		t.Errorf("over the quota: %d %s", r.status, r.body)
	}
	te.do("PUT", te.path("/fgs/functions/"+u+"/reservedinstances"), map[string]any{"count": 0})
	te.do("GET", te.path("/fgs/functions/reservedinstances"), nil).decode(t, &counts)
	if len(counts.Reserved) != 0 {
		t.Fatalf("count 0 should remove the setting: %+v", counts)
	}
}

func TestMetricsReflectInvocations(t *testing.T) {
	te := startTest(t)
	te.createFunction("busy", nil)
	te.createFunction("broken", map[string]any{"user_data": `{"FGH_HANDLER":"fail"}`})
	for range 4 {
		te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN("busy"))+"/invocations"), `{}`)
	}
	te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN("broken"))+"/invocations"), `{}`)

	type series []point
	total := func(s series) float64 {
		n := 0.0
		for _, p := range s {
			if p.Value != noData {
				n += p.Value
			}
		}
		return n
	}
	var stats map[string]series
	te.do("GET", te.path("/fgs/functions/"+esc(te.fnURN("busy"))+"/statistics/10"), nil).decode(t, &stats)
	if total(stats["count"]) != 4 || total(stats["fail_count"]) != 0 || len(stats["count"]) != 10 {
		t.Fatalf("busy statistics: count %v fail %v (%d points)", total(stats["count"]), total(stats["fail_count"]), len(stats["count"]))
	}
	if last := stats["duration"][len(stats["duration"])-1]; last.Value < 0 {
		t.Errorf("the current minute ran, yet duration is %v", last.Value)
	}
	if first := stats["count"][0]; first.Value != noData {
		t.Errorf("nine minutes ago nothing ran, yet count is %v", first.Value)
	}
	te.do("GET", te.path("/fgs/functions/"+esc(te.fnURN("broken"))+"/slareports/10"), nil).decode(t, &stats)
	if total(stats["count"]) != 1 || total(stats["fail_count"]) != 1 || total(stats["instance_num"]) < 1 {
		t.Fatalf("broken SLA report: %v", stats)
	}
	var tenant struct {
		Statistics map[string]series `json:"statistics"`
	}
	te.do("GET", te.path("/fgs/functions/statistics?filter=monitor_data&period=10"), nil).decode(t, &tenant)
	if total(tenant.Statistics["count"]) != 5 || total(tenant.Statistics["fail_count"]) != 1 {
		t.Fatalf("tenant statistics: %v", tenant.Statistics)
	}
	var monthly struct {
		Count []struct {
			Date  string
			Value float64
		}
	}
	te.do("GET", te.path("/fgs/functions/statistics?filter=monthly_report&option=0"), nil).decode(t, &monthly)
	if len(monthly.Count) != 1 || monthly.Count[0].Value != 5 {
		t.Fatalf("monthly report: %+v", monthly)
	}
}

func TestTracingAndLTSVisibleOnRead(t *testing.T) {
	te := startTest(t)
	te.createFunction("traced", nil)
	fn := te.path("/fgs/functions/" + esc(te.fnURN("traced")))
	var lts map[string]string
	te.do("GET", fn+"/lts-log-detail", nil).decode(t, &lts)
	if len(lts) != 0 {
		t.Fatalf("LTS before enabling: %v", lts)
	}
	te.do("POST", te.path("/fgs/functions/enable-lts-logs"), nil)
	te.do("GET", fn+"/lts-log-detail", nil).decode(t, &lts)
	if lts["group_name"] != ltsGroupName || lts["group_id"] == "" || !strings.HasSuffix(lts["stream_name"], "traced") {
		t.Fatalf("LTS after enabling: %v", lts)
	}

	te.do("PUT", fn+"/tracing", map[string]string{"tracing_ak": "AK-TEST", "tracing_sk": "secret-test"})
	var keys map[string]string
	te.do("GET", fn+"/tracing", nil).decode(t, &keys)
	if keys["tracing_ak"] != "AK-TEST" || keys["tracing_sk"] != maskedSecret {
		t.Fatalf("tracing: %v", keys)
	}
	if r := te.do("PUT", fn+"/tracing", map[string]string{}); r.status != 200 {
		t.Fatalf("switch tracing off: %d %s", r.status, r.body)
	}
	keys = nil // decoding into a map keeps the keys it had
	te.do("GET", fn+"/tracing", nil).decode(t, &keys)
	if len(keys) != 0 {
		t.Fatalf("tracing switched off: %v", keys)
	}
	te.strict = false
	if r := te.do("PUT", fn+"/tracing", map[string]string{"tracing_ak": "only-ak"}); r.status != 400 {
		t.Fatalf("AK without SK: %d %s", r.status, r.body)
	}
}

func TestAppCreateShowDelete(t *testing.T) {
	te := startTest(t)
	r := te.do("POST", te.path("/fgs/applications"), map[string]any{"name": "shop", "template_id": appTemplates[1].ID, "params": map[string]string{"func_name": "cart"}})
	var created struct {
		ID string `json:"application_id"`
	}
	r.decode(t, &created)
	var app map[string]any
	te.do("GET", te.path("/fgs/applications/"+created.ID), nil).decode(t, &app)
	if app["name"] != "shop" || app["stack_resources"].(map[string]any)["physical_resource_name"] != "cart" {
		t.Fatalf("shown: %v", app)
	}
	var list struct {
		Applications []struct{ ID, Name string }
		Count        int
	}
	te.do("GET", te.path("/fgs/applications"), nil).decode(t, &list)
	if list.Count != 1 || list.Applications[0].ID != created.ID {
		t.Fatalf("listed: %+v", list)
	}
	te.strict = false
	if r := te.do("POST", te.path("/fgs/applications"), map[string]any{"name": "shop"}); r.status != 409 {
		t.Fatalf("same name again: %d %s", r.status, r.body)
	}
	if r := te.do("POST", te.path("/fgs/applications"), map[string]any{"template_id": "no-such-template"}); r.status != 404 {
		t.Fatalf("unknown template: %d %s", r.status, r.body)
	}
	te.do("DELETE", te.path("/fgs/applications/"+created.ID), nil)
	if r := te.do("GET", te.path("/fgs/applications/"+created.ID), nil); r.status != 404 {
		t.Fatalf("after delete: %d %s", r.status, r.body)
	}
	te.do("GET", te.path("/fgs/applications"), nil).decode(t, &list)
	if list.Count != 0 {
		t.Fatalf("listed after delete: %+v", list)
	}
}

func TestTemplateCatalogue(t *testing.T) {
	te := startTest(t)
	var list struct {
		Templates []functionTemplate `json:"func_templates"`
	}
	te.do("GET", te.path("/fgs/templates?runtime=python3.9&service=OBS"), nil).decode(t, &list)
	if len(list.Templates) != 1 || list.Templates[0].ID != "fgh-obs-python" {
		t.Fatalf("filtered: %+v", list)
	}
	te.strict = false
	te.do("GET", te.path("/fgs/templates/nope"), nil).expectError(t, "unknown template", 404, codeTemplateNotFound)
}

func TestVpcEndpointIsPerSubnet(t *testing.T) {
	te := startTest(t)
	var a, b struct {
		Endpoints []string
		Address   string
	}
	te.do("POST", te.path("/fgs/vpc-endpoint"), map[string]string{"vpc_id": "v", "subnet_id": "s"}).decode(t, &a)
	te.do("POST", te.path("/fgs/vpc-endpoint"), map[string]string{"vpc_id": "v", "subnet_id": "s"}).decode(t, &b)
	if len(a.Endpoints) != 1 || a.Endpoints[0] != b.Endpoints[0] || a.Address != b.Address || !strings.HasPrefix(a.Address, "192.168.") {
		t.Fatalf("same subnet twice: %+v %+v", a, b)
	}
	te.strict = false
	te.do("DELETE", te.path("/fgs/vpc-endpoint/v/s"), nil)
	if r := te.do("DELETE", te.path("/fgs/vpc-endpoint/v/s"), nil); r.status != 404 {
		t.Fatalf("deleted twice: %d %s", r.status, r.body)
	}
}

func TestWorkflowMetricsReflectExecutions(t *testing.T) {
	te := startTest(t)
	te.createFunction("step-ok", nil)
	te.createFunction("step-bad", map[string]any{"user_data": `{"FGH_HANDLER":"fail"}`})
	good := te.createFlow(flowDef(te, "measured-good", "s1:step-ok", "s2:"))
	bad := te.createFlow(flowDef(te, "measured-bad", "s1:step-bad", "s2:"))
	for _, id := range []string{good, good, bad} {
		te.do("POST", te.path("/fgs/workflows/"+id+"/sync-executions"), map[string]any{"input": map[string]any{}})
	}
	var w workflow
	te.do("GET", te.path("/fgs/workflows/"+good), nil).decode(t, &w)

	var got map[string][]point
	last := func(m string) float64 { return got[m][len(got[m])-1].Value }
	te.do("GET", te.path("/fgs/workflow-statistic/"+esc(w.WorkflowURN)), nil).decode(t, &got)
	if last("count") != 2 || last("fail_count") != 0 || last("duration") < 0 || last("running_count") != 2 {
		t.Fatalf("good workflow, last point: count %v fail %v duration %v running %v", last("count"), last("fail_count"), last("duration"), last("running_count"))
	}
	if first := got["count"][0].Value; first != noData {
		t.Errorf("an hour ago nothing ran, yet count is %v", first)
	}
	got = nil // decoding into a map keeps the keys it had
	te.do("GET", te.path("/fgs/workflow-statistic?metric_type=fail_count"), nil).decode(t, &got)
	if len(got) != 1 || last("fail_count") != 1 {
		t.Fatalf("tenant fail_count: %v", got)
	}
	te.strict = false
	if r := te.do("GET", te.path("/fgs/workflow-statistic/"+esc(strings.Replace(w.WorkflowURN, "measured-good", "absent", 1))), nil); r.status != 404 {
		t.Fatalf("unknown workflow: %d %s", r.status, r.body)
	}
}
