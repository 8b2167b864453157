package client

import (
	"context"
	"net/http"
	"strconv"

	"github.com/fgharness/fgharness/internal/fgs"
)

// WorkflowInfo is a workflow as list and create answer it.
type WorkflowInfo = fgs.Workflow

// ListWorkflowsQuery filters ListWorkflows; zero values are left out.
type ListWorkflowsQuery struct {
	WorkflowName      string
	Limit             int
	Offset            int
	EnterpriseProject string
	Mode              string // NORMAL or EXPRESS
}

// WorkflowList is one page of ListWorkflows.
type WorkflowList struct {
	Total     int64          `json:"total"`
	Size      int            `json:"size"`
	Workflows []WorkflowInfo `json:"workflows"`
}

// CreateWorkflowRequest is the body of CreateWorkflow. Functions, States
// and Retries are required and sent as [] when nil; their elements are
// whatever JSON the definition holds.
type CreateWorkflowRequest struct {
	Name                string `json:"name"`
	Description         string `json:"description,omitempty"`
	Start               string `json:"start"`
	Triggers            []any  `json:"triggers,omitempty"`
	Functions           []any  `json:"functions"`
	States              []any  `json:"states"`
	Constants           any    `json:"constants,omitempty"`
	Retries             []any  `json:"retries"`
	Mode                string `json:"mode,omitempty"`
	EnterpriseProjectID string `json:"enterprise_project_id,omitempty"`
}

// BatchDeleteWorkflowsResult says which workflows were deleted and why the
// others were not.
type BatchDeleteWorkflowsResult struct {
	Success []string                    `json:"success"`
	Fail    []fgs.WorkflowDeleteFailure `json:"fail"`
}

const workflowsPath = "/v2/{project_id}/fgs/workflows"

// ListWorkflows returns the workflows q selects.
func (c *Client) ListWorkflows(ctx context.Context, q ListWorkflowsQuery) (*WorkflowList, error) {
	query := queryOf("workflow_name", q.WorkflowName, "enterprise_project", q.EnterpriseProject, "mode", q.Mode)
	if q.Limit > 0 {
		query.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Offset > 0 {
		query.Set("offset", strconv.Itoa(q.Offset))
	}
	return call[WorkflowList](ctx, c, Request{Operation: "ListWorkflows", Method: http.MethodGet, Path: workflowsPath, Query: query})
}

// CreateWorkflow creates a workflow and returns it.
func (c *Client) CreateWorkflow(ctx context.Context, req CreateWorkflowRequest) (*WorkflowInfo, error) {
	for _, list := range []*[]any{&req.Functions, &req.States, &req.Retries} {
		if *list == nil {
			*list = []any{}
		}
	}
	return call[WorkflowInfo](ctx, c, Request{Operation: "CreateWorkflow", Method: http.MethodPost, Path: workflowsPath, Body: req})
}

// BatchDeleteWorkflows deletes the workflows urns name.
func (c *Client) BatchDeleteWorkflows(ctx context.Context, urns []string) (*BatchDeleteWorkflowsResult, error) {
	if urns == nil {
		urns = []string{}
	}
	body := fgs.BatchDeleteWorkflowsRequest{WorkflowURNs: urns}
	return call[BatchDeleteWorkflowsResult](ctx, c, Request{Operation: "BatchDeleteWorkflows", Method: http.MethodDelete, Path: workflowsPath, Body: body})
}
