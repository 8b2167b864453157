package spec

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/sdkref"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdktime"
)

// notYetMatched lists the SDK operations the spec does not describe yet (or
// describes with gaps), each with the helper working on it. The list only
// shrinks and must end EMPTY. To remove your entry once the operation is in
// the spec:
//
//	go test -count=1 -run TestSpecMatchesTheSDK -v ./spec
//
// prints the remaining gaps of every listed operation (as log lines); fix
// them, delete the operation's line here and run the test again: it fails if
// a listed operation has no gaps left ("remove it from notYetMatched") and if
// an unlisted one has any.
var notYetMatched = map[string]string{}

// legacyOperationIDs are operationIds older than the rule "SDK name in lower
// camel case"; suites, the emulator and reports already use them.
var legacyOperationIDs = map[string]string{
	"ListWorkflow":          "listWorkflows",
	"ListDependencyVersion": "listDependencyVersions",
}

// TestSpecMatchesTheSDK holds the FunctionGraph spec to the official Go SDK:
// every operation of its client is in the spec; every field it sends is
// declared with a type that accepts what it sends and is not required when
// the SDK leaves it optional; every field it decodes is declared with a type
// it can decode; every enum value it knows is allowed.
func TestSpecMatchesTheSDK(t *testing.T) {
	s := mustSpec(t)
	doc, _ := s.Document(FunctionGraph)
	byRoute := map[string]Operation{}
	for _, op := range s.Operations() {
		if op.Document == FunctionGraph {
			byRoute[routeKey(op.Method, op.Path)] = op
		}
	}
	sdkOps := sdkref.Operations()
	if len(sdkOps) != 92 {
		t.Errorf("the SDK client has %d operations, this test was written for 92: check the SDK version", len(sdkOps))
	}
	var gaps []string
	known := map[string]bool{}
	for _, op := range sdkOps {
		known[op.Name] = true
		specOp, found := byRoute[routeKey(op.Method, op.Path)]
		var opGaps []string
		if !found {
			opGaps = []string{"not in the spec"}
		} else {
			opGaps = compareOperation(s, doc, op, specOp)
		}
		owner, pending := notYetMatched[op.Name]
		switch {
		case pending && len(opGaps) == 0:
			gaps = append(gaps, fmt.Sprintf("%s: matches the SDK now: remove it from notYetMatched", op))
		case pending:
			for _, g := range opGaps {
				t.Logf("pending (%s) %s: %s", owner, op, g)
			}
		default:
			for _, g := range opGaps {
				gaps = append(gaps, fmt.Sprintf("%s: %s", op, g))
			}
		}
	}
	for name := range notYetMatched {
		if !known[name] {
			gaps = append(gaps, fmt.Sprintf("notYetMatched lists %s, which is no SDK operation", name))
		}
	}
	if len(gaps) > 0 {
		sort.Strings(gaps)
		t.Errorf("%d gaps between the official SDK and spec/functiongraph.yaml:\n  %s", len(gaps), strings.Join(gaps, "\n  "))
	}
	if len(notYetMatched) > 0 {
		t.Logf("%d SDK operations are still listed in notYetMatched; the list must end empty", len(notYetMatched))
	}
}

