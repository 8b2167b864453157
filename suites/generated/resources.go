package generated

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
	"github.com/fgharness/fgharness/spec"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// Resources an operation's cases may need besides what its path names.
const (
	needFunction   = "function"
	needDependency = "dependency"
	needTrigger    = "trigger"
	needWorkflow   = "workflow"
	needApp        = "app"
	needEndpoint   = "vpc endpoint"
	needExecution  = "execution"
)

// bodyNeeds are resources a request body names (the path names the rest).
var bodyNeeds = map[string][]string{
	fgs.OpCreateWorkflow:       {needFunction},
	fgs.OpBatchDeleteWorkflows: {needWorkflow},
}

// readOnlyPosts are POST operations that change nothing the suites would
// have to clean up.
var readOnlyPosts = map[string]bool{
	fgs.OpInvokeFunction:                    true,
	fgs.OpAsyncInvokeFunction:               true,
	fgs.OpKeystoneCreateUserTokenByPassword: true,
}

// unqualifiedURN lists operations whose function_urn names the whole
// function rather than its latest version.
var unqualifiedURN = map[string]bool{
	fgs.OpDeleteFunction: true, fgs.OpListFunctionVersions: true, fgs.OpCreateFunctionVersion: true,
	fgs.OpListVersionAliases: true, fgs.OpCreateVersionAlias: true,
}

// needsOf lists what an operation's positive request needs to exist, in
// the order they are made (a trigger or workflow needs the function first).
func needsOf(op spec.Operation) []string {
	want := map[string]bool{}
	for _, n := range bodyNeeds[op.ID] {
		want[n] = true
	}
	params := op.PathParams()
	want[needFunction] = want[needFunction] || want[needWorkflow] ||
		slices.Contains(params, "function_urn") || slices.Contains(params, "func_urn") || slices.Contains(params, "resource_id")
	want[needDependency] = want[needDependency] || slices.Contains(params, "depend_id")
	want[needTrigger] = want[needTrigger] || slices.Contains(params, "trigger_id")
	want[needExecution] = slices.Contains(params, "execution_id") || headerNeedsExecution[op.ID]
	want[needWorkflow] = want[needWorkflow] || want[needExecution] || slices.Contains(params, "workflow_urn") || slices.Contains(params, "workflow_id")
	want[needFunction] = want[needFunction] || want[needWorkflow]
	want[needApp] = want[needApp] || op.ID == fgs.OpShowFunctionApp || op.ID == fgs.OpDeleteFunctionApp
	want[needEndpoint] = want[needEndpoint] || slices.Contains(params, "subnet_id")
	for n := range extraNeeds(op.ID, params) {
		want[n] = true
	}
	want[needFunction] = want[needFunction] || want[needVersion] || want[needEvent]
	var out []string
	for _, n := range []string{needFunction, needVersion, needAlias, needEvent, needDependency, needTrigger, needWorkflow, needExecution, needApp, needEndpoint} {
		if want[n] {
			out = append(out, n)
		}
	}
	return out
}

// destructive tells whether an operation's cases create, change or delete
// anything, the resources they need included.
func destructive(op spec.Operation) bool {
	if op.Method != http.MethodGet && !readOnlyPosts[op.ID] {
		return true
	}
	for _, n := range needsOf(op) {
		if n != needFunction {
			return true
		}
	}
	return false
}

// kit holds the resources of one operation's cases, made once before them
// and removed after them.
type kit struct {
	op       spec.Operation
	fn       fw.Function
	depID    string
	depVer   string
	trigCode string
	trigID   string
	workflow string // URN
	appID    string
	vpcID    string
	subnetID string
	// workflowID and workflowName name the kit's workflow; execution is
	// an execution of it that has ended.
	workflowID   string
	workflowName string
	execution    string
	version      string
	alias        string
	event        string
}

// prepare makes what op's cases need; it runs in the operation's BeforeAll.
func prepare(op spec.Operation) *kit {
	GinkgoHelper()
	k := &kit{op: op}
	if op.Document == spec.IAM && fw.Current().Local == nil {
		Skip("IAM is a separate endpoint and a contract run has neither its address nor a user's password; only the in-process emulator serves it")
	}
	for _, need := range needsOf(op) {
		switch need {
		case needFunction:
			if destructive(op) {
				k.fn = fw.CreateFunction(functionOptions(op.ID))
			} else {
				k.fn = fw.InvocableFunction()
			}
		case needVersion:
			k.makeVersion()
		case needAlias:
			k.makeAlias()
		case needEvent:
			k.makeEvent()
		case needDependency:
			k.makeDependency()
		case needTrigger:
			k.makeTrigger()
		case needWorkflow:
			k.makeWorkflow()
		case needApp:
			k.makeApp()
		case needEndpoint:
			k.makeVpcEndpoint()
		case needExecution:
			k.makeExecution()
		}
	}
	return k
}

