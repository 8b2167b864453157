package emulator

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	functiongraph "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"

	"github.com/fgharness/fgharness/internal/sdkref"
)

// sdkAreaCases drive each API area's operations through the official SDK,
// one function per sdk_<area>_test.go file. Add your area's line here; its
// function gets a harness whose client records every operation it sends.
var sdkAreaCases = map[string]func(t *testing.T, h *sdkHarness){
	"core":      sdkCoreCases,
	"functions": sdkSteps("sdk-functions", sdkFunctionSteps...),
	"settings":  sdkSteps("sdk-settings", sdkSettingSteps...),
	"workflows": sdkWorkflowCases,
}

// sdkStep drives some operations through h's client on the function urn.
type sdkStep func(t *testing.T, h *sdkHarness, urn string)

// sdkSteps is an area case that runs steps in order on one new function.
func sdkSteps(name string, steps ...sdkStep) func(*testing.T, *sdkHarness) {
	return func(t *testing.T, h *sdkHarness) {
		urn := h.function(t, name, "")
		for _, step := range steps {
			step(t, h, urn)
		}
	}
}

// sdkNotYetDriven lists SDK operations no area case drives yet, with the
// helper adding them. It only shrinks and must end EMPTY:
// TestOfficialSDKDrivesEveryOperation fails when a listed operation is
// driven (delete its line) and when an unlisted one is not.
var sdkNotYetDriven = map[string]string{}

// TestOfficialSDKDrivesEveryOperation runs every area's SDK cases, each
// against an emulator of its own, and checks that together they sent every
// operation of the SDK's FunctionGraphClient.
func TestOfficialSDKDrivesEveryOperation(t *testing.T) {
	rec := &sdkRecorder{next: http.DefaultTransport, seen: map[string]bool{}}
	areas := make([]string, 0, len(sdkAreaCases))
	for area := range sdkAreaCases {
		areas = append(areas, area)
	}
	sort.Strings(areas)
	for _, area := range areas {
		t.Run(area, func(t *testing.T) { sdkAreaCases[area](t, newSDKHarness(t, rec)) })
	}
	driven := rec.driven()
	var gaps []string
	for _, op := range sdkref.Operations() {
		owner, pending := sdkNotYetDriven[op.Name]
		switch {
		case pending && driven[op.Name]:
			gaps = append(gaps, op.Name+" is driven now: remove it from sdkNotYetDriven")
		case !pending && !driven[op.Name]:
			gaps = append(gaps, fmt.Sprintf("%s (%s %s) is not driven by any SDK case", op.Name, op.Method, op.Path))
		case pending:
			t.Logf("pending (%s): %s", owner, op.Name)
		}
	}
	if len(gaps) > 0 {
		t.Errorf("%d gaps:\n  %s", len(gaps), strings.Join(gaps, "\n  "))
	}
}

// sdkHarness is one emulator and an official SDK client (AK/SK signing)
// whose transport records the operations it sends.
type sdkHarness struct {
	local *Local
	c     *functiongraph.FunctionGraphClient
	rec   *sdkRecorder
}

