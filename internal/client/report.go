package client

import (
	"context"
	"net/http"
)

// ReportQuery selects FunctionReport metrics; empty fields are left out.
type ReportQuery struct {
	Type      string // defaults to failcount on the server
	StartTime string
	EndTime   string
	Limit     string
}

// FunctionReport is the per-function metric list of GET .../function/report.
type FunctionReport struct {
	Values []struct {
		Key   string `json:"key"`
		Value int64  `json:"value"`
	} `json:"values"`
	NextMarker int64 `json:"next_marker"`
	Count      int64 `json:"count"`
}

// FunctionReport returns functions ranked by a metric (ListFunctionAsMetric in the SDK).
func (c *Client) FunctionReport(ctx context.Context, q ReportQuery) (*FunctionReport, error) {
	query := queryOf("type", q.Type, "start_time", q.StartTime, "end_time", q.EndTime, "limit", q.Limit)
	return call[FunctionReport](ctx, c, Request{Operation: "FunctionReport", Method: http.MethodGet, Path: "/v2/{project_id}/fgs/function/report", Query: query})
}
