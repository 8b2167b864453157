package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fgharness/fgharness/internal/fgs"
)

// FunctionConfig is a function's metadata as create, show, update, publish
// and list answer it. Fields the harness does not read are left to the
// spec validator.
type FunctionConfig struct {
	FuncURN             string          `json:"func_urn"`
	FuncName            string          `json:"func_name"`
	DomainID            string          `json:"domain_id,omitempty"`
	Namespace           string          `json:"namespace,omitempty"`
	ProjectName         string          `json:"project_name,omitempty"`
	Package             string          `json:"package"`
	Runtime             string          `json:"runtime"`
	Timeout             int             `json:"timeout"`
	Handler             string          `json:"handler"`
	MemorySize          int             `json:"memory_size"`
	CPU                 int             `json:"cpu,omitempty"`
	CodeType            string          `json:"code_type,omitempty"`
	CodeURL             string          `json:"code_url,omitempty"`
	CodeFilename        string          `json:"code_filename,omitempty"`
	CodeSize            int64           `json:"code_size,omitempty"`
	UserData            string          `json:"user_data,omitempty"`
	Digest              string          `json:"digest,omitempty"`
	Version             string          `json:"version,omitempty"`
	ImageName           string          `json:"image_name,omitempty"`
	Xrole               string          `json:"xrole,omitempty"`
	AppXrole            string          `json:"app_xrole,omitempty"`
	Description         string          `json:"description,omitempty"`
	VersionDescription  string          `json:"version_description,omitempty"`
	LastModified        string          `json:"last_modified,omitempty"`
	StrategyConfig      *StrategyConfig `json:"strategy_config,omitempty"`
	InitializerHandler  string          `json:"initializer_handler,omitempty"`
	InitializerTimeout  int             `json:"initializer_timeout,omitempty"`
	EnterpriseProjectID string          `json:"enterprise_project_id,omitempty"`
	Type                string          `json:"type,omitempty"`
}

// StrategyConfig limits a function's instances and per-instance concurrency.
type StrategyConfig = fgs.StrategyConfig

// FuncCode is inline code: a base64 zip in File, or a Link to it.
type FuncCode = fgs.FuncCode

// CreateFunctionRequest is the body of CreateFunction; the first six
// fields are required by the API.
type CreateFunctionRequest struct {
	FuncName            string    `json:"func_name"`
	Package             string    `json:"package"`
	Runtime             string    `json:"runtime"`
	Timeout             int       `json:"timeout"`
	Handler             string    `json:"handler"`
	MemorySize          int       `json:"memory_size"`
	CodeType            string    `json:"code_type,omitempty"`
	CodeURL             string    `json:"code_url,omitempty"`
	CodeFilename        string    `json:"code_filename,omitempty"`
	FuncCode            *FuncCode `json:"func_code,omitempty"`
	DependVersionList   []string  `json:"depend_version_list,omitempty"`
	UserData            string    `json:"user_data,omitempty"`
	Xrole               string    `json:"xrole,omitempty"`
	AppXrole            string    `json:"app_xrole,omitempty"`
	Description         string    `json:"description,omitempty"`
	InitializerHandler  string    `json:"initializer_handler,omitempty"`
	InitializerTimeout  int       `json:"initializer_timeout,omitempty"`
	EnterpriseProjectID string    `json:"enterprise_project_id,omitempty"`
	Type                string    `json:"type,omitempty"`
}

// UpdateFunctionConfigRequest is the body of UpdateFunctionConfig; the
// first five fields are required by the API.
type UpdateFunctionConfigRequest struct {
	FuncName            string          `json:"func_name"`
	Runtime             string          `json:"runtime"`
	Timeout             int             `json:"timeout"`
	Handler             string          `json:"handler"`
	MemorySize          int             `json:"memory_size"`
	UserData            string          `json:"user_data,omitempty"`
	Xrole               string          `json:"xrole,omitempty"`
	AppXrole            string          `json:"app_xrole,omitempty"`
	Description         string          `json:"description,omitempty"`
	StrategyConfig      *StrategyConfig `json:"strategy_config,omitempty"`
	InitializerHandler  string          `json:"initializer_handler,omitempty"`
	InitializerTimeout  int             `json:"initializer_timeout,omitempty"`
	EnterpriseProjectID string          `json:"enterprise_project_id,omitempty"`
}

