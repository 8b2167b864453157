package emulator

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
)

// dependency is a dependency package with its versions (version numbers from 1).
type dependency struct {
	ID       string
	Name     string
	Owner    string // "public" or the domain ID
	Versions []*dependencyRef
	seq      int64
}

// dependencyRef is one dependency version: the body of the dependency
// operations and an entry of a function's dependencies.
type dependencyRef = fgs.DependencyVersion

func (d *dependency) latest() *dependencyRef { return d.Versions[len(d.Versions)-1] }

// seedDependencies adds the public packages every region offers.
func seedDependencies(s *store, cfg Config) {
	public := []struct{ name, runtime, file string }{
		{"panda1.1.3", "Python3.6", "fg_test_pandas_1.1.3.zip"},
		{"numpy-1.19", "Python3.9", "numpy-1.19.zip"},
		{"moment-2.29", "Node.js14.18", "moment-2.29.zip"},
	}
	for i, p := range public {
		id := "00000000-0000-4000-8000-00000000000" + strconv.Itoa(i+1)
		sum := md5.Sum([]byte(p.name))
		d := &dependency{ID: id, Name: p.name, Owner: "public", seq: s.nextSeq()}
		d.Versions = []*dependencyRef{{
			ID: id, Owner: "public", Link: "https://obs." + cfg.Region + ".example.invalid/functionstage-examples/" + p.file,
			Runtime: p.runtime, Etag: hex.EncodeToString(sum[:]), Size: int64(1024 * (i + 1)), Name: p.name,
			FileName: p.file, Version: 1, DepID: id, LastModified: 1600000000000,
		}}
		s.dependencies[id] = d
	}
}

// createDependency serves both the documented POST .../dependencies and the
// SDK's POST .../dependencies/version: a new name starts a dependency, a
// known name adds a version to it.
func createDependency(c *call) (int, any, *apiError) {
	var req fgs.CreateDependencyRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	e := c.e
	v := &dependencyRef{Owner: e.cfg.DomainID, Runtime: req.Runtime, Name: req.Name, Description: req.Description,
		LastModified: time.Now().UnixMilli()}
	switch req.DependType {
	case "zip":
		content, err := base64.StdEncoding.DecodeString(req.DependFile)
		if req.DependFile == "" || err != nil {
			return 0, nil, badField(codeBadRequest, "depend_file", "depend_type zip needs the zip file, base64-encoded")
		}
		sum := md5.Sum(content)
		v.Etag, v.Size, v.FileName = hex.EncodeToString(sum[:]), int64(len(content)), req.Name+".zip"
	case "obs":
		u, err := url.Parse(req.DependLink)
		if req.DependLink == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return 0, nil, badField(codeBadURL, "depend_link", "depend_type obs needs an http(s) link to the package, got %q", req.DependLink)
		}
		sum := md5.Sum([]byte(req.DependLink))
		v.Etag, v.Link, v.FileName = hex.EncodeToString(sum[:]), req.DependLink, path.Base(u.Path)
	default:
		return 0, nil, badField(codeBadRequest, "depend_type", "%q is neither zip nor obs", req.DependType)
	}
	e.store.write(func() {
		var d *dependency
		for _, cand := range e.store.dependencies {
			if cand.Name == req.Name && cand.Owner != "public" {
				d = cand
			}
		}
		if d == nil {
			d = &dependency{ID: newID(), Name: req.Name, Owner: v.Owner, seq: e.store.nextSeq()}
			e.store.dependencies[d.ID] = d
		}
		v.DepID = d.ID
		v.ID = newID()
		v.Version = 1
		if len(d.Versions) > 0 {
			v.Version = d.latest().Version + 1
		}
		if v.Link == "" {
			v.Link = "https://obs." + e.cfg.Region + ".example.invalid/depends/" + e.cfg.ProjectID + "/" + v.ID + ".zip"
		}
		d.Versions = append(d.Versions, v)
	})
	return http.StatusOK, v, nil
}

