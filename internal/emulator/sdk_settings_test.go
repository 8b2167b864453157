package emulator

import (
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"

	urns "github.com/fgharness/fgharness/internal/urn"
)

// sdkSettingSteps drive the tag, reserved instance, metric, LTS and
// tracing, application and template, and network operations through the
// official SDK over AK/SK, checking each answer decodes with the members
// the operation promises.
var sdkSettingSteps = []sdkStep{sdkInvokeTwice, sdkTags, sdkReservedInstances, sdkMetrics, sdkLogsAndTracing, sdkAppsAndTemplates, sdkNetwork}

// sdkInvokeTwice gives the metric operations something to count.
func sdkInvokeTwice(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	for range 2 {
		if _, err := h.c.InvokeFunction(&model.InvokeFunctionRequest{FunctionUrn: urn, Body: map[string]interface{}{"k": "v"}}); err != nil {
			t.Fatalf("invoke: %v", err)
		}
	}
}

func sdkTags(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	tags := []model.KvItem{{Key: ptr("team"), Value: ptr("blue")}}
	if _, err := c.CreateTags(&model.CreateTagsRequest{ResourceType: "functions", ResourceId: urn,
		Body: &model.UpdateFunctionTagsRequestBody{Action: ptr("create"), Tags: &tags}}); err != nil {
		t.Fatalf("create tags: %v", err)
	}
	listed, err := c.ListFunctionTags(&model.ListFunctionTagsRequest{ResourceType: "functions", ResourceId: urn})
	if err != nil || listed.Tags == nil || len(*listed.Tags) != 1 || *(*listed.Tags)[0].Value != "blue" || listed.SysTags == nil {
		t.Fatalf("list function tags: %v %+v", err, listed)
	}
	project, err := c.ShowProjectTagsList(&model.ShowProjectTagsListRequest{ResourceType: "functions"})
	if err != nil || project.Tags == nil || len(*project.Tags) != 1 || (*(*project.Tags)[0].Values)[0] != "blue" {
		t.Fatalf("project tags: %v %+v", err, project)
	}
	matches := []model.KvItem{{Key: ptr("resource_name"), Value: ptr("sdk-set")}}
	found, err := c.ShowResInstanceInfo(&model.ShowResInstanceInfoRequest{ResourceType: "functions", Action: "filter",
		Body: &model.ListEnterpriseResourceRequestBody{Limit: ptr("10"), Offset: ptr("0"), Matches: &matches}})
	if err != nil || found.Resources == nil || len(*found.Resources) != 1 || *(*found.Resources)[0].ResourceDetail.DetailId != urn {
		t.Fatalf("filter resources: %v %+v", err, found)
	}
	counted, err := c.ShowResInstanceInfo(&model.ShowResInstanceInfoRequest{ResourceType: "functions", Action: "count",
		Body: &model.ListEnterpriseResourceRequestBody{WithoutAnyTag: ptr(true)}})
	if err != nil || counted.TotalCount == nil || *counted.TotalCount != 0 {
		t.Fatalf("count untagged resources: %v %+v", err, counted)
	}
	if _, err := c.DeleteTags(&model.DeleteTagsRequest{ResourceType: "functions", ResourceId: urn,
		Body: &model.UpdateFunctionTagsRequestBody{Tags: &tags}}); err != nil {
		t.Fatalf("delete tags: %v", err)
	}
}

func sdkReservedInstances(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	updated, err := c.UpdateFunctionReservedInstancesCount(&model.UpdateFunctionReservedInstancesCountRequest{FunctionUrn: urn,
		Body: &model.UpdateFunctionReservedInstancesCountRequestBody{Count: 2, IdleMode: ptr(true)}})
	if err != nil || *updated.Count != 2 || !*updated.IdleMode {
		t.Fatalf("update reserved instances: %v %+v", err, updated)
	}
	counts, err := c.ListFunctionReservedInstances(&model.ListFunctionReservedInstancesRequest{Urn: ptr(urn)})
	if err != nil || len(*counts.Reservedinstances) != 1 || (*counts.Reservedinstances)[0].Count != 2 || counts.PageInfo == nil {
		t.Fatalf("list reserved instances: %v %+v", err, counts)
	}
	configs, err := c.ListReservedInstanceConfigs(&model.ListReservedInstanceConfigsRequest{FunctionUrn: ptr(urn), Limit: ptr("10")})
	if err != nil || len(*configs.ReservedInstances) != 1 || *(*configs.ReservedInstances)[0].MinCount != 2 {
		t.Fatalf("list reserved instance configs: %v %+v", err, configs)
	}
	series, err := c.ShowFuncReservedInstanceMetrics(&model.ShowFuncReservedInstanceMetricsRequest{FuncUrn: urn, Limit: ptr("5")})
	if err != nil || series.ReservedInstanceNum == nil || len(*series.ReservedInstanceNum) != 5 || series.InstanceNum == nil {
		t.Fatalf("reserved instance metrics: %v %+v", err, series)
	}
}

