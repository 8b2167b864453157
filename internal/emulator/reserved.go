package emulator

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/urn"
)

// reservedConfig is the reserved instance setting of one qualifier.
type reservedConfig struct {
	qualifier string
	count     int
	idleMode  bool
	tactics   json.RawMessage // tactics_config as sent
}

type reservedChange struct {
	at        time.Time
	qualifier string
	count     int
}

// reservedQuota is the fgs_func_occurs quota listQuotas reports: the
// reserved instances of the whole project.
const reservedQuota = 1000

type reservedRequest struct {
	Count         *int            `json:"count"`
	IdleMode      bool            `json:"idle_mode"`
	TacticsConfig json.RawMessage `json:"tactics_config"`
}

// updateFunctionReservedInstancesCount sets the count of the URN's
// qualifier (latest without one); 0 removes the setting.
func updateFunctionReservedInstancesCount(c *call) (int, any, *apiError) {
	var req reservedRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.Count == nil {
		return 0, nil, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: count is required")
	}
	q := c.fn.Qualifier
	if q == "" {
		q = urn.Latest
	}
	_, err := writeFunction(c, func(f *function) (struct{}, *apiError) {
		if _, err := f.resolve(q); err != nil {
			return struct{}{}, err
		}
		if used := c.e.store.reservedTotal() - f.reservedCount(q) + *req.Count; used > reservedQuota {
			return struct{}{}, newError(http.StatusBadRequest, codeBadRequest,
				"Invalid parameter: count %d would reserve %d instances in the project, over the quota of %d (fgs_func_occurs)", *req.Count, used, reservedQuota)
		}
		reserved := maps.Clone(f.settings.reserved)
		if reserved == nil {
			reserved = map[string]*reservedConfig{}
		}
		if *req.Count == 0 {
			delete(reserved, q)
		} else {
			reserved[q] = &reservedConfig{qualifier: q, count: *req.Count, idleMode: req.IdleMode, tactics: req.TacticsConfig}
		}
		f.settings.reserved = reserved
		f.settings.reservedLog = append(f.settings.reservedLog, reservedChange{at: time.Now(), qualifier: q, count: *req.Count})
		return struct{}{}, nil
	})
	if err != nil {
		return 0, nil, err
	}
	body := map[string]any{"count": *req.Count, "idle_mode": req.IdleMode}
	if len(req.TacticsConfig) > 0 {
		body["tactics_config"] = req.TacticsConfig
	}
	return http.StatusOK, body, nil
}

// reservedCount is the qualifier's reserved instances. Caller holds the store lock.
func (f *function) reservedCount(q string) int {
	if r := f.settings.reserved[q]; r != nil {
		return r.count
	}
	return 0
}

// reservedTotal is the project's reserved instances. Caller holds the store lock.
func (s *store) reservedTotal() int {
	n := 0
	for _, f := range s.functions {
		for _, r := range f.settings.reserved {
			n += r.count
		}
	}
	return n
}

// reservedAt is the function's reserved instances (all qualifiers) in
// force at t, replayed from the change log. Caller holds the store lock.
func (f *function) reservedAt(t time.Time) int {
	byQualifier := map[string]int{}
	for _, ch := range f.settings.reservedLog {
		if ch.at.After(t) {
			break
		}
		byQualifier[ch.qualifier] = ch.count
	}
	n := 0
	for _, v := range byQualifier {
		n += v
	}
	return n
}

// reservedEntries lists the project's settings, function creation order
// then qualifier, narrowed to one function when filter names one.
func (s *store) reservedEntries(filter string) ([]*function, []*reservedConfig, *apiError) {
	var only *function
	if filter != "" {
		u, err := urn.Parse(filter)
		if err != nil {
			return nil, nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter: %q is not a function URN: %v", filter, err)
		}
		f, lookupErr := s.lookup(u)
		if lookupErr != nil {
			return nil, nil, lookupErr
		}
		only = f
	}
	var fns []*function
	var cfgs []*reservedConfig
	for _, f := range s.sortedFunctions() {
		if only != nil && f != only {
			continue
		}
		qs := make([]string, 0, len(f.settings.reserved))
		for q := range f.settings.reserved {
			qs = append(qs, q)
		}
		slices.Sort(qs)
		for _, q := range qs {
			fns = append(fns, f)
			cfgs = append(cfgs, f.settings.reserved[q])
		}
	}
	return fns, cfgs, nil
}

// qualifiedURN is the function's URN with the qualifier of a reserved setting.
func qualifiedURN(f *function, q string) string {
	base := f.latest.FuncURN[:strings.LastIndexByte(f.latest.FuncURN, ':')]
	return base + ":" + q
}

func listFunctionReservedInstances(c *call) (int, any, *apiError) {
	return listReserved(c, pageSize{"limit", 400, 400}, "urn", "reservedinstances", func(f *function, r *reservedConfig) reservedInstance {
		return reservedInstance{qualifiedURN(f, r.qualifier), r.count}
	})
}

// reservedInstance is one entry of listFunctionReservedInstances.
type reservedInstance struct {
	FuncURN string `json:"func_urn"`
	Count   int    `json:"count"`
}

func listReservedInstanceConfigs(c *call) (int, any, *apiError) {
	return listReserved(c, limit100, "function_urn", "reserved_instances", func(f *function, r *reservedConfig) reservedInstanceConfig {
		typ, name := "version", r.qualifier
		if a, found := strings.CutPrefix(r.qualifier, urn.AliasPrefix); found {
			typ, name = "alias", a
		}
		return reservedInstanceConfig{qualifiedURN(f, r.qualifier), typ, name, r.count, r.idleMode, r.tactics}
	})
}

// reservedInstanceConfig is one entry of listReservedInstanceConfigs.
type reservedInstanceConfig struct {
	FunctionURN   string          `json:"function_urn"`
	QualifierType string          `json:"qualifier_type"`
	QualifierName string          `json:"qualifier_name"`
	MinCount      int             `json:"min_count"`
	IdleMode      bool            `json:"idle_mode"`
	TacticsConfig json.RawMessage `json:"tactics_config,omitempty"`
}

// listReserved answers both reserved-instance listings: an entry for each
// reserved setting of the functions urnParam selects, paged with page_info.
func listReserved[T any](c *call, size pageSize, urnParam, key string, entry func(*function, *reservedConfig) T) (int, any, *apiError) {
	marker, n, err := pageParams(c, size.param, size.def, size.most)
	if err != nil {
		return 0, nil, err
	}
	var entries []T
	s := c.e.store
	s.read(func() {
		var fns []*function
		var cfgs []*reservedConfig
		fns, cfgs, err = s.reservedEntries(c.query(urnParam))
		for i, r := range cfgs {
			entries = append(entries, entry(fns[i], r))
		}
	})
	if err != nil {
		return 0, nil, err
	}
	page, info := pageOf(entries, marker, n)
	return http.StatusOK, map[string]any{key: page, "page_info": info, "count": len(entries)}, nil
}
