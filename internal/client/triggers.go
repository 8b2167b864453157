package client

import (
	"context"
	"net/http"
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

// CreateTriggerRequest is the body of CreateTrigger. EventData depends on
// the trigger type (TIMER: name, schedule_type, schedule; ...).
type CreateTriggerRequest struct {
	TriggerTypeCode string         `json:"trigger_type_code"`
	TriggerStatus   string         `json:"trigger_status,omitempty"` // ACTIVE or DISABLED
	EventTypeCode   string         `json:"event_type_code,omitempty"`
	EventData       map[string]any `json:"event_data"`
}

func triggersPath(urn string) string { return "/v2/{project_id}/fgs/triggers/" + pathEscape(urn) }

// CreateTrigger adds a trigger to the function urn.
func (c *Client) CreateTrigger(ctx context.Context, urn string, req CreateTriggerRequest) (*Trigger, error) {
	if err := need("CreateTrigger", urn); err != nil {
		return nil, err
	}
	var out Trigger
	if _, err := c.call(ctx, "CreateTrigger", http.MethodPost, triggersPath(urn), nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListTriggers returns the triggers of the function urn; the API answers a bare array.
func (c *Client) ListTriggers(ctx context.Context, urn string) ([]Trigger, error) {
	if err := need("ListTriggers", urn); err != nil {
		return nil, err
	}
	var out []Trigger
	if _, err := c.call(ctx, "ListTriggers", http.MethodGet, triggersPath(urn), nil, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteTrigger removes one trigger of the function urn.
func (c *Client) DeleteTrigger(ctx context.Context, urn, triggerTypeCode, triggerID string) error {
	if err := need("DeleteTrigger", urn, triggerTypeCode, triggerID); err != nil {
		return err
	}
	path := triggersPath(urn) + "/" + pathEscape(triggerTypeCode) + "/" + pathEscape(triggerID)
	_, err := c.call(ctx, "DeleteTrigger", http.MethodDelete, path, nil, nil, nil)
	return err
}
