package client

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/fgs"
)

func ptr[T any](v T) *T { return &v }

// TestOperations calls each typed helper against a fake endpoint that
// checks the AK/SK signature, and compares what went out (method, path,
// query, body) and what came back.
func TestOperations(t *testing.T) {
	fn := "/v2/" + testProject + "/fgs/functions/" + testURN
	tests := []struct {
		name      string
		call      func(c *Client) (any, error)
		method    string
		path      string
		query     url.Values
		body      string // JSON the endpoint must receive; "" for none
		answer    string
		want      any
		wantEmpty bool // the request must carry no body
	}{
		{
			name: "CreateFunction",
			call: func(c *Client) (any, error) {
				return c.CreateFunction(t.Context(), CreateFunctionRequest{FuncName: "hello", Package: "default", Runtime: "Python3.9", Timeout: 30, Handler: "index.handler", MemorySize: 128, CodeType: "inline", FuncCode: &FuncCode{File: "UEsD"}})
			},
			method: http.MethodPost, path: "/v2/" + testProject + "/fgs/functions",
			body:   `{"func_name":"hello","package":"default","runtime":"Python3.9","timeout":30,"handler":"index.handler","memory_size":128,"code_type":"inline","func_code":{"file":"UEsD"}}`,
			answer: `{"func_urn":"` + testURN + `","func_name":"hello","runtime":"Python3.9","timeout":30,"memory_size":128,"strategy_config":{"concurrency":-1}}`,
			want:   &FunctionConfig{FuncURN: testURN, FuncName: "hello", Runtime: "Python3.9", Timeout: 30, MemorySize: 128, StrategyConfig: &StrategyConfig{Concurrency: -1}},
		},
		{
			name:   "ListFunctions",
			call:   func(c *Client) (any, error) { return c.ListFunctions(t.Context(), "10", 50) },
			method: http.MethodGet, path: "/v2/" + testProject + "/fgs/functions", query: url.Values{"marker": {"10"}, "maxitems": {"50"}},
			answer: `{"functions":[{"func_urn":"u1","func_name":"a"}],"next_marker":11,"count":1}`,
			want:   &FunctionList{Functions: []FunctionConfig{{FuncURN: "u1", FuncName: "a"}}, NextMarker: 11, Count: 1}, wantEmpty: true,
		},
		{
			name:   "ListFunctions first page",
			call:   func(c *Client) (any, error) { return c.ListFunctions(t.Context(), "", 0) },
			method: http.MethodGet, path: "/v2/" + testProject + "/fgs/functions", query: url.Values{},
			answer: `{"functions":[],"next_marker":0,"count":0}`,
			want:   &FunctionList{Functions: []FunctionConfig{}},
		},
		{
			name:   "ShowFunctionConfig",
			call:   func(c *Client) (any, error) { return c.ShowFunctionConfig(t.Context(), testURN) },
			method: http.MethodGet, path: fn + "/config",
			answer: `{"func_urn":"` + testURN + `","handler":"index.handler","last_modified":"2019-10-25 15:37:27"}`,
			want:   &FunctionConfig{FuncURN: testURN, Handler: "index.handler", LastModified: "2019-10-25 15:37:27"}, wantEmpty: true,
		},
		{
			name: "UpdateFunctionConfig",
			call: func(c *Client) (any, error) {
				return c.UpdateFunctionConfig(t.Context(), testURN, UpdateFunctionConfigRequest{FuncName: "hello", Runtime: "Python3.9", Timeout: 60, Handler: "index.handler", MemorySize: 256, StrategyConfig: &StrategyConfig{Concurrency: 0}})
			},
			method: http.MethodPut, path: fn + "/config",
			body:   `{"func_name":"hello","runtime":"Python3.9","timeout":60,"handler":"index.handler","memory_size":256,"strategy_config":{"concurrency":0}}`,
			answer: `{"func_urn":"` + testURN + `","timeout":60}`,
			want:   &FunctionConfig{FuncURN: testURN, Timeout: 60},
		},
		{
			name:   "DeleteFunction",
			call:   func(c *Client) (any, error) { return nil, c.DeleteFunction(t.Context(), testURN) },
			method: http.MethodDelete, path: fn, wantEmpty: true,
		},
		{
			name: "PublishVersion",
			call: func(c *Client) (any, error) {
				return c.PublishVersion(t.Context(), testURN, PublishVersionRequest{Version: "v1", Description: "first"})
			},
			method: http.MethodPost, path: fn + "/versions",
			body:   `{"version":"v1","description":"first"}`,
			answer: `{"func_urn":"` + strings.TrimSuffix(testURN, "latest") + `v1","version":"v1"}`,
			want:   &FunctionConfig{FuncURN: strings.TrimSuffix(testURN, "latest") + "v1", Version: "v1"},
		},
		{
			name:   "ListVersions",
			call:   func(c *Client) (any, error) { return c.ListVersions(t.Context(), testURN, "", 5) },
			method: http.MethodGet, path: fn + "/versions", query: url.Values{"maxitems": {"5"}},
			answer: `{"versions":[{"version":"latest"},{"version":"v1"}],"next_marker":2,"count":2}`,
			want:   &FunctionList{Versions: []FunctionConfig{{Version: "latest"}, {Version: "v1"}}, NextMarker: 2, Count: 2},
		},
		{
			name:   "InvokeAsync",
			call:   func(c *Client) (any, error) { return c.InvokeAsync(t.Context(), testURN, []byte(`{"k":"v"}`)) },
			method: http.MethodPost, path: fn + "/invocations-async",
			body: `{"k":"v"}`, answer: `{"request_id":"async-1"}`, want: "async-1",
		},
		{
			name:   "ShowFunctionAsyncConfig",
			call:   func(c *Client) (any, error) { return c.ShowFunctionAsyncConfig(t.Context(), testURN) },
			method: http.MethodGet, path: fn + "/async-invoke-config",
			answer: `{"func_urn":"u","max_async_event_age_in_seconds":60,"max_async_retry_attempts":0,"destination_config":{"on_success":{"destination":"OBS","param":"{}"}}}`,
			want:   &AsyncConfig{FuncURN: "u", MaxAsyncEventAgeInSeconds: ptr(60), MaxAsyncRetryAttempts: ptr(0), DestinationConfig: &DestinationConfig{OnSuccess: &Destination{Destination: "OBS", Param: "{}"}}},
		},
		{
			name: "UpdateFunctionAsyncConfig keeps a zero retry count",
			call: func(c *Client) (any, error) {
				return c.UpdateFunctionAsyncConfig(t.Context(), testURN, AsyncConfig{MaxAsyncRetryAttempts: ptr(0)})
			},
			method: http.MethodPut, path: fn + "/async-invoke-config",
			body: `{"max_async_retry_attempts":0}`, answer: `{"max_async_retry_attempts":0}`,
			want: &AsyncConfig{MaxAsyncRetryAttempts: ptr(0)},
		},
		{
			name: "FunctionReport",
			call: func(c *Client) (any, error) {
				return c.FunctionReport(t.Context(), ReportQuery{Type: "failcount", Limit: "10"})
			},
			method: http.MethodGet, path: "/v2/" + testProject + "/fgs/function/report", query: url.Values{"type": {"failcount"}, "limit": {"10"}},
			answer: `{"values":[{"key":"hello","value":3}],"count":1}`,
			want: func() *FunctionReport {
				r := &FunctionReport{Count: 1}
				r.Values = append(r.Values, struct {
					Key   string `json:"key"`
					Value int64  `json:"value"`
				}{"hello", 3})
				return r
			}(),
		},
		{
			name: "ListWorkflows",
			call: func(c *Client) (any, error) {
				return c.ListWorkflows(t.Context(), ListWorkflowsQuery{WorkflowName: "test flow", Limit: 200, Mode: "NORMAL"})
			},
			method: http.MethodGet, path: "/v2/" + testProject + "/fgs/workflows", query: url.Values{"workflow_name": {"test flow"}, "limit": {"200"}, "mode": {"NORMAL"}},
			answer: `{"total":1,"size":1,"workflows":[{"id":"w1","workflow_urn":"wu","name":"test flow"}]}`,
			want:   &WorkflowList{Total: 1, Size: 1, Workflows: []WorkflowInfo{{ID: "w1", WorkflowURN: "wu", Name: "test flow"}}},
		},
		{
			name: "CreateWorkflow sends required lists as []",
			call: func(c *Client) (any, error) {
				return c.CreateWorkflow(t.Context(), CreateWorkflowRequest{Name: "flow", Start: "s1"})
			},
			method: http.MethodPost, path: "/v2/" + testProject + "/fgs/workflows",
			body:   `{"name":"flow","start":"s1","functions":[],"states":[],"retries":[]}`,
			answer: `{"id":"w1","workflow_urn":"wu","name":"flow"}`,
			want:   &WorkflowInfo{ID: "w1", WorkflowURN: "wu", Name: "flow"},
		},
		{
			name:   "BatchDeleteWorkflows",
			call:   func(c *Client) (any, error) { return c.BatchDeleteWorkflows(t.Context(), []string{"wu1", "wu2"}) },
			method: http.MethodDelete, path: "/v2/" + testProject + "/fgs/workflows",
			body:   `{"workflow_urns":["wu1","wu2"]}`,
			answer: `{"success":["wu1"],"fail":[{"workflow_urn":"wu2","error_detail":"not found"}]}`,
			want: func() *BatchDeleteWorkflowsResult {
				r := &BatchDeleteWorkflowsResult{Success: []string{"wu1"}}
				r.Fail = append(r.Fail, fgs.WorkflowDeleteFailure{WorkflowURN: "wu2", ErrorDetail: "not found"})
				return r
			}(),
		},
		{
			name: "CreateTrigger",
			call: func(c *Client) (any, error) {
				return c.CreateTrigger(t.Context(), testURN, CreateTriggerRequest{TriggerTypeCode: "TIMER", TriggerStatus: "ACTIVE", EventData: map[string]any{"name": "t", "schedule_type": "Rate", "schedule": "1d"}})
			},
			method: http.MethodPost, path: "/v2/" + testProject + "/fgs/triggers/" + testURN,
			body:   `{"trigger_type_code":"TIMER","trigger_status":"ACTIVE","event_data":{"name":"t","schedule":"1d","schedule_type":"Rate"}}`,
			answer: `{"trigger_id":"tr1","trigger_type_code":"TIMER","trigger_status":"ACTIVE","event_data":{"name":"t"}}`,
			want:   &Trigger{TriggerID: "tr1", TriggerTypeCode: "TIMER", TriggerStatus: "ACTIVE", EventData: map[string]any{"name": "t"}},
		},
		{
			name:   "ListTriggers",
			call:   func(c *Client) (any, error) { return c.ListTriggers(t.Context(), testURN) },
			method: http.MethodGet, path: "/v2/" + testProject + "/fgs/triggers/" + testURN,
			answer: `[{"trigger_id":"tr1","trigger_type_code":"TIMER"}]`,
			want:   []Trigger{{TriggerID: "tr1", TriggerTypeCode: "TIMER"}},
		},
		{
			name:   "DeleteTrigger",
			call:   func(c *Client) (any, error) { return nil, c.DeleteTrigger(t.Context(), testURN, "TIMER", "tr1") },
			method: http.MethodDelete, path: "/v2/" + testProject + "/fgs/triggers/" + testURN + "/TIMER/tr1",
		},
		{
			name: "CreateDependency",
			call: func(c *Client) (any, error) {
				return c.CreateDependency(t.Context(), CreateDependencyRequest{DependLink: "https://b.obs/d.zip", DependType: "obs", Runtime: "Node.js8.10", Name: "dep"})
			},
			method: http.MethodPost, path: "/v2/" + testProject + "/fgs/dependencies",
			body:   `{"depend_link":"https://b.obs/d.zip","depend_type":"obs","runtime":"Node.js8.10","name":"dep"}`,
			answer: `{"id":"d1","name":"dep","version":1}`,
			want:   &Dependency{ID: "d1", Name: "dep", Version: 1},
		},
		{
			name: "CreateDependencyVersion",
			call: func(c *Client) (any, error) {
				return c.CreateDependencyVersion(t.Context(), CreateDependencyRequest{DependFile: "UEsD", DependType: "zip", Runtime: "Python3.9", Name: "dep"})
			},
			method: http.MethodPost, path: "/v2/" + testProject + "/fgs/dependencies/version",
			body:   `{"depend_file":"UEsD","depend_type":"zip","runtime":"Python3.9","name":"dep"}`,
			answer: `{"id":"d1v2","dep_id":"d1","version":2}`,
			want:   &Dependency{ID: "d1v2", DepID: "d1", Version: 2},
		},
		{
			name: "ListDependencies",
			call: func(c *Client) (any, error) {
				return c.ListDependencies(t.Context(), ListDependenciesQuery{DependencyType: "private", Runtime: "C#(.NET Core 3.1)"})
			},
			method: http.MethodGet, path: "/v2/" + testProject + "/fgs/dependencies", query: url.Values{"dependency_type": {"private"}, "runtime": {"C#(.NET Core 3.1)"}},
			answer: `{"dependencies":[{"id":"d1","size":10}],"next_marker":1,"count":1}`,
			want:   &DependencyList{Dependencies: []Dependency{{ID: "d1", Size: 10}}, NextMarker: 1, Count: 1},
		},
		{
			name:   "ListDependencyVersions",
			call:   func(c *Client) (any, error) { return c.ListDependencyVersions(t.Context(), "d1", "0", 10) },
			method: http.MethodGet, path: "/v2/" + testProject + "/fgs/dependencies/d1/version", query: url.Values{"marker": {"0"}, "maxitems": {"10"}},
			answer: `{"dependencies":[{"id":"d1v1","version":1}],"count":1}`,
			want:   &DependencyList{Dependencies: []Dependency{{ID: "d1v1", Version: 1}}, Count: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeEndpoint(t, func(w http.ResponseWriter, _ exchange) {
				if tt.answer == "" {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				_, _ = io.WriteString(w, tt.answer)
			})
			c := newTestClient(t, akskTarget(f.URL))
			got, err := tt.call(c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			ex := f.last(t)
			if ex.AuthErr != nil {
				t.Errorf("signature rejected: %v", ex.AuthErr)
			}
			if ex.Method != tt.method || ex.Path != tt.path {
				t.Errorf("request = %s %s, want %s %s", ex.Method, ex.Path, tt.method, tt.path)
			}
			if tt.query != nil && !reflect.DeepEqual(ex.Query, tt.query) {
				t.Errorf("query = %v, want %v", ex.Query, tt.query)
			}
			switch {
			case tt.body != "":
				if !jsonEqual(t, ex.Body, []byte(tt.body)) {
					t.Errorf("body = %s\nwant   %s", ex.Body, tt.body)
				}
			case tt.wantEmpty && len(ex.Body) != 0:
				t.Errorf("body = %s, want none", ex.Body)
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("result = %#v\nwant     %#v", got, tt.want)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("sent body is not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("expected body is not JSON: %v", err)
	}
	return reflect.DeepEqual(x, y)
}

func TestEmptyPathParameters(t *testing.T) {
	c := newTestClient(t, akskTarget("http://127.0.0.1:1"))
	calls := map[string]func() error{
		"ShowFunctionConfig":     func() error { _, err := c.ShowFunctionConfig(t.Context(), ""); return err },
		"DeleteFunction":         func() error { return c.DeleteFunction(t.Context(), "") },
		"Invoke":                 func() error { _, err := c.Invoke(t.Context(), "", nil, InvokeOptions{}); return err },
		"DeleteTrigger":          func() error { return c.DeleteTrigger(t.Context(), testURN, "TIMER", "") },
		"ListDependencyVersions": func() error { _, err := c.ListDependencyVersions(t.Context(), "", "", 0); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); !errors.Is(err, errEmptyParam) || !strings.Contains(err.Error(), name) {
				t.Errorf("error = %v, want an empty-parameter error naming %s", err, name)
			}
		})
	}
}