// routeKey names a route with its path parameter names left out, so a
// parameter spelled differently still finds its operation (and then shows
// up as an undeclared parameter).
func routeKey(method, path string) string {
	var b strings.Builder
	depth := 0
	for _, r := range path {
		switch {
		case r == '{':
			depth++
			b.WriteString("{}")
		case r == '}':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return strings.ToUpper(method) + " " + b.String()
}

func compareOperation(s *Spec, doc *openapi3.T, op sdkref.Operation, specOp Operation) []string {
	var gaps []string
	want := op.OperationID()
	if legacy, ok := legacyOperationIDs[op.Name]; ok {
		want = legacy
	}
	if specOp.ID != want {
		gaps = append(gaps, fmt.Sprintf("operationId is %q, want %q", specOp.ID, want))
	}
	params := specOp.Raw().Parameters
	if item := doc.Paths.Value(specOp.Path); item != nil {
		params = append(append(openapi3.Parameters{}, item.Parameters...), params...)
	}
	for _, f := range op.Params {
		if f.In == sdkref.InHeader && ignoredHeaderParams[http.CanonicalHeaderKey(f.Wire)] {
			continue
		}
		p := findParam(params, f)
		if p == nil {
			gaps = append(gaps, fmt.Sprintf("%s parameter %q is not declared", f.In, f.Wire))
			continue
		}
		if p.Required && f.Optional {
			gaps = append(gaps, fmt.Sprintf("%s parameter %q is required, the SDK leaves it optional", f.In, f.Wire))
		}
		if p.Schema != nil {
			gaps = append(gaps, compareType(f.Type, p.Schema.Value, fmt.Sprintf("%s parameter %q", f.In, f.Wire), sends, 0)...)
		}
	}
	if op.Body != nil {
		sc := s.RequestSchema(specOp.ID)
		if sc == nil {
			gaps = append(gaps, "the SDK sends a JSON body, the spec declares none")
		} else {
			gaps = append(gaps, compareType(op.Body.Type, sc, "request body", sends, 0)...)
		}
	}
	if len(op.Form) > 0 {
		gaps = append(gaps, compareForm(specOp, op.Form)...)
	}
	status := specOp.SuccessStatus()
	if resp := specOp.Raw().Responses.Status(status); resp != nil && resp.Value != nil {
		for _, h := range op.ResponseHeaders {
			if !hasHeader(resp.Value.Headers, h.Wire) {
				gaps = append(gaps, fmt.Sprintf("response header %q (%d) is not declared", h.Wire, status))
			}
		}
	}
	gaps = append(gaps, compareResponseBody(s, op, specOp, status)...)
	return gaps
}

// OpenAPI ignores header parameters with these names; the SDK's
// Content-Type field is described by the request body's media type.
var ignoredHeaderParams = map[string]bool{"Content-Type": true, "Accept": true, "Authorization": true}

func findParam(params openapi3.Parameters, f sdkref.Field) *openapi3.Parameter {
	for _, ref := range params {
		p := ref.Value
		if p == nil || p.In != string(f.In) {
			continue
		}
		if p.Name == f.Wire || (f.In == sdkref.InHeader && strings.EqualFold(p.Name, f.Wire)) {
			return p
		}
	}
	return nil
}

func hasHeader(headers openapi3.Headers, name string) bool {
	for k := range headers {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func compareForm(specOp Operation, fields []sdkref.Field) []string {
	body := specOp.Raw().RequestBody
	var mt *openapi3.MediaType
	if body != nil && body.Value != nil {
		mt = body.Value.Content.Get("multipart/form-data")
	}
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return []string{"the SDK sends a multipart form, the spec declares no multipart/form-data body"}
	}
	var gaps []string
	props := properties(mt.Schema.Value)
	for _, f := range fields {
		if props[f.Wire] == nil {
			gaps = append(gaps, fmt.Sprintf("form field %q is not declared", f.Wire))
		}
	}
	return gaps
}

func compareResponseBody(s *Spec, op sdkref.Operation, specOp Operation, status int) []string {
	sc := s.ResponseSchema(specOp.ID, status)
	where := fmt.Sprintf("response body (%d)", status)
	if !op.ResponseBodyIsStruct {
		if sc == nil {
			return []string{where + ": the SDK decodes a JSON body, the spec declares none"}
		}
		return compareType(op.ResponseBody, sc, where, decodes, 0)
	}
	var skip []string
	for _, h := range op.ResponseHeaders {
		skip = append(skip, h.GoName)
	}
	fields := sdkref.JSONFields(op.ResponseBody, skip...)
	if len(fields) == 0 {
		return nil
	}
	if sc == nil {
		return []string{where + ": the SDK decodes a JSON body, the spec declares none"}
	}
	return compareFields(fields, sc, where, decodes, 0)
}

// direction says who writes the value: the SDK (a request the spec must
// accept) or the endpoint (a response the SDK must be able to decode).
type direction int

const (
	sends direction = iota
	decodes
)

var sdkTimeType = reflect.TypeOf(sdktime.SdkTime{})

// compareType checks that values of the SDK type t and of schema sc fit
// each other in the given direction, and returns one line per misfit.
func compareType(t reflect.Type, sc *openapi3.Schema, where string, dir direction, depth int) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if sc == nil || depth > 12 {
		return nil
	}
	if t.Kind() == reflect.Interface {
		return nil
	}
	clash := func(want string) []string {
		return []string{fmt.Sprintf("%s: type %s in the spec, the SDK has %s (%s)", where, typeNames(sc), t, want)}
	}
	switch {
	case t == sdkTimeType:
		if !fits(sc, "string", dir) {
			return clash("string")
		}
		return nil
	case sdkref.IsEnum(t):
		if !fits(sc, "string", dir) {
			return clash("string")
		}
		values, err := sdkref.EnumValues(t)
		if err != nil {
			return []string{fmt.Sprintf("%s: %v", where, err)}
		}
		var gaps []string
		for _, v := range values {
			if err := sc.VisitJSON(v); err != nil {
				gaps = append(gaps, fmt.Sprintf("%s: SDK enum value %q is not allowed", where, v))
			}
		}
		return gaps
	}
	if want := scalarJSONType(t.Kind()); want != "" {
		alt := looserType[want][dir]
		if !fits(sc, want, dir) && (alt == "" || !fits(sc, alt, dir)) {
			return clash(want)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if !fits(sc, "array", dir) {
			return clash("array")
		}
		if sc.Items != nil {
			return compareType(t.Elem(), sc.Items.Value, where+"[]", dir, depth+1)
		}
	case reflect.Map:
		if !fits(sc, "object", dir) {
			return clash("object")
		}
		if ap := sc.AdditionalProperties.Schema; ap != nil {
			return compareType(t.Elem(), ap.Value, where+"{}", dir, depth+1)
		}
	case reflect.Struct:
		if !fits(sc, "object", dir) {
			return clash("object")
		}
		return compareFields(sdkref.JSONFields(t), sc, where, dir, depth)
	}
	return nil
}

// looserType: an integer the SDK sends passes a number schema, and a number
// the SDK decodes may arrive as an integer.
var looserType = map[string]map[direction]string{"integer": {sends: "number"}, "number": {decodes: "integer"}}

func scalarJSONType(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return ""
}

func compareFields(fields []sdkref.Field, sc *openapi3.Schema, where string, dir direction, depth int) []string {
	var gaps []string
	props := properties(sc)
	required := requiredNames(sc)
	for _, f := range fields {
		at := where + "." + f.Wire
		if strings.HasSuffix(where, " body") || strings.HasSuffix(where, ")") {
			at = where + ": " + f.Wire
		}
		p := props[f.Wire]
		if p == nil {
			gaps = append(gaps, fmt.Sprintf("%s is not declared", at))
			continue
		}
		if dir == sends && required[f.Wire] && f.Optional {
			gaps = append(gaps, fmt.Sprintf("%s is required, the SDK leaves it optional", at))
		}
		// A free-form member (*interface{}) without omitempty goes out as
		// null when the caller has no value for it.
		if dir == sends && !f.Optional && f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Interface && p.VisitJSON(nil) != nil {
			gaps = append(gaps, fmt.Sprintf("%s: the SDK sends null when it is unset, the spec does not allow null", at))
		}
		gaps = append(gaps, compareType(f.Type, p, at, dir, depth+1)...)
	}
	return gaps
}

// fits says whether a schema's type fits an SDK value of JSON type want.
// A request schema without a type accepts anything; a response schema must
// name a type the SDK can decode.
func fits(sc *openapi3.Schema, want string, dir direction) bool {
	if sc.Type == nil || sc.Type.IsEmpty() {
		if dir == sends {
			return true
		}
		// Composed schemas carry their type in their parts.
		for _, part := range append(append(sc.AllOf, sc.OneOf...), sc.AnyOf...) {
			if part.Value != nil && fits(part.Value, want, dir) {
				return true
			}
		}
		return len(sc.AllOf)+len(sc.OneOf)+len(sc.AnyOf) == 0 && want == "object" && len(sc.Properties) > 0
	}
	if dir == sends {
		return sc.Type.Includes(want)
	}
	for _, typ := range sc.Type.Slice() {
		if typ != want && typ != "null" {
			return false
		}
	}
	return true
}

func typeNames(sc *openapi3.Schema) string {
	if sc.Type == nil || sc.Type.IsEmpty() {
		return "(none)"
	}
	return strings.Join(sc.Type.Slice(), "|")
}

// properties merges the members a schema declares, its allOf parts and
// every oneOf/anyOf branch (a member any branch declares is declared).
func properties(sc *openapi3.Schema) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	var walk func(*openapi3.Schema, int)
	walk = func(sc *openapi3.Schema, depth int) {
		if sc == nil || depth > 8 {
			return
		}
		for name, p := range sc.Properties {
			if p != nil && p.Value != nil && out[name] == nil {
				out[name] = p.Value
			}
		}
		for _, part := range append(append(sc.AllOf, sc.OneOf...), sc.AnyOf...) {
			if part != nil {
				walk(part.Value, depth+1)
			}
		}
	}
	walk(sc, 0)
	return out
}

// requiredNames are the members a schema requires itself or through allOf.
func requiredNames(sc *openapi3.Schema) map[string]bool {
	out := map[string]bool{}
	for _, n := range sc.Required {
		out[n] = true
	}
	for _, part := range sc.AllOf {
		if part != nil && part.Value != nil {
			for n := range requiredNames(part.Value) {
				out[n] = true
			}
		}
	}
	return out
}

// The comparison must see each kind of gap; a copy of the spec with one
// defect of each kind is compared and every defect must be reported.
func TestSpecMatchesTheSDKReportsEachKindOfGap(t *testing.T) {
	raw, err := files.ReadFile(FunctionGraph + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := string(raw)
	mutate := func(old, new string) {
		t.Helper()
		if strings.Count(src, old) != 1 {
			t.Fatalf("mutation anchor found %d times: %q", strings.Count(src, old), old)
		}
		src = strings.Replace(src, old, new, 1)
	}
	mutate("        created_by:\n          type: string\n          description: Creator.\n", "")
	mutate("history) or `EXPRESS` (under 5 minutes, fast).\"\n          enum: [NORMAL, EXPRESS]\n", "history).\"\n          enum: [NORMAL]\n")
	mutate("        size:\n          type: integer\n          format: int32\n          description: Workflows in this page.",
		"        size:\n          type: number\n          description: Workflows in this page.")
	mutate("        - name: workflow_name\n          in: query\n          required: false", "        - name: workflow_name\n          in: query\n          required: true")
	mutate("    delete:\n      operationId: batchDeleteWorkflows", "    delete:\n      operationId: deleteSomeWorkflows")
	mutate("(the SDK sends null when it has none).\n          nullable: true\n", "(the SDK sends null when it has none).\n")
	s, err := Parse(map[string][]byte{FunctionGraph: []byte(src)})
	if err != nil {
		t.Fatalf("mutated spec does not load: %v", err)
	}
	doc, _ := s.Document(FunctionGraph)
	var got []string
	for _, op := range sdkref.Operations() {
		if op.Name != "ListWorkflow" && op.Name != "CreateWorkflow" && op.Name != "BatchDeleteWorkflows" {
			continue
		}
		for _, route := range s.Operations() {
			if routeKey(route.Method, route.Path) == routeKey(op.Method, op.Path) {
				got = append(got, compareOperation(s, doc, op, route)...)
			}
		}
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"response body (200): workflows[].created_by is not declared",
		`SDK enum value "EXPRESS" is not allowed`,
		"response body (200): size: type number in the spec, the SDK has int32",
		`query parameter "workflow_name" is required, the SDK leaves it optional`,
		`operationId is "deleteSomeWorkflows", want "batchDeleteWorkflows"`,
		"request body: constants: the SDK sends null when it is unset, the spec does not allow null",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("gap not reported: %s\nreported:\n%s", want, all)
		}
	}
}
