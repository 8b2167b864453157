package emulator

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
)

// versionName: letters, digits, '.', '_' and '-', starting with a letter
// or digit (the documents give no rule; this keeps URNs unambiguous).
var versionName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,41}$`)

// createFunctionVersion publishes latest as an immutable copy, named by the
// request or vYYYYMMDD-HHMMSS.
func createFunctionVersion(c *call) (int, any, *apiError) {
	var req fgs.PublishVersionRequest
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
	return listPage(c, maxItems400, "versions", func() ([]*functionConfig, *apiError) {
		return readFunction(c, func(f *function) ([]*functionConfig, *apiError) {
			all := make([]*functionConfig, 0, 1+len(f.order))
			all = append(all, f.latest)
			for _, name := range f.order {
				all = append(all, f.versions[name])
			}
			return all, nil
		})
	})
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
