// Package dependencies holds the contract specs of dependency packages: upload (zip and OBS link), list with filters and paging, and the version operations.
package dependencies

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/fgharness/fgharness/suites/framework"

	"github.com/fgharness/fgharness/internal/fgs"
)

// version is what these specs read of a DependencyVersion.
type version struct {
	ID      string `json:"id"`
	DepID   string `json:"dep_id"`
	Name    string `json:"name"`
	Runtime string `json:"runtime"`
	Etag    string `json:"etag"`
	Size    int64  `json:"size"`
	Version int64  `json:"version"`
	Link    string `json:"link"`
}

// packageID is the package's ID: dep_id, or id where the answer (the
// documented createDependency example) has no dep_id.
func (v version) packageID() string {
	if v.DepID != "" {
		return v.DepID
	}
	return v.ID
}

type versionList struct {
	Dependencies []version `json:"dependencies"`
	NextMarker   *int64    `json:"next_marker"`
	Count        *int64    `json:"count"`
}

// packageZip is a small zip holding one module, unique to the run.
func packageZip(name string) []byte {
	return fw.PackageZip("node_modules/"+name+"/index.js", fmt.Sprintf("module.exports = %q;\n", name))
}

func versionPath(depID string, v int64) map[string]string {
	return map[string]string{"depend_id": depID, "version": strconv.FormatInt(v, 10)}
}

// deleteDependency removes every version of a package of this run; a 404 counts as done.
func deleteDependency(ctx SpecContext, depID string) {
	GinkgoHelper()
	f := fw.Current()
	resp, err := f.Do(ctx, fw.Request{Operation: fgs.OpListDependencyVersions, Path: map[string]string{"depend_id": depID}})
	Expect(err).NotTo(HaveOccurred())
	if resp.Status == http.StatusNotFound {
		return
	}
	Expect(resp.Status).To(Equal(http.StatusOK), "cleanup: listDependencyVersions %s answered %d: %s", depID, resp.Status, resp.Snippet())
	var list versionList
	resp.Decode(&list)
	for _, v := range list.Dependencies {
		del, err := f.Do(ctx, fw.Request{Operation: fgs.OpDeleteDependencyVersion, Path: versionPath(depID, v.Version)})
		Expect(err).NotTo(HaveOccurred())
		Expect(del.Status).To(Or(Equal(http.StatusNoContent), Equal(http.StatusNotFound)),
			"cleanup: deleteDependencyVersion %s version %d answered %d: %s", depID, v.Version, del.Status, del.Snippet())
	}
}

// upload sends a zip package through op; the caller removes the package.
func upload(op, name string, content []byte) version {
	GinkgoHelper()
	body := fw.Example(fgs.OpCreateDependency, "zip")
	body["name"], body["depend_file"] = name, base64.StdEncoding.EncodeToString(content)
	body["description"] = "uploaded by " + fw.Current().Prefix
	var v version
	resp := fw.Call(fw.Request{Operation: op, Body: body}).ExpectStatus(http.StatusOK)
	resp.Decode(&v)
	Expect(v.packageID()).NotTo(BeEmpty(), "%s answer: dep_id and id: expected the package's ID: %s", op, resp.Snippet())
	return v
}

func listPackages(q url.Values) versionList {
	GinkgoHelper()
	var list versionList
	fw.Call(fw.Request{Operation: fgs.OpListDependencies, Query: q}).ExpectStatus(http.StatusOK).Decode(&list)
	return list
}

func names(list versionList) []string {
	out := make([]string, 0, len(list.Dependencies))
	for _, d := range list.Dependencies {
		out = append(out, d.Name)
	}
	return out
}

