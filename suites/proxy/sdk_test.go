package proxy

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	functiongraph "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/sdkref"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
	"github.com/fgharness/fgharness/suites/replay"
)

// sentOps is the SDK client's transport: it notes the operation of every
// request the client sends, so the test knows independently of the proxy
// which operations the client used.
type sentOps struct {
	mu  sync.Mutex
	ops map[string]bool
}

func (s *sentOps) RoundTrip(r *http.Request) (*http.Response, error) {
	op, _, err := spec.MustLoad().FindRoute(r)
	s.mu.Lock()
	if err == nil {
		s.ops[op.ID] = true
	} else {
		s.ops[r.Method+" "+r.URL.Path] = true
	}
	s.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (s *sentOps) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for op := range s.ops {
		out = append(out, op)
	}
	sort.Strings(out)
	return out
}

// sdkVia is an official SDK client (AK/SK signing) whose endpoint is url.
func sdkVia(t *testing.T, url string, cfg emulator.Config, sk string, rt http.RoundTripper) *functiongraph.FunctionGraphClient {
	t.Helper()
	c, err := sdkref.NewClient(url, cfg.AK, sk, cfg.ProjectID, rt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// sdkLifeCycle drives one function's whole life through c: create, config
// show and update, code, version, alias, invoke, async invoke, trigger,
// delete. It fails the test on any SDK error.
func sdkLifeCycle(t *testing.T, c *functiongraph.FunctionGraphClient) {
	t.Helper()
	created, err := c.CreateFunction(sdkref.CreateInlineFunction("proxy-life"))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	urn := *created.FuncUrn
	unversioned := strings.TrimSuffix(urn, ":latest")
	steps := []struct {
		name string
		call func() error
	}{
		{"show config", func() error {
			_, err := c.ShowFunctionConfig(&model.ShowFunctionConfigRequest{FunctionUrn: urn})
			return err
		}},
		{"update config", func() error {
			_, err := c.UpdateFunctionConfig(&model.UpdateFunctionConfigRequest{FunctionUrn: urn, Body: &model.UpdateFunctionConfigRequestBody{
				FuncName: "proxy-life", Runtime: model.GetUpdateFunctionConfigRequestBodyRuntimeEnum().PYTHON3_9,
				Timeout: 60, Handler: "index.handler", MemorySize: 256,
			}})
			return err
		}},
		{"show code", func() error {
			_, err := c.ShowFunctionCode(&model.ShowFunctionCodeRequest{FunctionUrn: urn})
			return err
		}},
		{"update code", func() error {
			_, err := c.UpdateFunctionCode(&model.UpdateFunctionCodeRequest{FunctionUrn: urn, Body: &model.UpdateFunctionCodeRequestBody{
				CodeType: model.GetUpdateFunctionCodeRequestBodyCodeTypeEnum().INLINE, FuncCode: &model.FuncCode{File: ptr("cHJpbnQoMSkK")},
			}})
			return err
		}},
		{"publish version", func() error {
			_, err := c.CreateFunctionVersion(&model.CreateFunctionVersionRequest{FunctionUrn: urn, Body: &model.CreateFunctionVersionRequestBody{Version: ptr("v1")}})
			return err
		}},
		{"list versions", func() error {
			_, err := c.ListFunctionVersions(&model.ListFunctionVersionsRequest{FunctionUrn: urn})
			return err
		}},
		{"create alias", func() error {
			_, err := c.CreateVersionAlias(&model.CreateVersionAliasRequest{FunctionUrn: unversioned,
				Body: &model.CreateVersionAliasRequestBody{Name: "stable", Version: "v1"}})
			return err
		}},
		{"list aliases", func() error {
			_, err := c.ListVersionAliases(&model.ListVersionAliasesRequest{FunctionUrn: unversioned})
			return err
		}},
		{"invoke", func() error {
			_, err := c.InvokeFunction(&model.InvokeFunctionRequest{FunctionUrn: urn, XCffLogType: ptr("tail"), Body: map[string]interface{}{"k": "v"}})
			return err
		}},
		{"async invoke", func() error {
			_, err := c.AsyncInvokeFunction(&model.AsyncInvokeFunctionRequest{FunctionUrn: urn, Body: map[string]interface{}{"a": 1}})
			return err
		}},
		{"trigger", func() error {
			trig, err := c.CreateFunctionTrigger(&model.CreateFunctionTriggerRequest{FunctionUrn: urn, Body: &model.CreateFunctionTriggerRequestBody{
				TriggerTypeCode: model.GetCreateFunctionTriggerRequestBodyTriggerTypeCodeEnum().TIMER,
				EventData:       &model.TriggerEventDataRequestBody{Name: ptr("every-day"), ScheduleType: ptr(model.GetTriggerEventDataRequestBodyScheduleTypeEnum().RATE), Schedule: ptr("1d")},
			}})
			if err != nil {
				return err
			}
			if _, err := c.ListFunctionTriggers(&model.ListFunctionTriggersRequest{FunctionUrn: urn}); err != nil {
				return err
			}
			_, err = c.DeleteFunctionTrigger(&model.DeleteFunctionTriggerRequest{FunctionUrn: urn,
				TriggerTypeCode: model.GetDeleteFunctionTriggerRequestTriggerTypeCodeEnum().TIMER, TriggerId: *trig.TriggerId})
			return err
		}},
		{"delete", func() error {
			_, err := c.DeleteFunction(&model.DeleteFunctionRequest{FunctionUrn: urn})
			return err
		}},
	}
	for _, s := range steps {
		if err := s.call(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	_, err = c.ShowFunctionConfig(&model.ShowFunctionConfigRequest{FunctionUrn: urn})
	if se, ok := err.(*sdkerr.ServiceResponseError); !ok || se.StatusCode != http.StatusNotFound {
		t.Fatalf("show after delete: want 404, got %v", err)
	}
}

// TestOfficialSDKThroughProxy: the official Go SDK, signing with AK/SK,
// runs a function's whole life cycle through the proxy against the
// emulator; the report lists every operation the SDK sent, all checks
// pass, and no failure is recorded.
func TestOfficialSDKThroughProxy(t *testing.T) {
	cfg := emulator.DefaultConfig()
	em := startEmulator(t, cfg, "")
	out := t.TempDir()
	px := startProxy(t, Options{Upstream: em.URL, OutDir: out})
	sent := &sentOps{ops: map[string]bool{}}
	sdkLifeCycle(t, sdkVia(t, px.URL, cfg, cfg.SK, sent))

	res := px.stop(t)
	if res.Abandoned || res.Summary.Failed() {
		t.Errorf("abandoned=%v failed=%v, want a clean run; log:\n%s", res.Abandoned, res.Summary.Failed(), px.Log.String())
	}
	c, err := reports.ReadConformance(out)
	if err != nil {
		t.Fatal(err)
	}
	exercised := map[string]bool{}
	for _, o := range c.Coverage.Operations {
		exercised[o.Operation] = o.Exercised
	}
	used := sent.list()
	if len(used) < 15 {
		t.Fatalf("the SDK sent only %v", used)
	}
	for _, op := range used {
		if !exercised[op] {
			t.Errorf("the SDK used %s; the report does not list it as exercised", op)
		}
	}
	checked := map[string]bool{}
	for _, ch := range c.Checks {
		checked[ch.Operation] = true
		if ch.Result != reports.ResultPass {
			t.Errorf("%s %s: %s (%s)", ch.Operation, ch.Check, ch.Result, ch.Reason)
		}
	}
	for _, op := range used {
		if !checked[op] {
			t.Errorf("no check of %s in the report", op)
		}
	}
	run, err := evidence.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Failures) != 0 {
		t.Errorf("%d failures recorded, want none: %+v", len(run.Failures), run.Failures[0])
	}
	if !exercised[fgs.OpShowFunctionConfig] || !contains(c, fgs.OpShowFunctionConfig, "404") {
		t.Errorf("the 404 after delete is not among showFunctionConfig's exercised statuses")
	}
}

// TestProxyReportsDefect: with the emulator answering createFunction 201
// instead of 200, the same life cycle yields a status failure for
// createFunction with its evidence.
func TestProxyReportsDefect(t *testing.T) {
	cfg := emulator.DefaultConfig()
	em := startEmulator(t, cfg, "create-201")
	out := t.TempDir()
	px := startProxy(t, Options{Upstream: em.URL, OutDir: out})
	sdkLifeCycle(t, sdkVia(t, px.URL, cfg, cfg.SK, http.DefaultTransport))
	res := px.stop(t)
	if !res.Summary.Failed() {
		t.Fatal("the run passed although createFunction answered 201")
	}
	c, err := reports.ReadConformance(out)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, ch := range c.Checks {
		if ch.Result == reports.ResultFail {
			failed = append(failed, ch.Operation+"/"+ch.Check)
		}
	}
	if len(failed) != 1 || failed[0] != "createFunction/status" {
		t.Errorf("failed checks %v, want [createFunction/status]", failed)
	}
	run, err := evidence.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Failures) != 1 {
		t.Fatalf("%d failures, want 1", len(run.Failures))
	}
	f := run.Failures[0]
	if f.Operation != fgs.OpCreateFunction || f.Response == nil || f.Response.Status != http.StatusCreated || f.Request.Method != http.MethodPost ||
		!strings.Contains(f.Request.Body.Text, "proxy-life") || f.Source != source || !f.Expect.Checkable() {
		t.Errorf("failure evidence: %+v", f)
	}
	if len(c.Failures) != 1 || c.Failures[0].ID != f.ID {
		t.Errorf("the summary's evidence %+v, want the failure %s", c.Failures, f.ID)
	}
	for _, ch := range c.Checks {
		if ch.Result == reports.ResultFail && (len(ch.FailureIDs) != 1 || ch.FailureIDs[0] != f.ID) {
			t.Errorf("%s/%s links %v, want [%s]", ch.Operation, ch.Check, ch.FailureIDs, f.ID)
		}
	}
	page, err := os.ReadFile(filepath.Join(out, reports.ConformanceHTMLFile))
	if err != nil || !strings.Contains(string(page), f.ID) {
		t.Errorf("conformance.html does not show %s (%v)", f.ID, err)
	}
	if h := f.Request.Header.Get("Authorization"); h != evidence.Redacted {
		t.Errorf("Authorization in the evidence is %q, want it redacted", h)
	}
	// The evidence is replayable: re-sent (signed now) to the same broken
	// emulator, it breaks the rule again.
	rep, err := replay.Run(context.Background(), replay.Options{RunDir: out, FailureID: f.ID,
		Target: client.Target{BaseURL: em.URL, ProjectID: cfg.ProjectID, AK: cfg.AK, SK: cfg.SK}})
	if err != nil || !rep.Reproduced() {
		t.Errorf("replay of %s: reproduced=%v err=%v answer=%+v", f.ID, rep.Reproduced(), err, rep.Answer)
	}
}

func contains(c *reports.Conformance, op, status string) bool {
	for _, o := range c.Coverage.Operations {
		if o.Operation == op {
			for _, s := range o.ExercisedStatuses {
				if s == status {
					return true
				}
			}
		}
	}
	return false
}
