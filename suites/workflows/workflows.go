// Package workflows holds the contract specs of function flows: create, list with its limit/offset/name/mode rules, batch delete, error bodies, and executions (order of the history, sync runs, listing, stop, retry, callback).
package workflows

import (
	"net/http"
	"net/url"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// maxLimit is the documented page-size cap: a larger limit counts as 200.
const maxLimit = 200

// workflow is what these specs read of a Workflow.
type workflow struct {
	ID          string `json:"id"`
	WorkflowURN string `json:"workflow_urn"`
	Name        string `json:"name"`
}

type page struct {
	Total     *int       `json:"total"`
	Size      *int       `json:"size"`
	Workflows []workflow `json:"workflows"`
}

func (p page) names() []string {
	out := make([]string, 0, len(p.Workflows))
	for _, w := range p.Workflows {
		out = append(out, w.Name)
	}
	return out
}

// list calls listWorkflows and checks that size counts the page.
func list(query url.Values, tolerate fw.Tolerate) page {
	GinkgoHelper()
	var p page
	fw.Call(fw.Request{Operation: fgs.OpListWorkflows, Query: query, Tolerate: tolerate}).ExpectStatus(http.StatusOK).Decode(&p)
	Expect(p.Size).NotTo(BeNil(), "listWorkflows?%s: size: expected the page size", query.Encode())
	Expect(p.Total).NotTo(BeNil(), "listWorkflows?%s: total: expected the number of matching workflows", query.Encode())
	Expect(*p.Size).To(Equal(len(p.Workflows)), "listWorkflows?%s: size: expected the %d workflows of the page", query.Encode(), len(p.Workflows))
	return p
}

// createWorkflow creates a workflow from the spec's example, calling fn,
// and deletes it when the calling node's scope ends.
func createWorkflow(name, mode, functionURN string) workflow {
	GinkgoHelper()
	body := fw.Example(fgs.OpCreateWorkflow, "oneStep")
	body["name"], body["mode"] = name, mode
	body["description"] = "created by " + fw.Current().Prefix
	fns, _ := body["functions"].([]any)
	Expect(fns).NotTo(BeEmpty(), "the spec's createWorkflow example has no functions")
	fns[0].(map[string]any)["operation"] = functionURN
	return createFlow(body)
}

// deleteWorkflows removes workflows of this run; one already gone counts as done.
func deleteWorkflows(ctx SpecContext, urns ...string) {
	GinkgoHelper()
	resp, err := fw.Current().Do(ctx, fw.Request{Operation: fgs.OpBatchDeleteWorkflows, Body: map[string]any{"workflow_urns": urns}})
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.Status).To(Equal(http.StatusOK), "cleanup: batchDeleteWorkflows %v answered %d: %s", urns, resp.Status, resp.Snippet())
}

func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