func sdkMetrics(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	total := func(points *[]model.SlaReportsValue) float64 {
		n := 0.0
		for _, p := range *points {
			if *p.Value > 0 {
				n += *p.Value
			}
		}
		return n
	}
	stats, err := c.ListFunctionStatistics(&model.ListFunctionStatisticsRequest{FuncUrn: urn, Period: "5"})
	if err != nil || stats.Count == nil || total(stats.Count) != 2 || stats.Duration == nil {
		t.Fatalf("function statistics: %v %+v", err, stats)
	}
	sla, err := c.ShowFunctionMetrics(&model.ShowFunctionMetricsRequest{FuncUrn: urn, Period: "5"})
	if err != nil || sla.Count == nil || total(sla.Count) != 2 || sla.InstanceNum == nil {
		t.Fatalf("SLA report: %v %+v", err, sla)
	}
	tenant, err := c.ListStatistics(&model.ListStatisticsRequest{Filter: model.GetListStatisticsRequestFilterEnum().MONITOR_DATA, Period: ptr("5")})
	if err != nil || tenant.Statistics == nil || total(tenant.Statistics.Count) != 2 {
		t.Fatalf("tenant statistics: %v %+v", err, tenant)
	}
	monthly, err := c.ListStatistics(&model.ListStatisticsRequest{Filter: model.GetListStatisticsRequestFilterEnum().MONTHLY_REPORT, Option: ptr("0")})
	if err != nil || monthly.Count == nil || len(*monthly.Count) != 1 || (*monthly.Count)[0].Value != 2 {
		t.Fatalf("monthly report: %v %+v", err, monthly)
	}
	flows, err := c.ShowTenantMetric(&model.ShowTenantMetricRequest{})
	if err != nil || flows.Count == nil || flows.RunningCount == nil {
		t.Fatalf("tenant workflow metrics: %v %+v", err, flows)
	}
	fn, perr := urns.Parse(urn)
	if perr != nil {
		t.Fatal(perr)
	}
	_, err = c.ShowWorkFlowMetric(&model.ShowWorkFlowMetricRequest{WorkflowUrn: urns.Workflow(fn.Region, fn.ProjectID, "default", "absent").String()})
	var se *sdkerr.ServiceResponseError
	if !asErr(err, &se) || se.StatusCode != 404 {
		t.Fatalf("metrics of an unknown workflow: %v", err)
	}
	ranked, err := c.ListFunctionAsMetric(&model.ListFunctionAsMetricRequest{Type: ptr("count")})
	if err != nil || ranked.Values == nil || *(*ranked.Values)[0].Value != 2 {
		t.Fatalf("functions ranked by count: %v %+v", err, ranked)
	}
	quotas, err := c.ListQuotas(&model.ListQuotasRequest{})
	if err != nil || quotas.Quotas == nil || len(quotas.Quotas.Resources) == 0 {
		t.Fatalf("quotas: %v %+v", err, quotas)
	}
}

func sdkLogsAndTracing(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	if _, err := c.EnableLtsLogs(&model.EnableLtsLogsRequest{}); err != nil {
		t.Fatalf("enable LTS: %v", err)
	}
	lts, err := c.ShowLtsLogDetails(&model.ShowLtsLogDetailsRequest{FunctionUrn: urn})
	if err != nil || lts.GroupId == nil || lts.StreamName == nil {
		t.Fatalf("LTS details: %v %+v", err, lts)
	}
	if _, err := c.UpdateTracing(&model.UpdateTracingRequest{FunctionUrn: urn,
		Body: &model.UpdateTracingRequestBody{TracingAk: ptr("AK-SDK"), TracingSk: ptr("sk-sdk")}}); err != nil {
		t.Fatalf("update tracing: %v", err)
	}
	tracing, err := c.ShowTracing(&model.ShowTracingRequest{FunctionUrn: urn})
	if err != nil || *tracing.TracingAk != "AK-SDK" || *tracing.TracingSk != maskedSecret {
		t.Fatalf("show tracing: %v %+v", err, tracing)
	}
}

