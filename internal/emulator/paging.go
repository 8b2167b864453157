package emulator

import (
	"net/http"
	"strconv"
)

// pageParams reads marker (a start index) and a page size parameter.
func pageParams(c *call, sizeParam string, def, limit int) (marker, size int, err *apiError) {
	marker, size = 0, def
	if s := c.query("marker"); s != "" {
		n, convErr := strconv.Atoi(s)
		if convErr != nil || n < 0 {
			return 0, 0, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter marker: %q is not a position", s)
		}
		marker = n
	}
	if s := c.query(sizeParam); s != "" {
		n, convErr := strconv.Atoi(s)
		if convErr != nil || n < 0 {
			return 0, 0, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter %s: %q is not a count", sizeParam, s)
		}
		if n > 0 {
			size = min(n, limit)
		}
	}
	return marker, size, nil
}

func paginate[T any](items []T, marker, size int) ([]T, int) {
	if marker > len(items) {
		marker = len(items)
	}
	end := min(marker+size, len(items))
	page := items[marker:end]
	if page == nil {
		page = []T{}
	}
	return page, end
}

// pageSize is how a list operation reads its page size: the query
// parameter, the size when it is absent or 0, and the most one page holds.
type pageSize struct {
	param     string
	def, most int
}

var (
	maxItems400 = pageSize{"maxitems", 400, 400} // functions, versions, dependencies
	maxItems100 = pageSize{"maxitems", 100, 500} // the template catalogues
	limit100    = pageSize{"limit", 100, 500}    // applications, async invocations, reserved configs
)

// listPage answers a list operation in its usual body: it reads marker and
// the page size (400 when either is not a count), gathers the items and
// answers one page of them under key, with next_marker and count.
func listPage[T any](c *call, size pageSize, key string, gather func() ([]T, *apiError)) (int, any, *apiError) {
	marker, n, err := pageParams(c, size.param, size.def, size.most)
	if err != nil {
		return 0, nil, err
	}
	items, err := gather()
	if err != nil {
		return 0, nil, err
	}
	page, next := paginate(items, marker, n)
	return http.StatusOK, map[string]any{key: page, "next_marker": next, "count": len(items)}, nil
}
