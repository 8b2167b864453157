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
	Success []string `json:"success"`
	Fail    []struct {
		WorkflowURN string `json:"workflow_urn"`
		ErrorDetail string `json:"error_detail"`
	} `json:"fail"`
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
	var out WorkflowList
	if _, err := c.call(ctx, "ListWorkflows", http.MethodGet, workflowsPath, query, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateWorkflow creates a workflow and returns it.
func (c *Client) CreateWorkflow(ctx context.Context, req CreateWorkflowRequest) (*WorkflowInfo, error) {
	for _, list := range []*[]any{&req.Functions, &req.States, &req.Retries} {
		if *list == nil {
			*list = []any{}
		}
	}
	var out WorkflowInfo
	if _, err := c.call(ctx, "CreateWorkflow", http.MethodPost, workflowsPath, nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// BatchDeleteWorkflows deletes the workflows urns name.
func (c *Client) BatchDeleteWorkflows(ctx context.Context, urns []string) (*BatchDeleteWorkflowsResult, error) {
	if urns == nil {
		urns = []string{}
	}
	body := struct {
		WorkflowURNs []string `json:"workflow_urns"`
	}{urns}
	var out BatchDeleteWorkflowsResult
	if _, err := c.call(ctx, "BatchDeleteWorkflows", http.MethodDelete, workflowsPath, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
