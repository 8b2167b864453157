package emulator

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"
)

// sdkFunctionSteps drive the import/export, single-setting, alias, trigger,
// async queue and test event operations through the official SDK over
// AK/SK, checking each answer decodes with the members it promises.
var sdkFunctionSteps = []sdkStep{sdkImportExport, sdkFunctionSettings, sdkAliases, sdkTriggerUpdates, sdkAsyncQueue, sdkTestEvents}

func sdkImportExport(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	// the SDK declares no body for export and decodes any body as JSON, so
	// a zip answer reaches its caller as a decoding error with status 200
	_, err := c.ExportFunction(&model.ExportFunctionRequest{FunctionUrn: urn, Type: ptr("code")})
	var decodeErr *sdkerr.ServiceResponseError
	if err != nil && (!errors.As(err, &decodeErr) || decodeErr.StatusCode != http.StatusOK) {
		t.Fatalf("export: %v", err)
	}
	var pkg bytes.Buffer
	zw := zip.NewWriter(&pkg)
	w, _ := zw.Create("index.py")
	_, _ = w.Write([]byte("def handler(event, context):\n    return event\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	imported, err := c.ImportFunction(&model.ImportFunctionRequest{Body: &model.ImportFunctionRequestBody{
		FuncName: "sdk-imported", FileName: "code.zip", FileType: "zip", FileCode: base64.StdEncoding.EncodeToString(pkg.Bytes()),
	}})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	expectDecoded(t, imported, "func_urn", "func_name", "runtime", "handler", "code_size", "digest", "last_modified")
}

func sdkFunctionSettings(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	base := strings.TrimSuffix(urn, ":latest")
	limited, err := c.UpdateFunctionMaxInstanceConfig(&model.UpdateFunctionMaxInstanceConfigRequest{FunctionUrn: base + ":latest",
		Body: &model.UpdateFunctionMaxInstanceConfigRequestBody{MaxInstanceNum: ptr(int32(5))}})
	if err != nil || limited.StrategyConfig == nil || limited.StrategyConfig.Concurrency != 5 {
		t.Fatalf("max instances: %v %+v", err, limited)
	}
	if _, err := c.UpdateFunctionCollectState(&model.UpdateFunctionCollectStateRequest{FuncUrn: base, State: "true"}); err != nil {
		t.Fatalf("pin: %v", err)
	}

	java := h.javaVersion(t, "sdk-java")
	if _, err := c.UpdateFuncSnapshot(&model.UpdateFuncSnapshotRequest{FunctionUrn: java,
		Action: model.GetUpdateFuncSnapshotRequestActionEnum().ENABLE}); err != nil {
		t.Fatalf("enable snapshot: %v", err)
	}
	state, err := c.ShowFuncSnapshotState(&model.ShowFuncSnapshotStateRequest{FunctionUrn: java,
		Action: model.GetShowFuncSnapshotStateRequestActionEnum().STATE})
	if err != nil || state.State == nil || *state.State != "enable" {
		t.Fatalf("snapshot state: %v %+v", err, state)
	}
}

// javaVersion creates a Java function, publishes v1 and returns v1's URN.
func (h *sdkHarness) javaVersion(t *testing.T, name string) string {
	t.Helper()
	codeType := model.GetCreateFunctionRequestBodyCodeTypeEnum().INLINE
	created, err := h.c.CreateFunction(&model.CreateFunctionRequest{Body: &model.CreateFunctionRequestBody{
		FuncName: name, Package: "default", Runtime: model.GetCreateFunctionRequestBodyRuntimeEnum().JAVA11,
		Timeout: 30, Handler: "com.example.Handler::handle", MemorySize: 128, CodeType: &codeType,
		FuncCode: &model.FuncCode{File: ptr("aW1wb3J0IGpzb24K")},
	}})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	if _, err := h.c.CreateFunctionVersion(&model.CreateFunctionVersionRequest{FunctionUrn: strings.TrimSuffix(*created.FuncUrn, ":latest"),
		Body: &model.CreateFunctionVersionRequestBody{Version: ptr("v1")}}); err != nil {
		t.Fatalf("publish %s: %v", name, err)
	}
	return strings.TrimSuffix(*created.FuncUrn, ":latest") + ":v1"
}