// listDependencies lists each dependency's latest version, filtered by
// dependency_type / ispublic, runtime and name (substring).
func listDependencies(c *call) (int, any, *apiError) {
	marker, size, err := pageParams(c, "maxitems", 400, 400)
	if err != nil {
		return 0, nil, err
	}
	if s := c.query("limit"); s != "" && c.query("maxitems") == "" {
		if n, convErr := strconv.Atoi(s); convErr == nil && n > 0 {
			size = min(n, 400)
		}
	}
	kind := c.query("dependency_type")
	switch c.query("ispublic") {
	case "true":
		kind = "public"
	case "false":
		kind = "private"
	}
	runtime, name := c.query("runtime"), c.query("name")
	var matched []*dependencyRef
	c.e.store.read(func() {
		deps := make([]*dependency, 0, len(c.e.store.dependencies))
		for _, d := range c.e.store.dependencies {
			deps = append(deps, d)
		}
		sortBy(deps, func(d *dependency) int64 { return d.seq })
		for _, d := range deps {
			v := d.latest()
			isPublic := d.Owner == "public"
			if (kind == "public" && !isPublic) || (kind == "private" && isPublic) {
				continue
			}
			if (runtime == "" || v.Runtime == runtime) && (name == "" || strings.Contains(d.Name, name)) {
				matched = append(matched, v)
			}
		}
	})
	page, next := paginate(matched, marker, size)
	return http.StatusOK, map[string]any{"dependencies": page, "next_marker": next, "count": len(matched)}, nil
}

// dependencyByID finds a dependency by its ID, or by the ID of one of its
// versions. Caller holds the store lock.
func (s *store) dependencyByID(id string) *dependency {
	if d := s.dependencies[id]; d != nil {
		return d
	}
	for _, d := range s.dependencies {
		for _, v := range d.Versions {
			if v.ID == id {
				return d
			}
		}
	}
	return nil
}

func listDependencyVersions(c *call) (int, any, *apiError) {
	return listPage(c, maxItems400, "dependencies", func() (versions []*dependencyRef, err *apiError) {
		c.e.store.read(func() {
			var d *dependency
			if d, err = c.dependency(); err == nil {
				versions = append(versions, d.Versions...)
			}
		})
		return versions, err
	})
}

// dependency finds the path's depend_id. Caller holds the store lock.
func (c *call) dependency() (*dependency, *apiError) {
	d := c.e.store.dependencyByID(c.param("depend_id"))
	if d == nil {
		return nil, newError(http.StatusNotFound, codeNotFound, "dependency %s not found", c.param("depend_id"))
	}
	return d, nil
}

// dependencyVersion finds depend_id's version by number. Caller holds the store lock.
func (c *call) dependencyVersion() (*dependency, int, *apiError) {
	d, err := c.dependency()
	if err != nil {
		return nil, 0, err
	}
	n, convErr := strconv.ParseInt(c.param("version"), 10, 64)
	for i, v := range d.Versions {
		if convErr == nil && v.Version == n {
			return d, i, nil
		}
	}
	return nil, 0, newError(http.StatusNotFound, codeNotFound, "dependency %s has no version %s", d.Name, c.param("version"))
}

func showDependencyVersion(c *call) (int, any, *apiError) {
	var v *dependencyRef
	var err *apiError
	c.e.store.read(func() {
		var d *dependency
		var i int
		if d, i, err = c.dependencyVersion(); err == nil {
			v = d.Versions[i]
		}
	})
	return http.StatusOK, v, err
}

func deleteDependencyVersion(c *call) (int, any, *apiError) {
	s := c.e.store
	var err *apiError
	s.write(func() {
		var d *dependency
		var i int
		if d, i, err = c.dependencyVersion(); err != nil {
			return
		}
		if d.Owner == "public" {
			err = newError(http.StatusForbidden, codeForbidden, "public dependency %s cannot be deleted", d.Name)
			return
		}
		d.Versions = append(d.Versions[:i:i], d.Versions[i+1:]...)
		if len(d.Versions) == 0 {
			delete(s.dependencies, d.ID)
		}
	})
	return http.StatusNoContent, nil, err
}

// resolveDependencies turns depend_version_list (version IDs) into the
// function's dependencies. Caller holds the store lock.
func (e *Emulator) resolveDependencies(cfg *functionConfig, ids []string) *apiError {
	var refs []dependencyRef
	for _, id := range ids {
		var found *dependencyRef
		for _, d := range e.store.dependencies {
			for _, v := range d.Versions {
				if v.ID == id {
					found = v
				}
			}
		}
		if found == nil {
			return badField(codeBadRequest, "depend_version_list", "dependency version %s not found", id)
		}
		refs = append(refs, *found)
	}
	cfg.DependVersionList = append([]string(nil), ids...)
	cfg.Dependencies = refs
	return nil
}
