package emulator

import (
	"net/http"
	"strconv"
)

// functionSettings are a function's tags, reserved instances and tracing
// keys. They live on the function, so deleting it deletes them. Guarded by
// store.mu.
type functionSettings struct {
	tags     map[string]string
	reserved map[string]*reservedConfig // by qualifier ("latest", a version, "!alias")
	// reservedLog remembers when reserved counts changed, for the reserved
	// instance series.
	reservedLog []reservedChange
	tracingAK   string
	tracingSK   string
}

// projectSettings are the project-level resources of the LTS, application
// and network operations. Guarded by store.mu.
type projectSettings struct {
	ltsEnabled   bool
	ltsGroupID   string
	apps         map[string]*functionApp
	appSeq       int64
	vpcEndpoints map[string]*vpcEndpoint // by vpc_id + "/" + subnet_id
	workflowRuns map[string]*invocationSeries
}

// queryCount reads a non-negative integer query parameter; def when absent.
func queryCount(c *call, name string, def int) (int, *apiError) {
	s := c.query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter %s: %q is not a non-negative integer", name, s)
	}
	return n, nil
}

// pageInfo is the page_info member of the reserved-instance listings.
type pageInfo struct {
	NextMarker     int `json:"next_marker"`
	PreviousMarker int `json:"previous_marker"`
	CurrentCount   int `json:"current_count"`
}

// pageOf pages items from marker with size (0 or over limit means limit).
func pageOf[T any](items []T, marker, size, limit int) ([]T, pageInfo) {
	if size == 0 || size > limit {
		size = limit
	}
	page, next := paginate(items, marker, size)
	return page, pageInfo{NextMarker: next, PreviousMarker: min(marker, len(items)), CurrentCount: len(page)}
}
