// Package generated holds the contract specs built from the spec at tree-construction time: for every operation a positive case from its example, and the 401, 403, 404 and 400 cases its documented statuses, path and request schema call for.
package generated

import (
	"fmt"
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// Kinds of generated case.
const (
	casePositive       = "positive"
	caseNoCredentials  = "no credentials"
	caseInBody         = "credentials or scope in the body"
	caseForeignProject = "another project"
	caseUnknown        = "unknown resource"
	caseMalformedJSON  = "malformed JSON"
	caseViolation      = "schema violation"
)

// testCase is one generated request and the status the spec requires for it.
type testCase struct {
	Kind   string
	Status int
	Param  string    // caseUnknown: the path parameter naming nothing
	Broken violation // caseViolation
	Body   int       // caseInBody: index into the operation's bodyCases
}

// malformedJSON is a body no JSON parser accepts.
const malformedJSON = `{"fgh": "unterminated`

// credentialsLocation is where the validator reports missing credentials.
const credentialsLocation = "header X-Auth-Token or Authorization"

// notSentBySuites are operations a client never sends: the endpoint calls
// them, so their statuses are the endpoint's to provoke.
var notSentBySuites = map[string]string{
	fgs.OpInvokeExtension: "the function runtime sends it to the extensions; the extension suite's servers check what arrives",
}

var _ = area.Describe("Generated from the spec", func() {
	sp := spec.MustLoad()
	for _, op := range sp.Operations() {
		if op.Document == spec.Extension {
			declineExtension(op)
			continue
		}
		describeOperation(sp, op)
	}
})

// declineExtension records why the generated suite sends no Extension API
// requests: extensions register from inside a function instance, which
// the extension suite arranges itself.
func declineExtension(op spec.Operation) {
	reason, ok := notSentBySuites[op.ID]
	if !ok {
		reason = "the Extension API is reachable only from inside a function instance; the extension suite exercises it"
	}
	for _, status := range op.Statuses {
		fw.CannotProvoke(op.ID, status, reason)
	}
}

// describeOperation builds one Ordered container per operation: the kit
// is made once, the error cases run, and the positive case runs last so
// that a delete operation removes the kit's resource only at the end.
func describeOperation(sp *spec.Spec, op spec.Operation) {
	labels := Labels(op.Tags)
	if destructive(op) {
		labels = append(labels, fw.LabelDestructive)
	}
	entries := entriesFor(sp, op)
	if len(entries) == 0 {
		return
	}
	Describe(op.String(), Ordered, ContinueOnFailure, labels, func() {
		var k *kit
		BeforeAll(func() { k = prepare(op) })
		args := []any{func(c testCase) { k.run(c) }}
		for _, e := range entries {
			args = append(args, e)
		}
		DescribeTable("answers as the spec documents", args...)
	})
}

// entriesFor lists the cases of one operation and records, for each
// documented status it has no case for, why.
func entriesFor(sp *spec.Spec, op spec.Operation) []TableEntry {
	var out []TableEntry
	provoked := map[int]bool{}
	declined := map[int]string{}
	decline := func(status int, reason string) {
		if op.Documents(status) {
			declined[status] = reason
		}
	}
	defer func() {
		for status, reason := range declined {
			if !provoked[status] {
				fw.CannotProvoke(op.ID, status, reason)
			}
		}
	}()
	exName, example, hasExample := exampleOf(sp, op.ID)
	if !hasExample {
		example = nil
	}
	add := func(c testCase, text string, labels ...string) {
		provoked[c.Status] = true
		decorations := []any{Label(labels...), fw.Judges(op.ID, judgedChecks(c)...), fw.Provokes(op.ID, c.Status), c}
		out = append(out, Entry(fmt.Sprintf("%d: %s", c.Status, text), decorations...))
	}
	errorCase := func(status int, kind, text string, labels ...string) {
		if op.Documents(status) {
			add(testCase{Kind: kind, Status: status}, text, labels...)
		}
	}

	if public := op.Raw().Security != nil && len(*op.Raw().Security) == 0; public {
		for i, bc := range bodyCases[op.ID] {
			if op.Documents(bc.Status) {
				add(testCase{Kind: caseInBody, Status: bc.Status, Body: i}, bc.Text, fw.LabelErrors)
			}
		}
		for status, reason := range bodyDeclines[op.ID] {
			decline(status, reason)
		}
		decline(http.StatusUnauthorized, "the operation needs no credentials")
	} else {
		errorCase(http.StatusUnauthorized, caseNoCredentials, "without credentials", fw.LabelErrors)
		errorCase(http.StatusForbidden, caseForeignProject, "project_id of another project", fw.LabelErrors)
	}

	resources := resourceParams(op)
	if op.Documents(http.StatusNotFound) {
		for _, p := range resources {
			add(testCase{Kind: caseUnknown, Status: http.StatusNotFound, Param: p}, "unknown "+p, fw.LabelErrors)
		}
		if len(resources) == 0 {
			decline(http.StatusNotFound, "the path names no resource that could be unknown")
		}
	}

	if op.Documents(http.StatusBadRequest) {
		before := len(out)
		if op.Raw().RequestBody != nil {
			add(testCase{Kind: caseMalformedJSON, Status: http.StatusBadRequest}, "malformed JSON body", fw.LabelErrors, fw.LabelNegative)
		}
		for _, v := range requestViolations(sp, op, example) {
			add(testCase{Kind: caseViolation, Status: http.StatusBadRequest, Broken: v}, v.String(), fw.LabelErrors, fw.LabelNegative)
		}
		if len(out) == before {
			decline(http.StatusBadRequest, "no body and no constrained path or query parameter a request could break")
		}
	}

	success := op.SuccessStatus()
	if reason, ok := positiveElsewhere[op.ID]; ok {
		decline(success, reason)
		return out
	}
	if op.Raw().RequestBody != nil && !hasExample {
		decline(success, "the spec documents no request example to build a positive case from")
		return out
	}
	text := "documented request"
	if hasExample {
		text = "documented example " + exName
	}
	add(testCase{Kind: casePositive, Status: success}, text, fw.LabelSchema)
	return out
}

// positiveElsewhere are operations whose success needs a resource in a
// state a generated kit does not hold; the area's behaviour specs send
// their positive requests.
var positiveElsewhere = map[string]string{
	fgs.OpRetryWorkFlow:          "succeeds only on a failed or stopped execution; suites/workflows retries one",
	fgs.OpStopWorkFlow:           "succeeds only on a running execution; suites/workflows stops one",
	fgs.OpCreateCallbackWorkflow: "succeeds only while a state is in progress; suites/workflows calls back into one",
}

// judgedChecks are the conformance checks a case's outcome stands for.
func judgedChecks(c testCase) []string {
	if c.Kind == casePositive {
		return []string{fw.CheckSchema, fw.CheckStatus}
	}
	return []string{fw.CheckSchema, fw.CheckStatus, fw.CheckErrors}
}

// run sends the case's request and judges the answer.
func (k *kit) run(c testCase) {
	req := fw.Request{Operation: k.op.ID, Path: k.path(), Query: requiredQuery(k.op), Header: k.headers()}
	if body := k.positiveBody(); body != nil {
		req.Body = body
	}
	switch c.Kind {
	case caseNoCredentials:
		req.NoCredentials = true
		req.Tolerate.AcceptRequest = []string{credentialsLocation}
	case caseInBody:
		bodyCases[k.op.ID][c.Body].mutate(req.Body.(map[string]any))
	case caseForeignProject:
		req.Path["project_id"] = foreignProject(fw.Current().Target.ProjectID)
	case caseUnknown:
		req.Path[c.Param] = k.unknown(c.Param)
	case caseMalformedJSON:
		req.Body = []byte(malformedJSON)
		req.Tolerate.InvalidRequest = true
	case caseViolation:
		breakRequest(&req, c.Broken)
	}
	resp := fw.Call(req)
	adopt(k.op.ID, resp)
	if c.Kind == casePositive {
		resp.ExpectStatus(c.Status)
		return
	}
	expectDocumentedError(resp, c)
}

// breakRequest applies a violation to a positive request.
func breakRequest(req *fw.Request, v violation) {
	GinkgoHelper()
	req.Tolerate.InvalidRequest = true
	switch v.In {
	case "body":
		body, ok := req.Body.(map[string]any)
		Expect(ok).To(BeTrue(), "%s: %s: the positive request has no JSON object body to break", req.Operation, v)
		Expect(applyBody(body, v)).To(BeTrue(), "%s: %s: the positive body has no parent for the member", req.Operation, v)
	case "query":
		if req.Query == nil {
			req.Query = url.Values{}
		}
		if v.Drop {
			req.Query.Del(v.Name)
		} else {
			req.Query.Set(v.Name, fw.ParamText(v.Value))
		}
	case "path":
		req.Path[v.Name] = fw.ParamText(v.Value)
	}
}

// area holds this package's specs until Register.
var area fw.Area

// Register adds the generated specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
