package emulator

import (
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/urn"
)

// aliasName: a letter, then letters, digits, '_' and '-' (no rule in the
// documents; this keeps URNs unambiguous).
var aliasName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,62}$`)

// codeAliasNotFound is the error table's "Not found the function alias".
const codeAliasNotFound = "FSS.1053"

// aliasRouting is the routing part of a create or update alias request.
type aliasRouting struct {
	Version                   string                     `json:"version"`
	Description               string                     `json:"description"`
	AdditionalVersionWeights  map[string]int             `json:"additional_version_weights"`
	AdditionalVersionStrategy map[string]json.RawMessage `json:"additional_version_strategy"`
}

// check refuses routing to versions that do not exist and weights that add
// up past 100 %. Caller holds the store lock.
func (r *aliasRouting) check(f *function) *apiError {
	exists := func(v string) bool { return v == urn.Latest || f.versions[v] != nil }
	if !exists(r.Version) {
		return badField(codeBadVersion, "version", "%q is not a published version of %s", r.Version, f.key.name)
	}
	total := 0
	for v, w := range r.AdditionalVersionWeights {
		if !exists(v) || v == r.Version || w < 0 {
			return badField(codeBadVersion, "additional_version_weights", "%q is not another published version of %s, or its weight is negative", v, f.key.name)
		}
		total += w
	}
	if total > 100 {
		return badField(codeBadRequest, "additional_version_weights", "weights add up to %d%%, more than 100", total)
	}
	for v := range r.AdditionalVersionStrategy {
		if !exists(v) || v == r.Version {
			return badField(codeBadVersion, "additional_version_strategy", "%q is not another published version of %s", v, f.key.name)
		}
	}
	return nil
}

// storedAlias finds the alias the path names. Caller holds the store lock.
func storedAlias(c *call, f *function) (*alias, *apiError) {
	name := c.param("alias_name")
	if a := f.aliases[name]; a != nil {
		return a, nil
	}
	return nil, newError(http.StatusNotFound, codeAliasNotFound, "Not found the function alias: %s of %s", name, f.key.name)
}

func showVersionAlias(c *call) (int, any, *apiError) {
	a, err := readFunction(c, func(f *function) (*alias, *apiError) { return storedAlias(c, f) })
	return http.StatusOK, a, err
}

// updateVersionAlias replaces the alias's target and its routing; routing
// the request leaves out is removed, as the page's examples show.
func updateVersionAlias(c *call) (int, any, *apiError) {
	var req aliasRouting
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	next, err := writeFunction(c, func(f *function) (*alias, *apiError) {
		old, err := storedAlias(c, f)
		if err != nil {
			return nil, err
		}
		if err := req.check(f); err != nil {
			return nil, err
		}
		next := &alias{
			Name: old.Name, Version: req.Version, Description: req.Description, LastModified: nowStamp(time.Now()),
			AliasURN: old.AliasURN, AdditionalVersionWeights: req.AdditionalVersionWeights,
			AdditionalVersionStrategy: req.AdditionalVersionStrategy,
		}
		f.aliases[next.Name] = next
		return next, nil
	})
	if err != nil {
		return 0, nil, err
	}
	c.e.log.Info("alias updated", "alias_urn", next.AliasURN, "version", next.Version)
	return http.StatusOK, next, nil
}

func deleteVersionAlias(c *call) (int, any, *apiError) {
	_, err := writeFunction(c, func(f *function) (any, *apiError) {
		a, err := storedAlias(c, f)
		if err != nil {
			return nil, err
		}
		delete(f.aliases, a.Name)
		return nil, nil
	})
	return http.StatusNoContent, nil, err
}

// versionStrategy is one additional version's rule-based routing.
type versionStrategy struct {
	CombineType string `json:"combine_type"`
	Rules       []struct {
		RuleType string `json:"rule_type"`
		Param    string `json:"param"`
		Op       string `json:"op"`
		Value    string `json:"value"`
	} `json:"rules"`
}

// ruleVersion is the additional version whose strategy the request meets
// (the first by name when several do), or "" for none. A rule reads a
// header or a cookie; `=` wants the value, `in` one of its comma-separated
// values; `and` (the default) needs every rule, `or` one.
func (a *alias) ruleVersion(r *http.Request) string {
	if r == nil || len(a.AdditionalVersionStrategy) == 0 {
		return ""
	}
	for _, v := range slices.Sorted(maps.Keys(a.AdditionalVersionStrategy)) {
		var s versionStrategy
		if json.Unmarshal(a.AdditionalVersionStrategy[v], &s) != nil || len(s.Rules) == 0 {
			continue
		}
		met := 0
		for _, rule := range s.Rules {
			got := r.Header.Get(rule.Param)
			if strings.EqualFold(rule.RuleType, "cookie") {
				got = ""
				if ck, err := r.Cookie(rule.Param); err == nil {
					got = ck.Value
				}
			}
			ok := got != "" && got == rule.Value
			if rule.Op == "in" {
				ok = got != "" && slices.Contains(strings.Split(strings.ReplaceAll(rule.Value, " ", ""), ","), got)
			}
			if ok {
				met++
			}
		}
		if met == len(s.Rules) || (s.CombineType == "or" && met > 0) {
			return v
		}
	}
	return ""
}

func createVersionAlias(c *call) (int, any, *apiError) {
	var req struct {
		Name string `json:"name"`
		aliasRouting
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if !aliasName.MatchString(req.Name) || req.Name == urn.Latest {
		return 0, nil, badField(codeBadAlias, "name", "%q: an alias name starts with a letter and has up to 63 letters, digits, '_' or '-'", req.Name)
	}
	a, err := writeFunction(c, func(f *function) (*alias, *apiError) {
		if err := req.check(f); err != nil {
			return nil, err
		}
		if f.aliases[req.Name] != nil || f.versions[req.Name] != nil {
			return nil, newError(http.StatusConflict, codeConflict, "alias %s of %s already exists", req.Name, f.key.name)
		}
		a := &alias{
			Name: req.Name, Version: req.Version, Description: req.Description, LastModified: nowStamp(time.Now()),
			AliasURN:                  urn.Function(c.e.cfg.Region, c.e.cfg.ProjectID, f.key.pkg, f.key.name, urn.AliasPrefix+req.Name).String(),
			AdditionalVersionWeights:  req.AdditionalVersionWeights,
			AdditionalVersionStrategy: req.AdditionalVersionStrategy,
		}
		f.aliases[req.Name] = a
		return a, nil
	})
	return http.StatusOK, a, err
}

func listVersionAliases(c *call) (int, any, *apiError) {
	out, err := readFunction(c, func(f *function) ([]*alias, *apiError) {
		return sortedValues(f.aliases, func(a *alias) string { return a.Name }), nil
	})
	return http.StatusOK, out, err
}
