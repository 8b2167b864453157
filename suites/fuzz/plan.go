package fuzz

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
	"github.com/fgharness/fgharness/spec"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// plan is what a run knows about one operation before generating: how to
// fill its path, the documented body cases start from, what can vary and
// what can break.
type plan struct {
	op spec.Operation
	// positive: every path parameter names something the run owns, so a
	// valid request must be answered with a documented 2xx. Otherwise
	// the run names resources that do not exist, and only robustness is
	// judged (no 5xx, documented statuses, well-formed errors).
	positive bool
	// invalidOnly: a valid request would create, change or delete
	// something the run can neither name nor clean up (the documented
	// body names the documents' resources), so only invalid ones are sent.
	invalidOnly bool
	// changesFunction: valid requests change the function they are sent
	// to, so the operation gets a function of its own.
	changesFunction bool
	// namesMissing: a path parameter names something that does not exist,
	// so even a valid request changes nothing.
	namesMissing bool
	// extensions: the plan is registerExtension's, sent to the Extension
	// API of its function; its only case is the edge of the extension limit.
	extensions bool
	fn         *fuzzed // the function the path names, when the run made one
	path       map[string]string
	header     http.Header    // required header parameters
	example    map[string]any // bound documented body; nil when the operation takes none
	schema     *openapi3.Schema
	vary       []spot // what valid cases draw anew
	breaks     []breakage
	// bind puts names of this run into a body (func_name, version, ...).
	bind func(body map[string]any, name func(kind string) string)
}

// functionParams are the path parameters that name a function.
var functionParams = []string{"function_urn", "func_urn", "resource_id"}

// fuzzed is the function a run creates for the operations on one, and
// the documented request examples it binds bodies from.
type fuzzed struct {
	urn  urn.URN // latest-qualified
	name string
	// made is the createFunction exchange that made it (none for
	// --function): replay sends it first, so the failure's request finds
	// its function on a fresh target.
	made *evidence.Exchange
}

// bodyBinders put this run's names and resources where a documented
// example names the documents' own; the members they set are not varied.
var bodyBinders = map[string]struct {
	members []string
	bind    func(fn fuzzed, body map[string]any, name func(string) string)
}{
	fgs.OpCreateFunction: {[]string{"func_name", "package", "func_code", "code_type", "code_filename", "user_data", "encrypted_user_data"}, func(_ fuzzed, body map[string]any, name func(string) string) {
		body["func_name"] = name("fn")
		body["package"] = "default"
	}},
	fgs.OpUpdateFunctionConfig: {[]string{"func_name", "handler", "user_data", "xrole"}, func(fn fuzzed, body map[string]any, _ func(string) string) {
		body["func_name"] = fn.name
		body["user_data"] = `{"FGH_HANDLER":"echo"}`
		delete(body, "xrole") // the example's agency belongs to the documents' account
	}},
	fgs.OpInvokeFunction:      {nil, func(fuzzed, map[string]any, func(string) string) {}},
	fgs.OpAsyncInvokeFunction: {nil, func(fuzzed, map[string]any, func(string) string) {}},
	fgs.OpCreateFunctionVersion: {[]string{"version", "digest"}, func(_ fuzzed, body map[string]any, name func(string) string) {
		body["version"] = name("v")
	}},
	fgs.OpCreateVersionAlias: {[]string{"name", "version"}, func(_ fuzzed, body map[string]any, name func(string) string) {
		body["name"] = name("alias")
		body["version"] = urn.Latest
	}},
}

// notPositive are operations whose valid requests need more than a run's
// own function: a resource in a state the run does not make.
var notPositive = map[string]string{
	fgs.OpExportFunction:     "needs one of the code, config or type query parameters, a rule across parameters no schema states",
	fgs.OpUpdateFuncSnapshot: "acts on a published version only; the run's function is latest",
}

// passThrough are operations whose body is the function's event, which
// the platform hands on as it came: its media type is not refused.
var passThrough = map[string]bool{fgs.OpInvokeFunction: true, fgs.OpAsyncInvokeFunction: true}

// readOnlyPosts change nothing although they are POSTs.
var readOnlyPosts = map[string]bool{fgs.OpInvokeFunction: true, fgs.OpAsyncInvokeFunction: true}

// createsNothing tells whether an operation may run under --read-only.
func createsNothing(op spec.Operation) bool {
	return op.Method == http.MethodGet || readOnlyPosts[op.ID]
}

// planFor builds the plan of one operation, or says why the operation is
// not fuzzed: a client of the target cannot send it (the Extension API
// answers only inside a function instance, IAM is a separate endpoint),
// or nothing about it can be sent safely.
func planFor(sp *spec.Spec, op spec.Operation, fn *fuzzed) (*plan, string) {
	if op.ID == fgs.OpRegisterExtension {
		return extensionPlan(op, fn)
	}
	if op.Document != spec.FunctionGraph {
		return nil, "not sent by a client of the target: " + op.Document + " is served elsewhere"
	}
	p, err := planRequests(sp, op, fn)
	if err != "" {
		return nil, err
	}
	_, bound := bodyBinders[op.ID]
	onRunFunction := fn != nil && slices.ContainsFunc(op.PathParams(), func(n string) bool { return slices.Contains(functionParams, n) })
	p.invalidOnly = !bound && !createsNothing(op) && !p.namesMissing && !(onRunFunction && op.Method != http.MethodDelete)
	p.changesFunction = onRunFunction && !createsNothing(op) && !p.namesMissing && !p.invalidOnly
	if p.invalidOnly && len(p.breaks) == 0 {
		return nil, "a valid request would change what the run cannot name or restore, and no invalid one can be made"
	}
	return p, ""
}

