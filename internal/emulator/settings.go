package emulator

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
}

// pageInfo is the page_info member of the reserved-instance listings.
type pageInfo struct {
	NextMarker     int `json:"next_marker"`
	PreviousMarker int `json:"previous_marker"`
	CurrentCount   int `json:"current_count"`
}

// pageOf pages items from marker (pageParams has read both numbers).
func pageOf[T any](items []T, marker, size int) ([]T, pageInfo) {
	page, next := paginate(items, marker, size)
	return page, pageInfo{NextMarker: next, PreviousMarker: min(marker, len(items)), CurrentCount: len(page)}
}