var _ = area.Describe("Workflows", Ordered, Label(fw.LabelWorkflows, fw.LabelDestructive), func() {
	var (
		group           string // every workflow of this container has it in its name
		normal, normal2 workflow
		express         workflow
		created         []string
	)

	BeforeAll(func() {
		fn := fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
		group = fw.Current().Name("wf") + "-"
		normal = createWorkflow(group+"a", "NORMAL", fn.URN)
		normal2 = createWorkflow(group+"b", "NORMAL", fn.URN)
		express = createWorkflow(group+"c", "EXPRESS", fn.URN)
		created = []string{normal.Name, normal2.Name, express.Name}
	})

	It("creates workflows whose answers name them with a workflow URN of this project",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpCreateWorkflow, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			project := fw.Current().Target.ProjectID
			for i, w := range []workflow{normal, normal2, express} {
				Expect(w.Name).To(Equal(created[i]), "createWorkflow answer: name: expected the requested name")
				Expect(w.ID).NotTo(BeEmpty(), "createWorkflow answer: id: expected the workflow's ID")
				u, err := urn.Parse(w.WorkflowURN)
				Expect(err).NotTo(HaveOccurred(), "createWorkflow answer: workflow_urn %q is not a URN", w.WorkflowURN)
				Expect(u.Kind).To(Equal(urn.KindWorkflow), "createWorkflow answer: workflow_urn %q: expected a workflow URN", w.WorkflowURN)
				Expect(u.ProjectID).To(Equal(project), "createWorkflow answer: workflow_urn %q: expected this project's ID", w.WorkflowURN)
			}
		})

	It("lists the workflows whose name matches workflow_name",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpListWorkflows, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			one := list(query("workflow_name", normal.Name), fw.Tolerate{})
			Expect(one.names()).To(ContainElement(normal.Name), "listWorkflows?workflow_name=%s: expected that workflow", normal.Name)
			all := list(query("workflow_name", group), fw.Tolerate{})
			Expect(all.names()).To(ConsistOf(created), "listWorkflows?workflow_name=%s: expected exactly this spec's workflows", group)
			Expect(*all.Total).To(Equal(len(created)), "listWorkflows?workflow_name=%s: total", group)
		})

	It("pages with limit and offset",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpListWorkflows, fw.CheckBehaviour), func() {
			first := list(query("workflow_name", group, "limit", "2", "offset", "0"), fw.Tolerate{})
			rest := list(query("workflow_name", group, "limit", "2", "offset", "2"), fw.Tolerate{})
			Expect(first.Workflows).To(HaveLen(2), "listWorkflows limit=2 offset=0: expected 2 of the %d workflows", len(created))
			Expect(rest.Workflows).To(HaveLen(1), "listWorkflows limit=2 offset=2: expected the last of the %d workflows", len(created))
			Expect(*first.Total).To(Equal(len(created)), "listWorkflows limit=2: total: expected every match, not the page")
			Expect(append(first.names(), rest.names()...)).To(ConsistOf(created), "listWorkflows: the two pages together: expected every workflow exactly once")
		})

	It("treats a limit over 200 as 200",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpListWorkflows, fw.CheckStatus, fw.CheckBehaviour), func() {
			over := list(query("workflow_name", group, "limit", "500"), fw.Tolerate{})
			capped := list(query("workflow_name", group, "limit", strconv.Itoa(maxLimit)), fw.Tolerate{})
			Expect(over.names()).To(Equal(capped.names()), "listWorkflows limit=500: expected the page of limit=200")
			all := list(query("limit", "500"), fw.Tolerate{})
			Expect(*all.Size).To(Equal(min(*all.Total, maxLimit)), "listWorkflows limit=500: size: expected min(total %d, 200)", *all.Total)
		})

	It("treats an offset under 0 as 0",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpListWorkflows, fw.CheckStatus, fw.CheckBehaviour), func() {
			// The parameter's schema says minimum 0 while the page says negative values count as 0.
			negative := list(query("workflow_name", group, "offset", "-1"), fw.Tolerate{AcceptRequest: []string{"query offset"}})
			zero := list(query("workflow_name", group, "offset", "0"), fw.Tolerate{})
			Expect(negative.names()).To(Equal(zero.names()), "listWorkflows offset=-1: expected the page of offset=0")
			Expect(negative.names()).To(HaveLen(len(created)), "listWorkflows offset=-1: expected every workflow of this spec")
		})

	It("filters by mode",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpListWorkflows, fw.CheckBehaviour), func() {
			ex := list(query("workflow_name", group, "mode", "EXPRESS"), fw.Tolerate{})
			Expect(ex.names()).To(ConsistOf(express.Name), "listWorkflows mode=EXPRESS: expected only the EXPRESS workflow")
			no := list(query("workflow_name", group, "mode", "NORMAL"), fw.Tolerate{})
			Expect(no.names()).To(ConsistOf(normal.Name, normal2.Name), "listWorkflows mode=NORMAL: expected only the NORMAL workflows")
		})

	It("batch-deletes what exists and lists an unknown URN under fail",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpBatchDeleteWorkflows, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			u, err := urn.Parse(normal.WorkflowURN)
			Expect(err).NotTo(HaveOccurred())
			unknown := urn.Workflow(u.Region, u.ProjectID, u.Package, fw.Current().Name("missing")).String()
			var out struct {
				Success []string `json:"success"`
				Fail    []struct {
					WorkflowURN string `json:"workflow_urn"`
					ErrorDetail string `json:"error_detail"`
				} `json:"fail"`
			}
			fw.Call(fw.Request{Operation: fgs.OpBatchDeleteWorkflows, Body: map[string]any{"workflow_urns": []string{normal.WorkflowURN, unknown}}}).
				ExpectStatus(http.StatusOK).Decode(&out)
			Expect(out.Fail).To(HaveLen(1), "batchDeleteWorkflows: fail: expected exactly the unknown workflow %s", unknown)
			Expect(out.Fail[0].WorkflowURN).To(Equal(unknown), "batchDeleteWorkflows: fail[0].workflow_urn: expected the unknown workflow")
			Expect(out.Fail[0].ErrorDetail).NotTo(BeEmpty(), "batchDeleteWorkflows: fail[0].error_detail: expected why it was not deleted")
			Expect(out.Success).To(ConsistOf(normal.WorkflowURN), "batchDeleteWorkflows: success: expected exactly the existing workflow %s", normal.WorkflowURN)
			left := list(query("workflow_name", group), fw.Tolerate{})
			Expect(left.names()).NotTo(ContainElement(normal.Name), "listWorkflows after batchDeleteWorkflows: the deleted workflow %s is still listed", normal.Name)
			Expect(left.names()).To(ConsistOf(normal2.Name, express.Name), "listWorkflows after batchDeleteWorkflows: expected the other workflows to stay")
		})
})