// callExample sends opID's bound example: how the kit makes a resource.
func (k *kit) callExample(opID string, path map[string]string) (*fw.Response, map[string]any) {
	GinkgoHelper()
	body := k.boundExample(opID)
	return fw.Call(fw.Request{Operation: opID, Path: path, Body: body}), body
}

func (k *kit) makeDependency() {
	GinkgoHelper()
	dep, _ := k.callExample(fgs.OpCreateDependency, nil)
	k.depID, k.depVer = adoptDependency(dep.ExpectStatus(http.StatusOK))
}

func (k *kit) makeTrigger() {
	GinkgoHelper()
	resp, _ := k.callExample(fgs.OpCreateFunctionTrigger, k.functionPath(fgs.OpCreateFunctionTrigger))
	resp.ExpectStatus(http.StatusCreated)
	k.trigID, k.trigCode = resp.String("trigger_id"), resp.String("trigger_type_code")
	Expect(k.trigID).NotTo(BeEmpty(), "createFunctionTrigger: body /trigger_id: expected the new trigger's ID")
}

func (k *kit) makeWorkflow() {
	GinkgoHelper()
	resp, _ := k.callExample(fgs.OpCreateWorkflow, nil)
	k.workflow = adoptWorkflow(resp.ExpectStatus(http.StatusOK))
	k.workflowID, k.workflowName = resp.String("id"), resp.String("name")
	Expect(k.workflowID).NotTo(BeEmpty(), "createWorkflow: body /id: expected the workflow's ID: %s", resp.Snippet())
}

// makeExecution runs the kit's workflow once and waits until the run
// ended, so the execution's cases find it in a settled state.
func (k *kit) makeExecution() {
	GinkgoHelper()
	path := map[string]string{"workflow_id": k.workflowID}
	resp := fw.Call(fw.Request{Operation: fgs.OpStartWorkflowExecution, Path: path, Body: exampleBody(fgs.OpStartWorkflowExecution)})
	k.execution = resp.ExpectStatus(http.StatusOK).String("execution_id")
	Expect(k.execution).NotTo(BeEmpty(), "startWorkflowExecution: body /execution_id: expected the execution's ID: %s", resp.Snippet())
	path["execution_id"] = k.execution
	fw.AwaitExecution(context.Background(), path, func(g Gomega, resp *fw.Response) {
		g.Expect(resp.String("status")).NotTo(Equal("running"), "showWorkflowExecution %s: expected the kit's run to end", k.execution)
	})
}

// headerNeedsExecution are operations that name an execution in a header
// rather than in the path.
var headerNeedsExecution = map[string]bool{fgs.OpCreateCallbackWorkflow: true}

// headers are the header parameters the operation requires, filled from the kit.
func (k *kit) headers() http.Header {
	if k.op.ID != fgs.OpCreateCallbackWorkflow {
		return nil
	}
	// The kit's run has ended, so no state waits: the documented answer to
	// a well-formed callback is then an error, which the cases judge.
	return http.Header{"X-Workflow-Run-Id": {k.execution}, "X-Workflow-State-Id": {"step1"}}
}

// requiredQuery fills the operation's required query parameters with the
// smallest value their schema allows (the documented example when given),
// then sets the operation's positiveQueries.
func requiredQuery(op spec.Operation) url.Values {
	q := url.Values{}
	for _, ref := range op.Raw().Parameters {
		p := ref.Value
		if p == nil || p.In != "query" || !p.Required || p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		sc := p.Schema.Value
		switch {
		case p.Example != nil:
			q.Set(p.Name, fmt.Sprint(p.Example))
		case sc.Example != nil:
			q.Set(p.Name, fmt.Sprint(sc.Example))
		case sc.Default != nil:
			q.Set(p.Name, fmt.Sprint(sc.Default))
		case sc.Min != nil:
			q.Set(p.Name, strconv.FormatFloat(*sc.Min, 'f', -1, 64))
		case len(sc.Enum) > 0:
			q.Set(p.Name, fmt.Sprint(sc.Enum[0]))
		default:
			q.Set(p.Name, "1")
		}
	}
	for name, values := range positiveQuery(op.ID) {
		q[name] = values
	}
	return q
}

// functionPath is the path of op for the kit's function.
func (k *kit) functionPath(opID string) map[string]string {
	if unqualifiedURN[opID] {
		return map[string]string{"function_urn": k.fn.Unqualified()}
	}
	if versionedURN[opID] {
		return map[string]string{"function_urn": fw.WithQualifier(k.fn.URN, k.version)}
	}
	return map[string]string{"function_urn": k.fn.URN}
}

