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