// expectErrorBody checks the workflow pages' error body: error_code and
// error_msg (the validator checks their formats) and a request_id.
func expectErrorBody(resp *fw.Response) {
	GinkgoHelper()
	id := resp.Operation.ID
	Expect(resp.String("error_code")).NotTo(BeEmpty(), "%s answered %d: error_code: expected an error code", id, resp.Status)
	Expect(resp.String("error_msg")).NotTo(BeEmpty(), "%s answered %d: error_msg: expected an error message", id, resp.Status)
	Expect(resp.String("request_id")).NotTo(BeEmpty(), "%s answered %d: request_id: the workflow pages document a request ID in error bodies, got none: %s", id, resp.Status, resp.Snippet())
}

var _ = area.Describe("Workflow errors", Label(fw.LabelWorkflows, fw.LabelErrors, fw.LabelNegative), func() {
	It("refuses a definition without states with 400 and a request_id",
		Label(fw.LabelDestructive), fw.Provokes(fgs.OpCreateWorkflow, http.StatusBadRequest), fw.Judges(fgs.OpCreateWorkflow, fw.CheckStatus, fw.CheckErrors), func() {
			body := fw.Example(fgs.OpCreateWorkflow, "oneStep")
			body["name"] = fw.Current().Name("wf")
			delete(body, "states")
			resp := fw.Call(fw.Request{Operation: fgs.OpCreateWorkflow, Body: body, Tolerate: fw.Tolerate{InvalidRequest: true}})
			if resp.Status == http.StatusOK {
				var w workflow
				resp.Decode(&w)
				if w.WorkflowURN != "" {
					DeferCleanup(deleteWorkflows, w.WorkflowURN)
				}
			}
			resp.ExpectStatus(http.StatusBadRequest)
			expectErrorBody(resp)
		})

	It("refuses an unknown mode filter with 400 and a request_id",
		fw.Provokes(fgs.OpListWorkflows, http.StatusBadRequest), fw.Judges(fgs.OpListWorkflows, fw.CheckStatus, fw.CheckErrors), func() {
			resp := fw.Call(fw.Request{Operation: fgs.OpListWorkflows, Query: query("mode", "TURBO"), Tolerate: fw.Tolerate{AcceptRequest: []string{"query mode"}}}).
				ExpectStatus(http.StatusBadRequest)
			expectErrorBody(resp)
		})

	It("refuses a batch delete of no workflows with 400 and a request_id",
		Label(fw.LabelDestructive), fw.Provokes(fgs.OpBatchDeleteWorkflows, http.StatusBadRequest), fw.Judges(fgs.OpBatchDeleteWorkflows, fw.CheckStatus, fw.CheckErrors), func() {
			resp := fw.Call(fw.Request{Operation: fgs.OpBatchDeleteWorkflows, Body: map[string]any{"workflow_urns": []string{}}, Tolerate: fw.Tolerate{AcceptRequest: []string{"body"}}}).
				ExpectStatus(http.StatusBadRequest)
			expectErrorBody(resp)
		})
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the workflows specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