// path fills every path parameter of the operation from the kit.
func (k *kit) path() map[string]string {
	made := map[string]string{
		"depend_id": k.depID, "version": k.depVer,
		"trigger_type_code": k.trigCode, "trigger_id": k.trigID,
		"workflow_id": k.workflowID, "execution_id": k.execution, "workflow_urn": k.workflow,
		"vpc_id": k.vpcID, "subnet_id": k.subnetID,
	}
	out := map[string]string{}
	for _, p := range k.op.PathParams() {
		if v, ok := made[p]; ok {
			out[p] = v
			continue
		}
		switch p {
		case "function_urn":
			out[p] = k.functionPath(k.op.ID)[p]
		case "project_id": // the framework fills it in from the target
		default:
			if v, ok := k.extraPath(p); ok {
				out[p] = v
			} else {
				out[p] = k.settingsParam(p)
			}
		}
	}
	return out
}

// unknown is a well-formed value of a path parameter that names nothing.
func (k *kit) unknown(param string) string {
	switch param {
	case "function_urn", "func_urn", "resource_id":
		u, err := urn.Parse(k.path()[param])
		Expect(err).NotTo(HaveOccurred(), "the kit's function URN does not parse")
		u.Name = fw.Current().Name("missing")
		return u.String()
	case "version":
		return "999999"
	}
	return newUUID()
}

// resourceParams are the path parameters that name a resource: all but
// the project and the enumerated ones.
func resourceParams(op spec.Operation) []string {
	var out []string
	for _, ref := range op.Raw().Parameters {
		p := ref.Value
		if p == nil || p.In != "path" || p.Name == "project_id" {
			continue
		}
		if p.Schema != nil && p.Schema.Value != nil && len(p.Schema.Value.Enum) > 0 || valueParams[p.Name] {
			continue
		}
		out = append(out, p.Name)
	}
	return out
}

// adopt takes over cleanup of whatever a 2xx answer created, so that even a
// negative case an endpoint wrongly accepted leaves nothing behind.
func adopt(opID string, resp *fw.Response) {
	GinkgoHelper()
	if resp.Status < 200 || resp.Status > 299 {
		return
	}
	switch opID {
	case fgs.OpCreateFunction, fgs.OpImportFunction:
		if u := resp.String("func_urn"); u != "" {
			DeferCleanup(fw.DeleteFunction, fw.UnqualifiedURN(u))
		}
	case fgs.OpCreateDependency, fgs.OpCreateDependencyVersion:
		adoptDependency(resp)
	case fgs.OpCreateWorkflow:
		adoptWorkflow(resp)
	case fgs.OpCreateFunctionApp:
		adoptApp(resp)
	}
}

func adoptDependency(resp *fw.Response) (id, version string) {
	GinkgoHelper()
	var dep struct {
		DepID   string `json:"dep_id"`
		Version int64  `json:"version"`
	}
	resp.Decode(&dep)
	Expect(dep.DepID).NotTo(BeEmpty(), "%s: body /dep_id: expected the dependency's ID: %s", resp.Operation.ID, resp.Snippet())
	version = strconv.FormatInt(dep.Version, 10)
	DeferCleanup(deleteDependencyVersion, dep.DepID, version)
	return dep.DepID, version
}

func deleteDependencyVersion(ctx SpecContext, id, version string) {
	resp, err := fw.Current().Do(ctx, fw.Request{Operation: fgs.OpDeleteDependencyVersion, Path: map[string]string{"depend_id": id, "version": version}})
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.Status).To(Or(Equal(http.StatusNoContent), Equal(http.StatusNotFound)),
		"cleanup: deleteDependencyVersion %s/%s answered %d: %s", id, version, resp.Status, resp.Snippet())
}

func adoptWorkflow(resp *fw.Response) string {
	GinkgoHelper()
	u := resp.String("workflow_urn")
	Expect(u).NotTo(BeEmpty(), "createWorkflow: body /workflow_urn: expected the workflow's URN: %s", resp.Snippet())
	DeferCleanup(func(ctx SpecContext) {
		r, err := fw.Current().Do(ctx, fw.Request{Operation: fgs.OpBatchDeleteWorkflows, Body: map[string]any{"workflow_urns": []string{u}}})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Equal(http.StatusOK), "cleanup: batchDeleteWorkflows %s answered %d: %s", u, r.Status, r.Snippet())
	})
	return u
}

// foreignProject is a well-formed project ID that is not the target's.
func foreignProject(own string) string {
	const other = "0f0e0d0c0b0a09080706050403020100"
	if own == other {
		return "00112233445566778899aabbccddeeff"
	}
	return other
}

// localIAMUser is the user the in-process emulator accepts, as its
// launcher reported it; prepare skips IAM operations on other targets.
func localIAMUser() (name, password string) {
	l := fw.Current().Local
	return l.IAMUser, l.IAMPassword
}

func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("generated: read random bytes: %v", err))
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
