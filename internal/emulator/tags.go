package emulator

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/fgharness/fgharness/internal/urn"
)

// Tags are kept per function (not per version). System tags are not
// settable: the one a function has, _sys_enterprise_project_id, comes from
// its enterprise_project_id.
const sysTagEnterpriseProject = "_sys_enterprise_project_id"

type kvItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type tagItem struct {
	Key    string   `json:"key"`
	Values []string `json:"values,omitempty"`
}

// taggedFunction finds the function resource_id names: its URN (any
// qualifier) or its resource ID (func_id). Caller holds the store lock.
func (s *store) taggedFunction(projectID, resourceID string) (*function, *apiError) {
	if u, err := urn.Parse(resourceID); err == nil {
		if u.Kind != urn.KindFunction || u.ProjectID != projectID {
			return nil, errFunctionNotFound(resourceID)
		}
		return s.lookup(u)
	}
	for _, f := range s.functions {
		if f.latest.FuncID == resourceID {
			return f, nil
		}
	}
	return nil, errFunctionNotFound(resourceID)
}

func (f *function) tagList() []kvItem {
	out := make([]kvItem, 0, len(f.settings.tags))
	for k, v := range f.settings.tags {
		out = append(out, kvItem{k, v})
	}
	slices.SortFunc(out, func(a, b kvItem) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func (f *function) sysTagList() []kvItem {
	return []kvItem{{sysTagEnterpriseProject, f.latest.EnterpriseProjectID}}
}

type tagsRequest struct {
	Tags []kvItem `json:"tags"`
}

func createTags(c *call) (int, any, *apiError) {
	var req tagsRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	for i, t := range req.Tags {
		if strings.TrimSpace(t.Key) == "" {
			return 0, nil, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: tags[%d].key is empty", i)
		}
	}
	return http.StatusNoContent, nil, c.changeTags(func(tags map[string]string) {
		for _, t := range req.Tags {
			tags[t.Key] = t.Value
		}
	})
}

func deleteTags(c *call) (int, any, *apiError) {
	var req tagsRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, c.changeTags(func(tags map[string]string) {
		for _, t := range req.Tags {
			delete(tags, t.Key)
		}
	})
}

// changeTags replaces the tags of the function resource_id names with a
// changed copy (stored values are never modified in place).
func (c *call) changeTags(change func(tags map[string]string)) (err *apiError) {
	s := c.e.store
	s.write(func() {
		var f *function
		if f, err = s.taggedFunction(c.e.cfg.ProjectID, c.param("resource_id")); err != nil {
			return
		}
		tags := maps.Clone(f.settings.tags)
		if tags == nil {
			tags = map[string]string{}
		}
		change(tags)
		f.settings.tags = tags
	})
	return err
}

func listFunctionTags(c *call) (int, any, *apiError) {
	var body map[string][]kvItem
	var err *apiError
	s := c.e.store
	s.read(func() {
		var f *function
		if f, err = s.taggedFunction(c.e.cfg.ProjectID, c.param("resource_id")); err == nil {
			body = map[string][]kvItem{"tags": f.tagList(), "sys_tags": f.sysTagList()}
		}
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, body, nil
}

// showProjectTagsList gathers every key in use with all of its values.
func showProjectTagsList(c *call) (int, any, *apiError) {
	s := c.e.store
	tags, sys := map[string][]string{}, map[string][]string{}
	s.read(func() {
		for _, f := range s.functions {
			for _, t := range f.tagList() {
				tags[t.Key] = appendUnique(tags[t.Key], t.Value)
			}
			for _, t := range f.sysTagList() {
				sys[t.Key] = appendUnique(sys[t.Key], t.Value)
			}
		}
	})
	return http.StatusOK, map[string][]tagItem{"tags": tagItems(tags), "sys_tags": tagItems(sys)}, nil
}

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func tagItems(m map[string][]string) []tagItem {
	out := make([]tagItem, 0, len(m))
	for k, vs := range m {
		slices.Sort(vs)
		out = append(out, tagItem{k, vs})
	}
	slices.SortFunc(out, func(a, b tagItem) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// resourceQuery is the body of showResInstanceInfo. limit and offset come
// as strings (SDK) or numbers (the page's example).
type resourceQuery struct {
	WithoutAnyTag bool      `json:"without_any_tag"`
	Limit         jsonCount `json:"limit"`
	Offset        jsonCount `json:"offset"`
	Tags          []tagItem `json:"tags"`
	Matches       []kvItem  `json:"matches"`
	SysTags       []tagItem `json:"sys_tags"`
}

// jsonCount is a non-negative count sent as a number or a string of digits;
// the spec validator has checked the form.
type jsonCount struct {
	n   int
	set bool
}

func (j *jsonCount) UnmarshalJSON(b []byte) error {
	n, err := strconv.Atoi(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	j.n, j.set = n, true
	return nil
}

// matches reports whether f passes every condition of q (AND).
func (q *resourceQuery) matches(f *function) bool {
	if q.WithoutAnyTag {
		return len(f.settings.tags) == 0
	}
	for _, t := range q.Tags {
		v, ok := f.settings.tags[t.Key]
		if !ok || (len(t.Values) > 0 && !slices.Contains(t.Values, v)) {
			return false
		}
	}
	for _, m := range q.Matches {
		if m.Key == "resource_name" {
			if !strings.Contains(f.key.name, m.Value) {
				return false
			}
		} else if f.settings.tags[m.Key] != m.Value {
			return false
		}
	}
	for _, t := range q.SysTags {
		if t.Key != sysTagEnterpriseProject || (len(t.Values) > 0 && !slices.Contains(t.Values, f.latest.EnterpriseProjectID)) {
			return false
		}
	}
	return true
}

type resourceInstance struct {
	ResourceID     string            `json:"resource_id"`
	ResourceDetail map[string]string `json:"resource_detail"`
	Tags           []kvItem          `json:"tags"`
	SysTags        []kvItem          `json:"sys_tags"`
	ResourceName   string            `json:"resource_name"`
}

// showResInstanceInfo filters (or counts) the project's functions by tag.
// A default page holds 1000 resources.
func showResInstanceInfo(c *call) (int, any, *apiError) {
	var q resourceQuery
	if err := c.decode(&q); err != nil {
		return 0, nil, err
	}
	s := c.e.store
	var found []resourceInstance
	s.read(func() {
		for _, f := range s.sortedFunctions() {
			if q.matches(f) {
				found = append(found, resourceInstance{
					ResourceID: f.latest.FuncID, ResourceDetail: map[string]string{"detailId": f.latest.FuncURN},
					Tags: f.tagList(), SysTags: f.sysTagList(), ResourceName: f.key.name,
				})
			}
		}
	})
	if c.param("action") == "count" {
		return http.StatusOK, map[string]int{"total_count": len(found)}, nil
	}
	limit := 1000
	if q.Limit.set && q.Limit.n > 0 {
		limit = q.Limit.n
	}
	page, _ := paginate(found, q.Offset.n, limit)
	return http.StatusOK, map[string]any{"resources": page, "total_count": len(found)}, nil
}