func newSDKHarness(t *testing.T, rec *sdkRecorder) *sdkHarness {
	t.Helper()
	l, err := StartLocal(context.Background(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	return &sdkHarness{local: l, c: sdkClientVia(t, l, l.Config.SK, rec), rec: rec}
}

// function creates a function through the SDK (user_data picks its
// behaviour, see HANDLERS.md) and returns its URN.
func (h *sdkHarness) function(t *testing.T, name, userData string) string {
	t.Helper()
	codeType := model.GetCreateFunctionRequestBodyCodeTypeEnum().INLINE
	body := &model.CreateFunctionRequestBody{
		FuncName: name, Package: "default", Runtime: model.GetCreateFunctionRequestBodyRuntimeEnum().PYTHON3_9,
		Timeout: 30, Handler: "index.handler", MemorySize: 128, CodeType: &codeType,
		FuncCode: &model.FuncCode{File: ptr("aW1wb3J0IGpzb24K")},
	}
	if userData != "" {
		body.UserData = ptr(userData)
	}
	created, err := h.c.CreateFunction(&model.CreateFunctionRequest{Body: body})
	if err != nil {
		t.Fatalf("create function %s: %v", name, err)
	}
	return *created.FuncUrn
}

// expectDecoded fails unless the SDK response has every named member (by
// JSON name) set: the fields the operation promises came back and decoded.
func expectDecoded(t *testing.T, resp any, members ...string) {
	t.Helper()
	v := reflect.ValueOf(resp)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			t.Fatalf("%T: no response", resp)
		}
		v = v.Elem()
	}
	for _, want := range members {
		found := false
		for i := 0; i < v.NumField(); i++ {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			if name != want {
				continue
			}
			found = true
			if v.Field(i).IsZero() {
				t.Errorf("%s: %s did not decode (empty) in %v", v.Type().Name(), want, resp)
			}
		}
		if !found {
			t.Errorf("%s has no member %s", v.Type().Name(), want)
		}
	}
}

// sdkRecorder is the SDK client's transport: it notes the method and path
// of every request and passes it on.
type sdkRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string]bool // "METHOD /path"
}

func (r *sdkRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.seen[req.Method+" "+req.URL.Path] = true
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// driven names the SDK operations whose method and path template match a
// recorded request.
func (r *sdkRecorder) driven() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for _, op := range sdkref.Operations() {
		tmpl := strings.Split(strings.Trim(op.Path, "/"), "/")
		for sent := range r.seen {
			method, path, _ := strings.Cut(sent, " ")
			if method == op.Method && templateMatches(tmpl, strings.Split(strings.Trim(path, "/"), "/")) {
				out[op.Name] = true
			}
		}
	}
	return out
}

// templateMatches matches path segments against a template; a {param}
// segment matches any one segment.
func templateMatches(tmpl, segs []string) bool {
	if len(tmpl) != len(segs) {
		return false
	}
	for i, t := range tmpl {
		if !strings.HasPrefix(t, "{") && t != segs[i] {
			return false
		}
	}
	return true
}

func sdkClient(t *testing.T, l *Local, sk string) *functiongraph.FunctionGraphClient {
	return sdkClientVia(t, l, sk, http.DefaultTransport)
}