// FunctionList is one page of ListFunctions or ListVersions.
type FunctionList struct {
	Functions  []FunctionConfig `json:"functions,omitempty"`
	Versions   []FunctionConfig `json:"versions,omitempty"`
	NextMarker int64            `json:"next_marker"`
	Count      int64            `json:"count"`
}

const functionsPath = "/v2/{project_id}/fgs/functions"

func functionPath(urn, suffix string) string {
	return functionsPath + "/" + pathEscape(urn) + suffix
}

// CreateFunction creates a function and returns its metadata.
func (c *Client) CreateFunction(ctx context.Context, req CreateFunctionRequest) (*FunctionConfig, error) {
	return call[FunctionConfig](ctx, c, Request{Operation: "CreateFunction", Method: http.MethodPost, Path: functionsPath, Body: req})
}

// ListFunctions returns one page of functions; an empty marker starts at
// the beginning and maxItems 0 leaves the page size to the server.
func (c *Client) ListFunctions(ctx context.Context, marker string, maxItems int) (*FunctionList, error) {
	return call[FunctionList](ctx, c, Request{Operation: "ListFunctions", Method: http.MethodGet, Path: functionsPath, Query: pageQuery(marker, maxItems)})
}

// ShowFunctionConfig returns the metadata of the function or version urn names.
func (c *Client) ShowFunctionConfig(ctx context.Context, urn string) (*FunctionConfig, error) {
	return call[FunctionConfig](ctx, c, Request{Operation: "ShowFunctionConfig", Method: http.MethodGet, Path: functionPath(urn, "/config")}, urn)
}

// UpdateFunctionConfig replaces the function's metadata and returns the result.
func (c *Client) UpdateFunctionConfig(ctx context.Context, urn string, req UpdateFunctionConfigRequest) (*FunctionConfig, error) {
	return call[FunctionConfig](ctx, c, Request{Operation: "UpdateFunctionConfig", Method: http.MethodPut, Path: functionPath(urn, "/config"), Body: req}, urn)
}

// DeleteFunction deletes a function, or one version when urn names it.
func (c *Client) DeleteFunction(ctx context.Context, urn string) error {
	_, err := c.sendChecked(ctx, Request{Operation: "DeleteFunction", Method: http.MethodDelete, Path: functionPath(urn, "")}, urn)
	return err
}

// PublishVersionRequest is the body of PublishVersion; all fields are optional.
type PublishVersionRequest = fgs.PublishVersionRequest

// PublishVersion publishes the function's current code and configuration
// as a version.
func (c *Client) PublishVersion(ctx context.Context, urn string, req PublishVersionRequest) (*FunctionConfig, error) {
	return call[FunctionConfig](ctx, c, Request{Operation: "PublishVersion", Method: http.MethodPost, Path: functionPath(urn, "/versions"), Body: req}, urn)
}

// ListVersions returns one page of the function's versions (in Versions).
func (c *Client) ListVersions(ctx context.Context, urn, marker string, maxItems int) (*FunctionList, error) {
	return call[FunctionList](ctx, c, Request{Operation: "ListVersions", Method: http.MethodGet, Path: functionPath(urn, "/versions"), Query: pageQuery(marker, maxItems)}, urn)
}

// pageQuery is the marker/maxitems pair the list operations share.
func pageQuery(marker string, maxItems int) url.Values {
	q := url.Values{}
	if marker != "" {
		q.Set("marker", marker)
	}
	if maxItems > 0 {
		q.Set("maxitems", strconv.Itoa(maxItems))
	}
	return q
}

// queryOf builds a query from name/value pairs, leaving out empty values.
func queryOf(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q
}
