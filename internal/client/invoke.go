package client

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/fgharness/fgharness/internal/fgs"
)

// InvokeOptions are the optional headers of a synchronous invocation.
type InvokeOptions struct {
	LogType        string // X-Cff-Log-Type: "tail" returns up to 4 KB of log
	RequestVersion string // X-CFF-Request-Version: "v0" answers the bare result, "v1" wraps it
}

// InvokeResult is what a synchronous invocation answered.
type InvokeResult struct {
	HTTPStatus      int
	RequestID       string // request_id in the body
	Result          string // the function's result; the whole body when it is not the v1 envelope
	Log             string // tail log when asked for
	Status          int    // status in the body: the function's execution status
	HeaderRequestID string // X-Cff-Request-Id
	Summary         string // X-Cff-Invoke-Summary, raw
	Body            []byte // the body as received
}

// Invoke calls the function urn synchronously with payload (sent as it is;
// nil sends "{}").
func (c *Client) Invoke(ctx context.Context, urn string, payload []byte, opts InvokeOptions) (*InvokeResult, error) {
	if payload == nil {
		payload = []byte("{}")
	}
	header := http.Header{}
	if opts.LogType != "" {
		header.Set("X-Cff-Log-Type", opts.LogType)
	}
	if opts.RequestVersion != "" {
		header.Set("X-CFF-Request-Version", opts.RequestVersion)
	}
	res, err := c.sendChecked(ctx, Request{
		Operation: "Invoke", Method: http.MethodPost, Path: functionPath(urn, "/invocations"),
		Header: header, Body: payload,
	}, urn)
	if err != nil {
		return nil, err
	}
	out := &InvokeResult{
		HTTPStatus:      res.Status,
		HeaderRequestID: res.Header.Get("X-Cff-Request-Id"),
		Summary:         res.Header.Get("X-Cff-Invoke-Summary"),
		Body:            res.Body,
	}
	var envelope fgs.InvokeEnvelope
	if opts.RequestVersion != "v0" && json.Unmarshal(res.Body, &envelope) == nil && (envelope.RequestID != nil || envelope.Result != nil) {
		out.Log, out.Status = envelope.Log, envelope.Status
		if envelope.RequestID != nil {
			out.RequestID = *envelope.RequestID
		}
		if envelope.Result != nil {
			out.Result = *envelope.Result
		}
	} else {
		out.Result = string(res.Body)
	}
	return out, nil
}

// InvokeAsync queues an invocation of urn with payload (nil sends "{}") and
// returns the request ID.
func (c *Client) InvokeAsync(ctx context.Context, urn string, payload []byte) (string, error) {
	if payload == nil {
		payload = []byte("{}")
	}
	out, err := call[struct {
		RequestID string `json:"request_id"`
	}](ctx, c, Request{Operation: "InvokeAsync", Method: http.MethodPost, Path: functionPath(urn, "/invocations-async"), Body: payload}, urn)
	if err != nil {
		return "", err
	}
	return out.RequestID, nil
}

// AsyncConfig is a function's asynchronous invocation configuration; as a
// request body, unset fields are left out.
type AsyncConfig struct {
	FuncURN                   string             `json:"func_urn,omitempty"`
	MaxAsyncEventAgeInSeconds *int               `json:"max_async_event_age_in_seconds,omitempty"`
	MaxAsyncRetryAttempts     *int               `json:"max_async_retry_attempts,omitempty"` // 0 is meaningful
	DestinationConfig         *DestinationConfig `json:"destination_config,omitempty"`
	EnableAsyncStatusLog      *bool              `json:"enable_async_status_log,omitempty"`
	CreatedTime               string             `json:"created_time,omitempty"`
	LastModified              string             `json:"last_modified,omitempty"`
}

// DestinationConfig says where asynchronous results go.
type DestinationConfig struct {
	OnSuccess *Destination `json:"on_success,omitempty"`
	OnFailure *Destination `json:"on_failure,omitempty"`
}

// Destination is one target of asynchronous results: a type (OBS, SMN,
// DIS, FunctionGraph) and its JSON parameters as a string.
type Destination struct {
	Destination string `json:"destination,omitempty"`
	Param       string `json:"param,omitempty"`
}

// ShowFunctionAsyncConfig returns the asynchronous invocation configuration of urn.
func (c *Client) ShowFunctionAsyncConfig(ctx context.Context, urn string) (*AsyncConfig, error) {
	return call[AsyncConfig](ctx, c, Request{Operation: "ShowFunctionAsyncConfig", Method: http.MethodGet, Path: functionPath(urn, "/async-invoke-config")}, urn)
}

// UpdateFunctionAsyncConfig sets the asynchronous invocation configuration of urn.
func (c *Client) UpdateFunctionAsyncConfig(ctx context.Context, urn string, cfg AsyncConfig) (*AsyncConfig, error) {
	return call[AsyncConfig](ctx, c, Request{Operation: "UpdateFunctionAsyncConfig", Method: http.MethodPut, Path: functionPath(urn, "/async-invoke-config"), Body: cfg}, urn)
}