func sdkAppsAndTemplates(t *testing.T, h *sdkHarness, _ string) {
	t.Helper()
	c := h.c
	templates, err := c.ListAppTemplates(&model.ListAppTemplatesRequest{Maxitems: ptr("10")})
	if err != nil || templates.Templates == nil || len(*templates.Templates) == 0 {
		t.Fatalf("app templates: %v %+v", err, templates)
	}
	tid := *(*templates.Templates)[0].Id
	tpl, err := c.ShowAppTemplate(&model.ShowAppTemplateRequest{Id: tid})
	if err != nil || tpl.Params == nil || tpl.Resources == nil {
		t.Fatalf("app template: %v %+v", err, tpl)
	}
	app, err := c.CreateFunctionApp(&model.CreateFunctionAppRequest{Body: &model.CreateFunctionAppRequestBody{Name: ptr("sdk-app"), TemplateId: &tid}})
	if err != nil || app.ApplicationId == nil {
		t.Fatalf("create app: %v %+v", err, app)
	}
	apps, err := c.ListFunctionApplications(&model.ListFunctionApplicationsRequest{})
	if err != nil || *apps.Count != 1 || *(*apps.Applications)[0].Id != *app.ApplicationId {
		t.Fatalf("list apps: %v %+v", err, apps)
	}
	shown, err := c.ShowFunctionApp(&model.ShowFunctionAppRequest{Id: *app.ApplicationId})
	if err != nil || *shown.Name != "sdk-app" || shown.StackResources == nil {
		t.Fatalf("show app: %v %+v", err, shown)
	}
	if _, err := c.DeleteFunctionApp(&model.DeleteFunctionAppRequest{Id: *app.ApplicationId}); err != nil {
		t.Fatalf("delete app: %v", err)
	}
	fts, err := c.ListFunctionTemplate(&model.ListFunctionTemplateRequest{Runtime: ptr("Python3.9")})
	if err != nil || fts.FuncTemplates == nil || len(*fts.FuncTemplates) == 0 {
		t.Fatalf("function templates: %v %+v", err, fts)
	}
	ft, err := c.ShowFunctionTemplate(&model.ShowFunctionTemplateRequest{TemplateId: *(*fts.FuncTemplates)[0].Id})
	if err != nil || ft.Handler == nil || ft.Code == nil {
		t.Fatalf("function template: %v %+v", err, ft)
	}
}

func sdkNetwork(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	ep, err := c.CreateVpcEndpoint(&model.CreateVpcEndpointRequest{Body: &model.CreateVpcEndpointRequestBody{VpcId: "vpc-sdk", SubnetId: "subnet-sdk"}})
	if err != nil || ep.Endpoints == nil || len(*ep.Endpoints) != 1 || ep.Address == nil {
		t.Fatalf("create VPC endpoint: %v %+v", err, ep)
	}
	if _, err := c.DeleteVpcEndpoint(&model.DeleteVpcEndpointRequest{VpcId: "vpc-sdk", SubnetId: "subnet-sdk"}); err != nil {
		t.Fatalf("delete VPC endpoint: %v", err)
	}
	bridged, err := c.ListBridgeFunctions(&model.ListBridgeFunctionsRequest{FunctionUrn: urn})
	if err != nil || bridged.Body == nil || len(*bridged.Body) != 0 {
		t.Fatalf("bridge functions: %v %+v", err, bridged)
	}
	versions, err := c.ListBridgeVersions(&model.ListBridgeVersionsRequest{Type: "DUBBO"})
	if err != nil || versions.Body == nil || len(*versions.Body) == 0 || (*versions.Body)[0].Version == nil {
		t.Fatalf("bridge versions: %v %+v", err, versions)
	}
}