func sdkAliases(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	fn := strings.TrimSuffix(urn, ":latest")
	if _, err := c.CreateFunctionVersion(&model.CreateFunctionVersionRequest{FunctionUrn: fn,
		Body: &model.CreateFunctionVersionRequestBody{Version: ptr("v1")}}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if _, err := c.CreateVersionAlias(&model.CreateVersionAliasRequest{FunctionUrn: fn,
		Body: &model.CreateVersionAliasRequestBody{Name: "sdk", Version: "latest"}}); err != nil {
		t.Fatalf("create alias: %v", err)
	}
	updated, err := c.UpdateVersionAlias(&model.UpdateVersionAliasRequest{FunctionUrn: fn, AliasName: "sdk",
		Body: &model.UpdateVersionAliasRequestBody{Version: "latest", AdditionalVersionWeights: map[string]int32{"v1": 10}}})
	if err != nil || updated.AdditionalVersionWeights["v1"] != 10 {
		t.Fatalf("update alias: %v %+v", err, updated)
	}
	shown, err := c.ShowVersionAlias(&model.ShowVersionAliasRequest{FunctionUrn: fn, AliasName: "sdk"})
	if err != nil {
		t.Fatalf("show alias: %v", err)
	}
	expectDecoded(t, shown, "name", "version", "last_modified", "alias_urn", "additional_version_weights")
	if _, err := c.DeleteVersionAlias(&model.DeleteVersionAliasRequest{FunctionUrn: fn, AliasName: "sdk"}); err != nil {
		t.Fatalf("delete alias: %v", err)
	}
}

func sdkTriggerUpdates(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	kind := model.GetTriggerEventDataRequestBodyScheduleTypeEnum().RATE
	disabled := model.GetCreateFunctionTriggerRequestBodyTriggerStatusEnum().DISABLED
	created, err := c.CreateFunctionTrigger(&model.CreateFunctionTriggerRequest{FunctionUrn: urn, Body: &model.CreateFunctionTriggerRequestBody{
		TriggerTypeCode: model.GetCreateFunctionTriggerRequestBodyTriggerTypeCodeEnum().TIMER, TriggerStatus: &disabled,
		EventData: &model.TriggerEventDataRequestBody{Name: ptr("sdk-timer"), ScheduleType: &kind, Schedule: ptr("1d")},
	}})
	if err != nil {
		t.Fatalf("create trigger: %v", err)
	}
	shown, err := c.ShowFunctionTrigger(&model.ShowFunctionTriggerRequest{FunctionUrn: urn, TriggerId: *created.TriggerId,
		TriggerTypeCode: model.GetShowFunctionTriggerRequestTriggerTypeCodeEnum().TIMER})
	if err != nil {
		t.Fatalf("show trigger: %v", err)
	}
	expectDecoded(t, shown, "trigger_id", "trigger_type_code", "trigger_status", "event_data", "last_updated_time", "created_time")
	active := model.GetUpdateTriggerRequestBodyTriggerStatusEnum().ACTIVE
	updated, err := c.UpdateTrigger(&model.UpdateTriggerRequest{FunctionUrn: urn, TriggerId: *created.TriggerId,
		TriggerTypeCode: model.GetUpdateTriggerRequestTriggerTypeCodeEnum().TIMER, Body: &model.UpdateTriggerRequestBody{TriggerStatus: &active}})
	if err != nil || updated.TriggerStatus == nil || updated.TriggerStatus.Value() != "ACTIVE" {
		t.Fatalf("enable trigger: %v %+v", err, updated)
	}
	if _, err := c.BatchDeleteFunctionTriggers(&model.BatchDeleteFunctionTriggersRequest{FunctionUrn: urn}); err != nil {
		t.Fatalf("delete all triggers: %v", err)
	}
}

func sdkAsyncQueue(t *testing.T, h *sdkHarness, _ string) {
	t.Helper()
	c := h.c
	urn := h.function(t, "sdk-queue", `{"FGH_HANDLER":"sleep","FGH_SLEEP":"300ms"}`)
	if _, err := c.UpdateFunctionMaxInstanceConfig(&model.UpdateFunctionMaxInstanceConfigRequest{FunctionUrn: urn,
		Body: &model.UpdateFunctionMaxInstanceConfigRequestBody{MaxInstanceNum: ptr(int32(1))}}); err != nil {
		t.Fatalf("max instances: %v", err)
	}
	first, err := c.AsyncInvokeFunction(&model.AsyncInvokeFunctionRequest{FunctionUrn: urn, Body: map[string]interface{}{"n": 1}})
	if err != nil {
		t.Fatalf("async invoke: %v", err)
	}
	second, err := c.AsyncInvokeFunction(&model.AsyncInvokeFunctionRequest{FunctionUrn: urn, Body: map[string]interface{}{"n": 2}})
	if err != nil {
		t.Fatalf("async invoke: %v", err)
	}
	active, err := c.ListActiveAsyncInvocations(&model.ListActiveAsyncInvocationsRequest{FunctionUrn: urn, Requests: second.RequestId})
	if err != nil || active.Invocations == nil || len(*active.Invocations) != 1 {
		t.Fatalf("active invocations: %v %+v", err, active)
	}
	expectDecoded(t, &(*active.Invocations)[0], "request_id", "status", "start_time")
	if _, err := c.CancelAsyncInvocation(&model.CancelAsyncInvocationRequest{FunctionUrn: urn,
		Body: &model.CancelAsyncInvocationRequestBody{RequestId: *second.RequestId}}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		listed, err := c.ListAsyncInvocations(&model.ListAsyncInvocationsRequest{FunctionUrn: urn, RequestId: first.RequestId})
		if err != nil || listed.Invocations == nil || len(*listed.Invocations) != 1 {
			t.Fatalf("list invocations: %v %+v", err, listed)
		}
		if rec := (*listed.Invocations)[0]; rec.Status.Value() == asyncSuccess {
			expectDecoded(t, &rec, "request_id", "status", "start_time", "end_time")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first invocation never succeeded: %+v", *listed.Invocations)
		}
		time.Sleep(20 * time.Millisecond)
	}

	if _, err := c.UpdateFunctionAsyncInvokeConfig(&model.UpdateFunctionAsyncInvokeConfigRequest{FunctionUrn: urn,
		Body: &model.UpdateFunctionAsyncInvokeConfigRequestBody{MaxAsyncRetryAttempts: ptr(int32(0))}}); err != nil {
		t.Fatalf("async config: %v", err)
	}
	configs, err := c.ListFunctionAsyncInvokeConfig(&model.ListFunctionAsyncInvokeConfigRequest{FunctionUrn: urn})
	if err != nil || configs.AsyncInvokeConfigs == nil || len(*configs.AsyncInvokeConfigs) != 1 {
		t.Fatalf("list async configs: %v %+v", err, configs)
	}
	expectDecoded(t, configs, "async_invoke_configs", "count", "page_info")
	if _, err := c.EnableAsyncStatusLog(&model.EnableAsyncStatusLogRequest{}); err != nil {
		t.Fatalf("enable status log: %v", err)
	}
	info, err := c.ShowProjectAsyncStatusLogInfo(&model.ShowProjectAsyncStatusLogInfoRequest{})
	if err != nil {
		t.Fatalf("status log info: %v", err)
	}
	expectDecoded(t, info, "group_name", "group_id", "stream_id", "stream_name")
}

func sdkTestEvents(t *testing.T, h *sdkHarness, urn string) {
	t.Helper()
	c := h.c
	created, err := c.CreateEvent(&model.CreateEventRequest{FunctionUrn: urn,
		Body: &model.CreateEventRequestBody{Name: "sdk-event", Content: "eyJrIjoidiJ9"}})
	if err != nil {
		t.Fatalf("create event: %v", err)
	}
	expectDecoded(t, created, "id", "name")
	listed, err := c.ListEvents(&model.ListEventsRequest{FunctionUrn: urn})
	if err != nil || listed.Events == nil || len(*listed.Events) != 1 {
		t.Fatalf("list events: %v %+v", err, listed)
	}
	shown, err := c.ShowEvent(&model.ShowEventRequest{FunctionUrn: urn, EventId: *created.Id})
	if err != nil {
		t.Fatalf("show event: %v", err)
	}
	expectDecoded(t, shown, "id", "name", "content", "last_modified")
	if _, err := c.UpdateEvent(&model.UpdateEventRequest{FunctionUrn: urn, EventId: *created.Id,
		Body: &model.UpdateEventRequestBody{Content: "e30="}}); err != nil {
		t.Fatalf("update event: %v", err)
	}
	if _, err := c.DeleteEvent(&model.DeleteEventRequest{FunctionUrn: urn, EventId: *created.Id}); err != nil {
		t.Fatalf("delete event: %v", err)
	}
	_, err = c.ShowEvent(&model.ShowEventRequest{FunctionUrn: urn, EventId: *created.Id})
	var gone *sdkerr.ServiceResponseError
	if !errors.As(err, &gone) || gone.StatusCode != http.StatusNotFound {
		t.Fatalf("a deleted event is still shown: %v", err)
	}
}
