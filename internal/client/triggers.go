package client

import (
	"context"
	"net/http"

	"github.com/fgharness/fgharness/internal/fgs"
)

// Trigger is a function trigger as the API answers it.
type Trigger struct {
	TriggerID       string         `json:"trigger_id"`
	TriggerTypeCode string         `json:"trigger_type_code"`
	TriggerStatus   string         `json:"trigger_status"`
	EventData       map[string]any `json:"event_data"`
	LastUpdatedTime string         `json:"last_updated_time,omitempty"`
	CreatedTime     string         `json:"created_time,omitempty"`
}

// CreateTriggerRequest is the body of CreateTrigger.
type CreateTriggerRequest = fgs.CreateTriggerRequest

func triggersPath(urn string) string { return "/v2/{project_id}/fgs/triggers/" + pathEscape(urn) }

// CreateTrigger adds a trigger to the function urn.
func (c *Client) CreateTrigger(ctx context.Context, urn string, req CreateTriggerRequest) (*Trigger, error) {
	return call[Trigger](ctx, c, Request{Operation: "CreateTrigger", Method: http.MethodPost, Path: triggersPath(urn), Body: req}, urn)
}

// ListTriggers returns the triggers of the function urn; the API answers a bare array.
func (c *Client) ListTriggers(ctx context.Context, urn string) ([]Trigger, error) {
	out, err := call[[]Trigger](ctx, c, Request{Operation: "ListTriggers", Method: http.MethodGet, Path: triggersPath(urn)}, urn)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// DeleteTrigger removes one trigger of the function urn.
func (c *Client) DeleteTrigger(ctx context.Context, urn, triggerTypeCode, triggerID string) error {
	path := triggersPath(urn) + "/" + pathEscape(triggerTypeCode) + "/" + pathEscape(triggerID)
	_, err := c.sendChecked(ctx, Request{Operation: "DeleteTrigger", Method: http.MethodDelete, Path: path}, urn, triggerTypeCode, triggerID)
	return err
}
