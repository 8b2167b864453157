package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
)

// workflow is a stored function flow. Its definition is kept as sent.
type workflow struct {
	fgs.Workflow
	Definition map[string]any `json:"-"`
	seq        int64
}

const (
	// errorRequestIDTag is the spec tag of the operations whose error
	// bodies carry a request_id (see route.errorRequestID).
	errorRequestIDTag = "workflows"
	workflowPackage   = "default"
	maxWorkflowsLimit = 200 // "limit over 200 counts as 200"
)

// showWorkFlow answers the workflow's metadata and its definition as stored.
func showWorkFlow(c *call) (int, any, *apiError) {
	var w *workflow
	var err *apiError
	c.e.store.read(func() { w, err = c.e.store.workflowByID(c.param("workflow_id")) })
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{
		"id": w.ID, "workflow_urn": w.WorkflowURN, "created_time": w.CreatedTime, "updated_time": w.UpdatedTime,
		"created_by": w.CreatedBy, "definition": w.Definition,
	}, nil
}

// updateWorkFlow replaces the definition; a new name moves the workflow to
// the URN that name gives, unless another workflow has it. Executions
// already started keep the definition they started with.
func updateWorkFlow(c *call) (int, any, *apiError) {
	def, req, err := decodeWorkflow(c)
	if err != nil {
		return 0, nil, err
	}
	e := c.e
	var updated *workflow
	e.store.write(func() {
		var old *workflow
		if old, err = e.store.workflowByID(c.param("workflow_id")); err != nil {
			return
		}
		w := *old
		w.Name, w.Description, w.EnableStreamResponse, w.Definition = req.Name, req.Description, req.EnableStreamResponse, def
		if req.Mode != "" {
			w.Mode = req.Mode
		}
		w.UpdatedTime = nowStamp(time.Now())
		w.WorkflowURN = urn.Workflow(e.cfg.Region, e.cfg.ProjectID, workflowPackage, req.Name).String()
		if other := e.store.workflows[w.WorkflowURN]; other != nil && other.ID != w.ID {
			err = newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter name: the workflow %s already exists", req.Name)
			return
		}
		delete(e.store.workflows, old.WorkflowURN)
		e.store.workflows[w.WorkflowURN] = &w
		updated = &w
	})
	return http.StatusOK, updated, err
}

// workflowRequest is what create and update read of a workflow's body
// besides the definition, which is kept whole.
type workflowRequest struct {
	Name                 string `json:"name"`
	Description          string `json:"description"`
	Mode                 string `json:"mode"`
	EnableStreamResponse bool   `json:"enable_stream_response"`
}

func decodeWorkflow(c *call) (def map[string]any, req workflowRequest, err *apiError) {
	if err = c.decode(&def); err == nil {
		err = c.decode(&req)
	}
	return def, req, err
}

func createWorkflow(c *call) (int, any, *apiError) {
	def, req, err := decodeWorkflow(c)
	if err != nil {
		return 0, nil, err
	}
	if req.Mode == "" {
		req.Mode = "NORMAL"
	}
	e := c.e
	now := nowStamp(time.Now())
	w := &workflow{Workflow: fgs.Workflow{
		ID: newID(), WorkflowURN: urn.Workflow(e.cfg.Region, e.cfg.ProjectID, workflowPackage, req.Name).String(),
		Name: req.Name, Description: req.Description, CreatedTime: now, UpdatedTime: now, CreatedBy: "fgh-emulator",
		Mode: req.Mode, EnableStreamResponse: req.EnableStreamResponse,
	}, Definition: def}
	e.store.write(func() {
		if e.store.workflows[w.WorkflowURN] != nil {
			err = newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter name: the workflow %s already exists", req.Name)
			return
		}
		w.seq = e.store.nextSeq()
		e.store.workflows[w.WorkflowURN] = w
	})
	return http.StatusOK, w, err
}

// listWorkflows filters by workflow_name (substring) and mode, then pages
// with limit/offset normalised as documented.
func listWorkflows(c *call) (int, any, *apiError) {
	limit, offset := maxWorkflowsLimit, 0
	if s := c.query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter limit: %q is not a number", s)
		}
		if n >= 1 {
			limit = min(n, maxWorkflowsLimit)
		}
	}
	if s := c.query("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter offset: %q is not a number", s)
		}
		offset = max(n, 0)
	}
	name, mode := c.query("workflow_name"), c.query("mode")
	var matched []*workflow
	c.e.store.read(func() {
		for _, w := range c.e.store.workflows {
			if (name == "" || strings.Contains(w.Name, name)) && (mode == "" || w.Mode == mode) {
				matched = append(matched, w)
			}
		}
	})
	sortBy(matched, func(w *workflow) int64 { return w.seq })
	page, _ := paginate(matched, offset, limit)
	return http.StatusOK, map[string]any{"total": len(matched), "size": len(page), "workflows": page}, nil
}

// batchDeleteWorkflows deletes what exists and reports the rest in fail.
func batchDeleteWorkflows(c *call) (int, any, *apiError) {
	var req fgs.BatchDeleteWorkflowsRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	success, fail := []string{}, []fgs.WorkflowDeleteFailure{}
	s := c.e.store
	s.write(func() {
		for _, text := range req.WorkflowURNs {
			u, err := urn.Parse(text)
			if u.Qualifier == "" {
				u.Qualifier = urn.Latest
			}
			switch {
			case err != nil || u.Kind != urn.KindWorkflow:
				fail = append(fail, fgs.WorkflowDeleteFailure{WorkflowURN: text, ErrorDetail: "malformed workflow URN"})
			case s.workflows[u.String()] == nil:
				fail = append(fail, fgs.WorkflowDeleteFailure{WorkflowURN: text, ErrorDetail: "workflow not found"})
			default:
				s.dropRuns(s.workflows[u.String()].ID)
				delete(s.workflows, u.String())
				success = append(success, text)
			}
		}
	})
	return http.StatusOK, map[string]any{"success": success, "fail": fail}, nil
}