func sdkClientVia(t *testing.T, l *Local, sk string, transport http.RoundTripper) *functiongraph.FunctionGraphClient {
	t.Helper()
	c, err := sdkref.NewClient(l.URL, l.Config.AK, sk, l.Config.ProjectID, transport)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// sdkCoreCases are the operations the emulator had before issue 10:
// functions, invocation, versions, workflows, dependencies, triggers.
func sdkCoreCases(t *testing.T, h *sdkHarness) {
	l, c := h.local, h.c
	urn := h.function(t, "sdk-hello", "")
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
	alias, err := c.CreateVersionAlias(&model.CreateVersionAliasRequest{FunctionUrn: strings.TrimSuffix(urn, ":latest"),
		Body: &model.CreateVersionAliasRequestBody{Name: "stable", Version: "v1"}})
	if err != nil {
		t.Fatalf("create alias: %v", err)
	}
	expectDecoded(t, alias, "name", "version", "alias_urn")
	aliases, err := c.ListVersionAliases(&model.ListVersionAliasesRequest{FunctionUrn: strings.TrimSuffix(urn, ":latest")})
	if err != nil || aliases.Body == nil || len(*aliases.Body) != 1 {
		t.Fatalf("list aliases: %v %+v", err, aliases)
	}
	code, err := c.ShowFunctionCode(&model.ShowFunctionCodeRequest{FunctionUrn: urn})
	if err != nil {
		t.Fatalf("show code: %v", err)
	}
	expectDecoded(t, code, "func_urn", "runtime", "code_type")
	newCode, err := c.UpdateFunctionCode(&model.UpdateFunctionCodeRequest{FunctionUrn: urn, Body: &model.UpdateFunctionCodeRequestBody{
		CodeType: model.GetUpdateFunctionCodeRequestBodyCodeTypeEnum().INLINE, FuncCode: &model.FuncCode{File: ptr("cHJpbnQoMSkK")},
	}})
	if err != nil {
		t.Fatalf("update code: %v", err)
	}
	expectDecoded(t, newCode, "func_urn", "digest")
	asyncCfg, err := c.UpdateFunctionAsyncInvokeConfig(&model.UpdateFunctionAsyncInvokeConfigRequest{FunctionUrn: urn,
		Body: &model.UpdateFunctionAsyncInvokeConfigRequestBody{MaxAsyncEventAgeInSeconds: ptr(int32(120)), MaxAsyncRetryAttempts: ptr(int32(2))}})
	if err != nil || *asyncCfg.MaxAsyncRetryAttempts != 2 {
		t.Fatalf("update async config: %v %+v", err, asyncCfg)
	}
	shownCfg, err := c.ShowFunctionAsyncInvokeConfig(&model.ShowFunctionAsyncInvokeConfigRequest{FunctionUrn: urn})
	if err != nil || *shownCfg.MaxAsyncEventAgeInSeconds != 120 {
		t.Fatalf("show async config: %v %+v", err, shownCfg)
	}
	if _, err := c.DeleteFunctionAsyncInvokeConfig(&model.DeleteFunctionAsyncInvokeConfigRequest{FunctionUrn: urn}); err != nil {
		t.Fatalf("delete async config: %v", err)
	}
	quotas, err := c.ListQuotas(&model.ListQuotasRequest{})
	if err != nil {
		t.Fatalf("list quotas: %v", err)
	}
	expectDecoded(t, quotas, "quotas")
	report, err := c.ListFunctionAsMetric(&model.ListFunctionAsMetricRequest{Type: ptr("count")})
	if err != nil {
		t.Fatalf("function report: %v", err)
	}
	expectDecoded(t, report, "values")
	fns, err := c.ListFunctions(&model.ListFunctionsRequest{})
	if err != nil || *fns.Count < 1 || len(*fns.Functions) != int(*fns.Count) {
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
	if err != nil || *wfs.Total < 1 || len(*wfs.Workflows) != int(*wfs.Total) {
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
	depVersion, err := c.ShowDependencyVersion(&model.ShowDependencyVersionRequest{DependId: *dep.DepId, Version: "1"})
	if err != nil {
		t.Fatalf("show dependency version: %v", err)
	}
	expectDecoded(t, depVersion, "id", "name", "runtime", "version")
	if _, err := c.DeleteDependencyVersion(&model.DeleteDependencyVersionRequest{DependId: *dep.DepId, Version: "1"}); err != nil {
		t.Fatalf("delete dependency version: %v", err)
	}

	trig, err := c.CreateFunctionTrigger(&model.CreateFunctionTriggerRequest{FunctionUrn: urn, Body: &model.CreateFunctionTriggerRequestBody{
		TriggerTypeCode: model.GetCreateFunctionTriggerRequestBodyTriggerTypeCodeEnum().TIMER,
		EventData:       &model.TriggerEventDataRequestBody{Name: ptr("every-day"), ScheduleType: ptr(model.GetTriggerEventDataRequestBodyScheduleTypeEnum().RATE), Schedule: ptr("1d")},
	}})
	if err != nil {
		t.Fatalf("create trigger: %v", err)
	}
	triggers, err := c.ListFunctionTriggers(&model.ListFunctionTriggersRequest{FunctionUrn: urn})
	if err != nil || triggers.Body == nil || len(*triggers.Body) != 1 {
		t.Fatalf("list triggers: %v %+v", err, triggers)
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
