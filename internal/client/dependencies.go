package client

import (
	"context"
	"net/http"

	"github.com/fgharness/fgharness/internal/fgs"
)

// Dependency is a dependency package version as the API answers it.
type Dependency = fgs.DependencyVersion

// CreateDependencyRequest is the body of CreateDependency and
// CreateDependencyVersion.
type CreateDependencyRequest = fgs.CreateDependencyRequest

// ListDependenciesQuery filters ListDependencies; empty fields are left out.
type ListDependenciesQuery struct {
	Marker         string
	MaxItems       string
	IsPublic       string
	DependencyType string // public, private or all
	Runtime        string
	Name           string
	Limit          string
}

// DependencyList is one page of dependencies or of one dependency's versions.
type DependencyList struct {
	Dependencies []Dependency `json:"dependencies"`
	NextMarker   int64        `json:"next_marker"`
	Count        int64        `json:"count"`
}

const dependenciesPath = "/v2/{project_id}/fgs/dependencies"

// CreateDependency creates a dependency package the way the seed documents
// it (POST .../dependencies).
func (c *Client) CreateDependency(ctx context.Context, req CreateDependencyRequest) (*Dependency, error) {
	return call[Dependency](ctx, c, Request{Operation: "CreateDependency", Method: http.MethodPost, Path: dependenciesPath, Body: req})
}

// CreateDependencyVersion creates a dependency package version the way the
// current SDK does (POST .../dependencies/version).
func (c *Client) CreateDependencyVersion(ctx context.Context, req CreateDependencyRequest) (*Dependency, error) {
	return call[Dependency](ctx, c, Request{Operation: "CreateDependencyVersion", Method: http.MethodPost, Path: dependenciesPath + "/version", Body: req})
}

// ListDependencies returns the dependency packages q selects.
func (c *Client) ListDependencies(ctx context.Context, q ListDependenciesQuery) (*DependencyList, error) {
	query := queryOf("marker", q.Marker, "maxitems", q.MaxItems, "ispublic", q.IsPublic,
		"dependency_type", q.DependencyType, "runtime", q.Runtime, "name", q.Name, "limit", q.Limit)
	return call[DependencyList](ctx, c, Request{Operation: "ListDependencies", Method: http.MethodGet, Path: dependenciesPath, Query: query})
}

// ListDependencyVersions returns one page of the versions of dependency dependID.
func (c *Client) ListDependencyVersions(ctx context.Context, dependID, marker string, maxItems int) (*DependencyList, error) {
	path := dependenciesPath + "/" + pathEscape(dependID) + "/version"
	return call[DependencyList](ctx, c, Request{Operation: "ListDependencyVersions", Method: http.MethodGet, Path: path, Query: pageQuery(marker, maxItems)}, dependID)
}
