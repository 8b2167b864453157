package emulator

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/urn"
)

// Version and alias names: letters, digits, '.', '_' and '-', starting
// with a letter or digit (the documents give no rule; this keeps URNs unambiguous).
var (
	versionName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,41}$`)
	aliasName   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,62}$`)
)

// createFunctionVersion publishes latest as an immutable copy, named by the
// request or vYYYYMMDD-HHMMSS.
func createFunctionVersion(c *call) (int, any, *apiError) {
	var req struct {
		Digest      string `json:"digest"`
		Version     string `json:"version"`
		Description string `json:"description"`
	}
	if len(c.body) > 0 {
		if err := c.decode(&req); err != nil {
			return 0, nil, err
		}
	}
	now := time.Now()
	if req.Version == "" {
		req.Version = "v" + now.UTC().Format("20060102-150405")
	}
	if req.Version == urn.Latest || !versionName.MatchString(req.Version) {
		return 0, nil, badField(codeBadVersion, "version", "%q: a version name is 1-42 letters, digits, '.', '_' or '-' and not %q", req.Version, urn.Latest)
	}
	e := c.e
	v, err := writeFunction(c, func(f *function) (*functionConfig, *apiError) {
		if req.Digest != "" && req.Digest != f.latest.Digest {
			return nil, badField(codeBadRequest, "digest", "does not match the digest of latest's code; the code changed since you read it")
		}
		if f.versions[req.Version] != nil || f.aliases[req.Version] != nil {
			return nil, newError(http.StatusConflict, codeConflict, "version %s of %s already exists", req.Version, f.key.name)
		}
		v := *f.latest
		v.Version = req.Version
		v.VersionDescription = req.Description
		v.FuncURN = urn.Function(e.cfg.Region, e.cfg.ProjectID, f.key.pkg, f.key.name, req.Version).String()
		v.LastModified = nowStamp(now)
		v.ImageName = imageName(req.Version, now)
		f.versions[req.Version] = &v
		f.order = append(f.order, req.Version)
		return &v, nil
	})
	if err != nil {
		return 0, nil, err
	}
	e.log.Info("function version published", "urn", v.FuncURN)
	return http.StatusOK, v, nil
}

// listFunctionVersions lists latest first, then the published versions in publish order.
func listFunctionVersions(c *call) (int, any, *apiError) {
	marker, size, err := pageParams(c, "maxitems", 400, 400)
	if err != nil {
		return 0, nil, err
	}
	all, err := readFunction(c, func(f *function) ([]*functionConfig, *apiError) {
		all := make([]*functionConfig, 0, 1+len(f.order))
		all = append(all, f.latest)
		for _, name := range f.order {
			all = append(all, f.versions[name])
		}
		return all, nil
	})
	if err != nil {
		return 0, nil, err
	}
	page, next := paginate(all, marker, size)
	return http.StatusOK, map[string]any{"versions": page, "next_marker": next, "count": len(all)}, nil
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

// deleteVersion removes one published version (or alias, "!name"). Caller holds the store lock.
func (f *function) deleteVersion(q string) *apiError {
	if a := strings.TrimPrefix(q, urn.AliasPrefix); a != q || (f.versions[q] == nil && f.aliases[q] != nil) {
		if f.aliases[a] == nil {
			return errFunctionNotFound(f.key.name + ":" + q)
		}
		delete(f.aliases, a)
		return nil
	}
	if f.versions[q] == nil {
		return errFunctionNotFound(f.key.name + ":" + q)
	}
	for _, a := range f.aliases {
		if a.Version == q || a.AdditionalVersionWeights[q] > 0 || a.AdditionalVersionStrategy[q] != nil {
			return newError(http.StatusPreconditionRequired, codePrecondition, "version %s is used by alias %s; delete or move the alias first", q, a.Name)
		}
	}
	delete(f.versions, q)
	for i, v := range f.order {
		if v == q {
			f.order = append(f.order[:i:i], f.order[i+1:]...)
			break
		}
	}
	return nil
}