var _ = area.Describe("Dependency packages", Ordered, Label(fw.LabelDependencies, fw.LabelDestructive), func() {
	var (
		name        string
		content     []byte
		first, next version
		depID       string
		runtime     string
	)

	BeforeAll(func() {
		name = fw.Current().Name("dep")
		content = packageZip(name)
		runtime, _ = fw.Example(fgs.OpCreateDependency, "zip")["runtime"].(string)
		first = upload(fgs.OpCreateDependency, name, content)
		depID = first.packageID()
		DeferCleanup(deleteDependency, depID)
	})

	It("stores an uploaded zip with its name, runtime, size and MD5",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpCreateDependency, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			sum := md5.Sum(content)
			Expect(first.Name).To(Equal(name), "createDependency answer: name")
			Expect(first.Runtime).To(Equal(runtime), "createDependency answer: runtime")
			Expect(first.Size).To(BeNumerically("==", len(content)), "createDependency answer: size: expected the zip's %d bytes", len(content))
			Expect(first.Etag).To(Equal(hex.EncodeToString(sum[:])), "createDependency answer: etag: expected the zip's MD5")
		})

	It("adds a version when a package of the same name is uploaded again",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpCreateDependencyVersion, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			next = upload(fgs.OpCreateDependencyVersion, name, packageZip(name+"-2"))
			if next.packageID() != depID {
				DeferCleanup(deleteDependency, next.packageID())
			}
			Expect(next.Name).To(Equal(name), "createDependencyVersion answer: name")
			Expect(next.DepID).To(Equal(depID), "createDependencyVersion answer: dep_id: expected the package the first upload created")
			Expect(next.Version).To(BeNumerically(">", first.Version), "createDependencyVersion answer: version: expected a number after the first upload's %d", first.Version)
		})

	It("imports a package from an OBS link",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpCreateDependency, fw.CheckBehaviour), func() {
			if fw.Current().Local == nil {
				Skip("importing from OBS needs an object in a bucket the account can read, and no such link is configured")
			}
			body := fw.Example(fgs.OpCreateDependency, "obs")
			obsName := fw.Current().Name("dep")
			link := "https://fgh-contract.obs.example.invalid/depends/" + obsName + ".zip"
			body["name"], body["depend_link"] = obsName, link
			var v version
			fw.Call(fw.Request{Operation: fgs.OpCreateDependency, Body: body}).ExpectStatus(http.StatusOK).Decode(&v)
			Expect(v.packageID()).NotTo(BeEmpty(), "createDependency (obs) answer: dep_id and id: expected the package's ID")
			DeferCleanup(deleteDependency, v.packageID())
			Expect(v.Name).To(Equal(obsName), "createDependency (obs) answer: name")
			Expect(v.Link).To(Equal(link), "createDependency (obs) answer: link: expected the OBS address it was imported from")
		})

	It("lists the package, filtered by dependency_type, runtime and name",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpListDependencies, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			q := func(kv ...string) url.Values {
				v := url.Values{"name": {name}}
				for i := 0; i+1 < len(kv); i += 2 {
					v.Set(kv[i], kv[i+1])
				}
				return v
			}
			Expect(names(listPackages(q()))).To(ContainElement(name), "listDependencies?name=%s: expected the package", name)
			Expect(names(listPackages(q("dependency_type", "private")))).To(ContainElement(name), "listDependencies dependency_type=private: expected this run's package")
			Expect(names(listPackages(q("dependency_type", "public")))).NotTo(ContainElement(name), "listDependencies dependency_type=public: a private package is listed")
			Expect(names(listPackages(q("runtime", runtime)))).To(ContainElement(name), "listDependencies runtime=%s: expected the package of that runtime", runtime)
			other := "Python3.9"
			Expect(other).NotTo(Equal(runtime))
			Expect(names(listPackages(q("runtime", other)))).NotTo(ContainElement(name), "listDependencies runtime=%s: a %s package is listed", other, runtime)
		})

	It("pages with marker and maxitems",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpListDependencies, fw.CheckBehaviour), func() {
			one := listPackages(url.Values{"maxitems": {"1"}})
			Expect(len(one.Dependencies)).To(BeNumerically("<=", 1), "listDependencies maxitems=1: expected at most one package")
			if one.Count == nil || *one.Count < 2 {
				Skip("fewer than two packages are visible; paging cannot be observed")
			}
			Expect(one.NextMarker).NotTo(BeNil(), "listDependencies maxitems=1 with %d packages: next_marker: expected the next page's marker", *one.Count)
			two := listPackages(url.Values{"maxitems": {"1"}, "marker": {strconv.FormatInt(*one.NextMarker, 10)}})
			Expect(two.Dependencies).To(HaveLen(1), "listDependencies marker=%d maxitems=1: expected the second package", *one.NextMarker)
			Expect(two.Dependencies[0].ID).NotTo(Equal(one.Dependencies[0].ID), "listDependencies marker=%d: expected a different package than the first page", *one.NextMarker)
		})

	It("lists the package's versions",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpListDependencyVersions, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			var list versionList
			fw.Call(fw.Request{Operation: fgs.OpListDependencyVersions, Path: map[string]string{"depend_id": depID}}).ExpectStatus(http.StatusOK).Decode(&list)
			var nums []int64
			for _, v := range list.Dependencies {
				Expect(v.Name).To(Equal(name), "listDependencyVersions: version %d: name", v.Version)
				nums = append(nums, v.Version)
			}
			Expect(nums).To(ConsistOf(first.Version, next.Version), "listDependencyVersions: expected both uploaded versions")
			if list.Count != nil {
				Expect(*list.Count).To(BeNumerically("==", len(nums)), "listDependencyVersions: count")
			}
		})

	It("shows one version",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpShowDependencyVersion, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			var v version
			fw.Call(fw.Request{Operation: fgs.OpShowDependencyVersion, Path: versionPath(depID, first.Version)}).ExpectStatus(http.StatusOK).Decode(&v)
			Expect(v.Version).To(Equal(first.Version), "showDependencyVersion: version")
			Expect(v.Name).To(Equal(name), "showDependencyVersion: name")
			Expect(v.Etag).To(Equal(first.Etag), "showDependencyVersion: etag: expected the uploaded version's")
		})

	It("deletes a version, after which it is no longer found",
		Label(fw.LabelBehaviour), fw.Conformance([]string{fgs.OpDeleteDependencyVersion, fgs.OpShowDependencyVersion}, fw.CheckStatus, fw.CheckBehaviour), func() {
			fw.Call(fw.Request{Operation: fgs.OpDeleteDependencyVersion, Path: versionPath(depID, first.Version)}).ExpectStatus(http.StatusNoContent)
			resp := fw.Call(fw.Request{Operation: fgs.OpShowDependencyVersion, Path: versionPath(depID, first.Version)})
			Expect(resp.Status).To(Equal(http.StatusNotFound), "showDependencyVersion after deleteDependencyVersion: the deleted version %d is still found: expected 404, got %d", first.Version, resp.Status)
			var list versionList
			fw.Call(fw.Request{Operation: fgs.OpListDependencyVersions, Path: map[string]string{"depend_id": depID}}).ExpectStatus(http.StatusOK).Decode(&list)
			for _, v := range list.Dependencies {
				Expect(v.Version).NotTo(Equal(first.Version), "listDependencyVersions after deleteDependencyVersion: the deleted version %d is still listed", first.Version)
			}
		})
})