func planRequests(sp *spec.Spec, op spec.Operation, fn *fuzzed) (*plan, string) {
	p := &plan{op: op, path: map[string]string{}, schema: sp.RequestSchema(op.ID)}
	p.positive = op.Method != http.MethodDelete && notPositive[op.ID] == "" && fn != nil
	for _, name := range op.PathParams() {
		if name == "project_id" {
			continue
		}
		ps := paramSchema(op, inPath, name)
		switch {
		case slices.Contains(functionParams, name) && fn != nil:
			if op.Method == http.MethodDelete {
				// Deleting the run's function would pull it from under the other operations.
				p.path[name] = fn.urn.WithQualifier("").String() + "-missing"
				p.namesMissing = true
				continue
			}
			p.path[name], p.fn = fn.urn.String(), fn
			p.breaks = append(p.breaks, urnBreaks(name, fn.urn)...)
		case ps != nil && len(ps.Enum) > 0:
			p.path[name] = fw.ParamText(ps.Enum[0])
			p.breaks = append(p.breaks, breakagesOf(spot{In: inPath, Name: name, Schema: ps})...)
		default:
			p.positive, p.namesMissing = false, true
			p.path[name] = "fgh-missing-0000"
		}
	}
	for _, ref := range op.Raw().Parameters {
		q := ref.Value
		if q == nil || q.Schema == nil || q.Schema.Value == nil {
			continue
		}
		switch {
		case q.In == openapi3.ParameterInQuery:
			s := spot{In: inQuery, Name: q.Name, Schema: q.Schema.Value, Required: q.Required}
			p.vary = append(p.vary, s)
			if !spec.Normalised(q) {
				p.breaks = append(p.breaks, breakagesOf(s)...)
			}
		case q.In == openapi3.ParameterInHeader && q.Required && !strings.EqualFold(q.Name, "X-Auth-Token"):
			if p.header == nil {
				p.header = http.Header{}
			}
			p.header.Set(q.Name, fw.ParamText(documentedValue(q.Schema.Value)))
			p.positive = false // a documented value names nothing of the run's
		}
	}
	if op.Raw().RequestBody == nil {
		return p, ""
	}
	example, ok := exampleBody(sp, op.ID)
	if !ok || p.schema == nil {
		p.positive = false
		p.breaks = append(p.breaks, malformedJSON())
		return p, ""
	}
	binder, bound := bodyBinders[op.ID]
	p.positive = p.positive && bound // without a binder the documented body names the documents' resources
	if fn != nil && bound {
		p.bind = func(body map[string]any, name func(string) string) { binder.bind(*fn, body, name) }
	}
	p.example = example
	for _, s := range bodySpots(p.schema) {
		if bound && slices.Contains(binder.members, s.Name) {
			continue
		}
		p.vary = append(p.vary, s)
		probe := fw.CloneJSON(example)
		for _, b := range breakagesOf(s) {
			if b.Drop {
				if _, has := probe[s.Name]; !has {
					continue
				}
			}
			p.breaks = append(p.breaks, b)
		}
	}
	p.breaks = append(p.breaks, malformedJSON())
	if !passThrough[op.ID] {
		p.breaks = append(p.breaks, wrongContentType(example))
	}
	if op.ID == fgs.OpInvokeFunction {
		p.breaks = append(p.breaks, breakage{What: "payload over the 6 MB synchronous limit", Sizes: []int{fgs.MaxSyncPayloadBytes + 1}, Limit: true})
	}
	return p, ""
}

// urnBreaks are function URNs that break the documented grammar
// (urn:fss:region:project:function:package:name[:qualifier]).
func urnBreaks(param string, u urn.URN) []breakage {
	s := u.String()
	return []breakage{{Spot: spot{In: inPath, Name: param}, What: "a URN outside the documented grammar", Every: true, Values: []any{
		strings.Replace(s, "urn:fss:", "urn:xyz:", 1),
		strings.TrimPrefix(s, "urn:"),
		s + ":extra:segments",
		strings.Replace(s, ":"+u.Name+":", "::", 1),
		strings.Replace(s, ":"+u.Name+":", ":9"+u.Name+"é:", 1),
		"urn",
	}}}
}

func malformedJSON() breakage {
	return breakage{What: "malformed JSON body", Raw: []byte(`{"fgh": "unterminated`)}
}

func wrongContentType(example map[string]any) breakage {
	b, _ := json.Marshal(example)
	return breakage{What: "JSON body sent as text/plain", Raw: b, ContentType: "text/plain"}
}

func paramSchema(op spec.Operation, in, name string) *openapi3.Schema {
	for _, ref := range op.Raw().Parameters {
		if p := ref.Value; p != nil && p.In == in && p.Name == name && p.Schema != nil {
			return p.Schema.Value
		}
	}
	return nil
}

func exampleBody(sp *spec.Spec, opID string) (map[string]any, bool) {
	_, body, ok := fw.PreferredExample(sp, opID)
	return body, ok
}
