package emulator

import (
	"context"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	functiongraph "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"
)

func sdkClient(t *testing.T, l *Local, sk string) *functiongraph.FunctionGraphClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(l.Config.AK).WithSk(sk).WithProjectId(l.Config.ProjectID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := functiongraph.FunctionGraphClientBuilder().
		WithEndpoints([]string{l.URL}).
		WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithIgnoreSSLVerification(true)).
		SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return functiongraph.NewFunctionGraphClient(hc)
}

func ptr[T any](v T) *T { return &v }

// TestOfficialSDK drives the emulator with the official Go SDK over AK/SK.
func TestOfficialSDK(t *testing.T) {
	l, err := StartLocal(context.Background(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	c := sdkClient(t, l, l.Config.SK)

	codeType := model.GetCreateFunctionRequestBodyCodeTypeEnum().INLINE
	created, err := c.CreateFunction(&model.CreateFunctionRequest{Body: &model.CreateFunctionRequestBody{
		FuncName: "sdk-hello", Package: "default", Runtime: model.GetCreateFunctionRequestBodyRuntimeEnum().PYTHON3_9,
		Timeout: 30, Handler: "index.handler", MemorySize: 128, CodeType: &codeType,
		FuncCode: &model.FuncCode{File: ptr("aW1wb3J0IGpzb24K")},
	}})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	urn := *created.FuncUrn
	if _, err := c.ShowFunctionConfig(&model.ShowFunctionConfigRequest{FunctionUrn: urn}); err != nil {
		t.Fatalf("show: %v", err)
	}
	updated, err := c.UpdateFunctionConfig(&model.UpdateFunctionConfigRequest{FunctionUrn: urn, Body: &model.UpdateFunctionConfigRequestBody{
		FuncName: "sdk-hello", Runtime: model.GetUpdateFunctionConfigRequestBodyRuntimeEnum().PYTHON3_9,
		Timeout: 60, Handler: "index.handler", MemorySize: 256,
	}})
	if err != nil || *updated.MemorySize != 256 {
		t.Fatalf("update: %v", err)
	}
	inv, err := c.InvokeFunction(&model.InvokeFunctionRequest{FunctionUrn: urn, XCffLogType: ptr("tail"), Body: map[string]interface{}{"k": "v"}})
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if *inv.Result != `{"k":"v"}` || *inv.RequestId != *inv.XCffRequestId || *inv.Status != 200 {
		t.Fatalf("invoke answer: %+v", inv)
	}
	async, err := c.AsyncInvokeFunction(&model.AsyncInvokeFunctionRequest{FunctionUrn: urn, Body: map[string]interface{}{"a": 1}})
	if err != nil || async.RequestId == nil {
		t.Fatalf("async invoke: %v", err)
	}
	ver, err := c.CreateFunctionVersion(&model.CreateFunctionVersionRequest{FunctionUrn: urn, Body: &model.CreateFunctionVersionRequestBody{Version: ptr("v1")}})
	if err != nil || *ver.Version != "v1" {
		t.Fatalf("publish: %v", err)
	}
	versions, err := c.ListFunctionVersions(&model.ListFunctionVersionsRequest{FunctionUrn: urn})
	if err != nil || len(*versions.Versions) != 2 {
		t.Fatalf("list versions: %v %+v", err, versions)
	}
	fns, err := c.ListFunctions(&model.ListFunctionsRequest{})
	if err != nil || *fns.Count != 1 {
		t.Fatalf("list functions: %v", err)
	}

	mode := model.GetWorkflowCreateBodyModeEnum().NORMAL
	var constants interface{} = map[string]interface{}{}
	wf, err := c.CreateWorkflow(&model.CreateWorkflowRequest{Body: &model.WorkflowCreateBody{
		Name: "sdk-flow", Start: "s1", Mode: &mode, Constants: &constants, Retries: []model.Retry{},
		Functions: []model.Function{{Name: "hello", Operation: urn}},
		States:    []model.OperationState{},
	}})
	if err != nil {
		t.Fatalf("create workflow: %v", err)
	}
	wfs, err := c.ListWorkflow(&model.ListWorkflowRequest{Limit: ptr(int32(500))})
	if err != nil || *wfs.Total != 1 {
		t.Fatalf("list workflows: %v", err)
	}
	del, err := c.BatchDeleteWorkflows(&model.BatchDeleteWorkflowsRequest{Body: &model.WorkflowDeleteBody{WorkflowUrns: []string{*wf.WorkflowUrn, "urn:fss:r:p:workflow:default:nope:latest"}}})
	if err != nil || len(*del.Success) != 1 || len(*del.Fail) != 1 {
		t.Fatalf("batch delete workflows: %v %+v", err, del)
	}

	dep, err := c.CreateDependencyVersion(&model.CreateDependencyVersionRequest{Body: &model.CreateDependencyRequestBody{
		DependType: "zip", DependFile: ptr("UEsDBA=="), Name: "sdk-dep",
		Runtime: model.GetCreateDependencyRequestBodyRuntimeEnum().PYTHON3_9,
	}})
	if err != nil || *dep.Version != 1 {
		t.Fatalf("create dependency: %v", err)
	}
	deps, err := c.ListDependencies(&model.ListDependenciesRequest{})
	if err != nil || *deps.Count < 4 {
		t.Fatalf("list dependencies: %v", err)
	}
	if _, err := c.ListDependencyVersion(&model.ListDependencyVersionRequest{DependId: *dep.DepId}); err != nil {
		t.Fatalf("list dependency versions: %v", err)
	}

	trig, err := c.CreateFunctionTrigger(&model.CreateFunctionTriggerRequest{FunctionUrn: urn, Body: &model.CreateFunctionTriggerRequestBody{
		TriggerTypeCode: model.GetCreateFunctionTriggerRequestBodyTriggerTypeCodeEnum().TIMER,
		EventData:       &model.TriggerEventDataRequestBody{Name: ptr("every-day"), ScheduleType: ptr(model.GetTriggerEventDataRequestBodyScheduleTypeEnum().RATE), Schedule: ptr("1d")},
	}})
	if err != nil {
		t.Fatalf("create trigger: %v", err)
	}
	if _, err := c.DeleteFunctionTrigger(&model.DeleteFunctionTriggerRequest{FunctionUrn: urn, TriggerTypeCode: model.GetDeleteFunctionTriggerRequestTriggerTypeCodeEnum().TIMER, TriggerId: *trig.TriggerId}); err != nil {
		t.Fatalf("delete trigger: %v", err)
	}
	if _, err := c.DeleteFunction(&model.DeleteFunctionRequest{FunctionUrn: urn}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = c.ShowFunctionConfig(&model.ShowFunctionConfigRequest{FunctionUrn: urn})
	var se *sdkerr.ServiceResponseError
	if !asErr(err, &se) || se.StatusCode != 404 || se.ErrorCode != codeFunctionNotFound {
		t.Fatalf("show after delete: %v", err)
	}

	_, err = sdkClient(t, l, "wrong-secret").ListFunctions(&model.ListFunctionsRequest{})
	if !asErr(err, &se) || se.StatusCode != 401 || !strings.HasPrefix(se.ErrorCode, "FSS.0401") {
		t.Fatalf("wrong SK: %v", err)
	}
}

func asErr(err error, target **sdkerr.ServiceResponseError) bool {
	se, ok := err.(*sdkerr.ServiceResponseError)
	if ok {
		*target = se
	}
	return ok
}