// unknownID looks like a package ID and names nothing.
func unknownID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

var _ = area.Describe("Dependency errors", Label(fw.LabelDependencies, fw.LabelErrors, fw.LabelNegative), func() {
	It("answers 404 for the versions of an unknown package",
		fw.Provokes(fgs.OpListDependencyVersions, http.StatusNotFound), fw.Provokes(fgs.OpShowDependencyVersion, http.StatusNotFound),
		fw.Conformance([]string{fgs.OpListDependencyVersions, fgs.OpShowDependencyVersion}, fw.CheckStatus, fw.CheckErrors), func() {
			id := unknownID()
			fw.Call(fw.Request{Operation: fgs.OpListDependencyVersions, Path: map[string]string{"depend_id": id}}).ExpectStatus(http.StatusNotFound)
			fw.Call(fw.Request{Operation: fgs.OpShowDependencyVersion, Path: versionPath(id, 1)}).ExpectStatus(http.StatusNotFound)
		})

	It("answers 404 when deleting a version of an unknown package",
		Label(fw.LabelDestructive), fw.Provokes(fgs.OpDeleteDependencyVersion, http.StatusNotFound), fw.Judges(fgs.OpDeleteDependencyVersion, fw.CheckStatus, fw.CheckErrors), func() {
			fw.Call(fw.Request{Operation: fgs.OpDeleteDependencyVersion, Path: versionPath(unknownID(), 1)}).ExpectStatus(http.StatusNotFound)
		})

	DescribeTable("refuses an upload that breaks the package rules with 400",
		Label(fw.LabelDestructive), fw.Provokes(fgs.OpCreateDependency, http.StatusBadRequest), fw.Judges(fgs.OpCreateDependency, fw.CheckStatus, fw.CheckErrors),
		func(edit func(body map[string]any)) {
			body := fw.Example(fgs.OpCreateDependency, "zip")
			body["name"] = fw.Current().Name("dep")
			body["depend_file"] = base64.StdEncoding.EncodeToString(packageZip("x"))
			edit(body)
			resp := fw.Call(fw.Request{Operation: fgs.OpCreateDependency, Body: body, Tolerate: fw.Tolerate{AcceptRequest: []string{"body"}}})
			if resp.Status == http.StatusOK {
				var v version
				resp.Decode(&v)
				if v.packageID() != "" {
					DeferCleanup(deleteDependency, v.packageID())
				}
			}
			resp.ExpectStatus(http.StatusBadRequest)
		},
		Entry("a name starting with a digit", func(b map[string]any) { b["name"] = "9" + b["name"].(string) }),
		Entry("a name with a space", func(b map[string]any) { b["name"] = b["name"].(string) + " x" }),
		Entry("a name ending with '-'", func(b map[string]any) { b["name"] = b["name"].(string) + "-" }),
		Entry("a name of 97 characters", func(b map[string]any) { b["name"] = "d" + string(bytes.Repeat([]byte("x"), 96)) }),
		Entry("depend_type zip without depend_file", func(b map[string]any) { delete(b, "depend_file") }),
		Entry("an unknown depend_type", func(b map[string]any) { b["depend_type"] = "tarball" }),
	)
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the dependencies specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
