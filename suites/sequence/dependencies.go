package sequence

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"pgregory.net/rapid"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// depModel is what the target should hold of the sequence's dependency
// package. Its versions are labelled d1, d2, … in the order the sequence
// made them: the package id and the version numbers are the target's.
type depModel struct {
	made int
	live map[string]map[string]string // label → showDependencyVersion's path (depend_id, version)
	gone map[string]map[string]string // deleted, by label
	pkg  string                       // dep_id of the last upload
}

func newDepModel() depModel {
	return depModel{live: map[string]map[string]string{}, gone: map[string]map[string]string{}}
}

// maxDepVersions bounds the versions one sequence uploads.
const maxDepVersions = 3

func (s *seq) dependencyActions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		fgs.OpCreateDependencyVersion: s.createDependencyVersion,
		fgs.OpShowDependencyVersion:   s.showDependencyVersion,
		fgs.OpDeleteDependencyVersion: s.deleteDependencyVersion,
		fgs.OpListDependencyVersions:  s.listDependencyVersions,
	}
}

// createDependencyVersion uploads a small zip under the sequence's package
// name: the documents say an upload under a known name adds a version to
// that package.
func (s *seq) createDependencyVersion(t *rapid.T) {
	if s.deps.made == maxDepVersions {
		t.Skip("enough versions")
	}
	name := s.name + "-dep"
	known, pkg := len(s.deps.live) > 0, s.deps.pkg
	resp := s.sendCreate(fw.Request{Operation: fgs.OpCreateDependencyVersion, Body: map[string]any{
		"depend_type": "zip", "runtime": "Python3.9", "name": name, "description": "fgh sequence",
		"depend_file": base64.StdEncoding.EncodeToString(fw.PackageZip("fgh/module.py", fmt.Sprintf("N = %d\n", pick(s, t, rapid.IntRange(0, 99), "content")))),
	}}, func(resp *fw.Response) {
		if path := s.tryFollow(resp, fgs.OpCreateDependencyVersion, fgs.OpShowDependencyVersion); path != nil {
			s.deps.made++
			s.deps.live[fmt.Sprintf("d%d", s.deps.made)] = path
		}
	})
	s.expectStatus(resp, http.StatusOK, "a dependency package upload is answered 200")
	path := s.follow(resp, nil, fgs.OpCreateDependencyVersion, fgs.OpShowDependencyVersion)
	s.deps.pkg = path["depend_id"]
	for l, p := range s.deps.gone {
		if maps.Equal(p, path) { // the target gave a deleted version's number again
			delete(s.deps.gone, l)
		}
	}
	s.expectMember(resp, "name", name, "the uploaded version has the package's name")
	if known {
		s.expectMember(resp, "dep_id", pkg, "an upload under a known package name adds a version to that package")
	}
}

func (s *seq) showDependencyVersion(t *rapid.T) {
	label := s.drawExisting(t, slices.Sorted(maps.Keys(union(s.deps.live, s.deps.gone))), "dependency version")
	if path := s.deps.gone[label]; path != nil {
		s.expectGone(fw.Request{Operation: fgs.OpShowDependencyVersion, Path: path}, "a deleted dependency version answers 404")
		return
	}
	path := s.deps.live[label]
	s.readsBack(fw.Request{Operation: fgs.OpShowDependencyVersion, Path: path}, "version", path["version"], "a dependency version reads back as the version uploaded")
}

func (s *seq) deleteDependencyVersion(t *rapid.T) {
	label := s.drawExisting(t, slices.Sorted(maps.Keys(s.deps.live)), "dependency version")
	path := s.deps.live[label]
	resp := s.send(fw.Request{Operation: fgs.OpDeleteDependencyVersion, Path: path})
	s.expectStatus(resp, http.StatusNoContent, "deleting an existing dependency version is answered 204")
	delete(s.deps.live, label)
	s.deps.gone[label] = path
}

// listDependencyVersions lists the last uploaded package's versions: its
// live versions are listed and its deleted ones are not. Once its last
// version is deleted the package may be gone with it, so a 404 passes then.
func (s *seq) listDependencyVersions(t *rapid.T) {
	if s.deps.pkg == "" {
		t.Skip("no package yet")
	}
	want, gone := map[string]string{}, map[string]bool{}
	for _, p := range s.deps.live {
		if p["depend_id"] == s.deps.pkg {
			want[p["version"]] = p["version"]
		}
	}
	for _, p := range s.deps.gone {
		if p["depend_id"] == s.deps.pkg && want[p["version"]] == "" {
			gone[p["version"]] = true
		}
	}
	s.settleList(fw.Request{Operation: fgs.OpListDependencyVersions, Path: map[string]string{"depend_id": s.deps.pkg}},
		"the package's version list holds exactly the versions not deleted", keyed("dependencies", func(d struct {
			Version json.Number `json:"version"`
		}) (string, string) {
			return d.Version.String(), d.Version.String()
		}), want, gone, listOpts{emptyMay404: true, mention: func(v string) string { return `"version":` + v }})
}

// cleanup deletes the versions the model holds, in label order.
func (m depModel) cleanup() []fw.Request {
	var out []fw.Request
	for _, label := range slices.Sorted(maps.Keys(m.live)) {
		out = append(out, fw.Request{Operation: fgs.OpDeleteDependencyVersion, Path: m.live[label]})
	}
	return out
}
