// Package versions holds the contract specs of published function versions and version aliases.
package versions

import (
	"encoding/json"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// listed is one entry of listFunctionVersions, as far as these specs read it.
type listed struct {
	Version            string `json:"version"`
	FuncName           string `json:"func_name"`
	VersionDescription string `json:"version_description"`
	MemorySize         int    `json:"memory_size"`
}

func urnPath(u string) map[string]string { return map[string]string{"function_urn": u} }

// listVersions returns the function's versions by name.
func listVersions(fn fw.Function) map[string]listed {
	GinkgoHelper()
	var list struct {
		Versions []listed `json:"versions"`
		Count    *int     `json:"count"`
	}
	fw.Call(fw.Request{Operation: fgs.OpListFunctionVersions, Path: urnPath(fn.Unqualified())}).ExpectStatus(http.StatusOK).Decode(&list)
	out := map[string]listed{}
	for _, v := range list.Versions {
		Expect(v.FuncName).To(Equal(fn.Name), "listFunctionVersions: versions[%s].func_name: expected the listed function %s", v.Version, fn.Name)
		out[v.Version] = v
	}
	if list.Count != nil {
		Expect(*list.Count).To(BeNumerically(">=", len(list.Versions)), "listFunctionVersions: count: expected at least the %d versions listed", len(list.Versions))
	}
	return out
}

var _ = area.Describe("Function versions", Ordered, Label(fw.LabelVersions, fw.LabelDestructive), func() {
	const named = "v1"
	var (
		fn          fw.Function
		description string
		autoNamed   string
	)

	BeforeAll(func() {
		fn = fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
		description = "published by " + fw.Current().Prefix
	})

	It("publishes a named version that copies latest's code and configuration",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpCreateFunctionVersion, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			body := fw.Example(fgs.OpCreateFunctionVersion, "documented")
			body["version"], body["description"] = named, description
			cfg := fw.Call(fw.Request{Operation: fgs.OpCreateFunctionVersion, Path: urnPath(fn.Unqualified()), Body: body}).ExpectStatus(http.StatusOK).Object()
			Expect(cfg["func_name"]).To(Equal(fn.Name), "createFunctionVersion answer: func_name: expected the published function %s, got %v", fn.Name, cfg["func_name"])
			got, _ := cfg["func_urn"].(string)
			Expect(fw.UnqualifiedURN(got)).To(Equal(fn.Unqualified()), "createFunctionVersion answer: func_urn: expected a URN of %s, got %q", fn.Unqualified(), got)
			for _, field := range []string{"runtime", "handler", "memory_size", "timeout"} {
				Expect(cfg[field]).To(Equal(fn.Config[field]), "createFunctionVersion answer: %s: expected latest's value %v", field, fn.Config[field])
			}
		})

	It("publishes a version under a generated name when the request names none",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpCreateFunctionVersion, fw.CheckStatus, fw.CheckBehaviour), func() {
			before := listVersions(fn)
			fw.Call(fw.Request{Operation: fgs.OpCreateFunctionVersion, Path: urnPath(fn.Unqualified())}).ExpectStatus(http.StatusOK)
			after := listVersions(fn)
			for name := range after {
				if _, old := before[name]; !old {
					autoNamed = name
				}
			}
			Expect(after).To(HaveLen(len(before)+1), "listFunctionVersions after publishing without a name: expected one more version than the %d before", len(before))
			Expect(autoNamed).NotTo(BeEmpty(), "listFunctionVersions after publishing without a name: no new version is listed")
			Expect(autoNamed).NotTo(Equal(urn.Latest), "createFunctionVersion without a name: the generated version name must not be %s", urn.Latest)
		})

	It("lists latest and every published version with its description",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpListFunctionVersions, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			versions := listVersions(fn)
			Expect(versions).To(HaveKey(urn.Latest), "listFunctionVersions: versions: expected %s among them", urn.Latest)
			Expect(versions).To(HaveKey(named), "listFunctionVersions: versions: expected the published %s among them", named)
			Expect(versions).To(HaveKey(autoNamed), "listFunctionVersions: versions: expected the auto-named %s among them", autoNamed)
			Expect(versions[named].VersionDescription).To(Equal(description), "listFunctionVersions: versions[%s].version_description: expected the description it was published with", named)
		})

	It("keeps a published version unchanged when latest is updated afterwards",
		Label(fw.LabelBehaviour), fw.Conformance([]string{fgs.OpCreateFunctionVersion, fgs.OpShowFunctionConfig}, fw.CheckBehaviour), func() {
			body := fw.Example(fgs.OpUpdateFunctionConfig, "downloadFile")
			body["func_name"] = fn.Name
			body["memory_size"] = 512
			body["timeout"] = 40
			body["user_data"] = `{"FGH_HANDLER":"echo"}`
			delete(body, "xrole")
			fw.Call(fw.Request{Operation: fgs.OpUpdateFunctionConfig, Path: urnPath(fn.URN), Body: body}).ExpectStatus(http.StatusOK)

			latest := fw.Call(fw.Request{Operation: fgs.OpShowFunctionConfig, Path: urnPath(fn.URN)}).ExpectStatus(http.StatusOK).Object()
			Expect(latest["memory_size"]).To(BeNumerically("==", 512), "showFunctionConfig of latest after the update: memory_size: expected 512")
			version := fw.Call(fw.Request{Operation: fgs.OpShowFunctionConfig, Path: urnPath(fw.WithQualifier(fn.URN, named))}).ExpectStatus(http.StatusOK).Object()
			Expect(version["version"]).To(Equal(named), "showFunctionConfig of %s: version", named)
			for _, field := range []string{"memory_size", "timeout"} {
				Expect(version[field]).To(Equal(fn.Config[field]),
					"showFunctionConfig of %s after updating latest: %s: expected the published value %v, got %v (a version is an immutable copy)", named, field, fn.Config[field], version[field])
			}
			Expect(listVersions(fn)[named].MemorySize).To(BeNumerically("==", fn.Config["memory_size"]),
				"listFunctionVersions after updating latest: versions[%s].memory_size: expected the published value", named)
		})

	It("invokes a published version with that version's configuration",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpInvokeFunction, fw.CheckBehaviour), func() {
			event := map[string]any{"version": named, "run": fw.Current().RunID}
			resp := fw.Invoke(fw.WithQualifier(fn.URN, named), event, nil).ExpectStatus(http.StatusOK)
			Expect(resp.Object()["status"]).To(BeNumerically("==", 200), "invokeFunction of version %s: status", named)
			want, _ := json.Marshal(event)
			Expect(resp.String("result")).To(MatchJSON(want), "invokeFunction of version %s: result: the echo handler returns the event", named)
			if raw := resp.Header.Get("X-Cff-Invoke-Summary"); raw != "" {
				var summary map[string]any
				Expect(json.Unmarshal([]byte(raw), &summary)).To(Succeed(), "invokeFunction: header X-Cff-Invoke-Summary: expected a JSON object")
				if mem, ok := summary["memorySize"]; ok {
					Expect(mem).To(BeNumerically("==", fn.Config["memory_size"]),
						"invokeFunction of version %s: header X-Cff-Invoke-Summary memorySize: expected the version's %v MB, not latest's", named, fn.Config["memory_size"])
				}
			}
		})

	It("creates an alias of the version, lists it and invokes through it",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Conformance([]string{fgs.OpCreateVersionAlias, fgs.OpListVersionAliases}, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			body := fw.Example(fgs.OpCreateVersionAlias, "plain")
			body["version"] = named
			name, _ := body["name"].(string)
			a := fw.Call(fw.Request{Operation: fgs.OpCreateVersionAlias, Path: urnPath(fn.Unqualified()), Body: body}).ExpectStatus(http.StatusOK).Object()
			Expect(a["name"]).To(Equal(name), "createVersionAlias answer: name")
			Expect(a["version"]).To(Equal(named), "createVersionAlias answer: version: expected the version the alias points at")
			aliasURN := fw.WithQualifier(fn.URN, urn.AliasPrefix+name)
			Expect(a["alias_urn"]).To(Equal(aliasURN), "createVersionAlias answer: alias_urn")

			var aliases []struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			}
			fw.Call(fw.Request{Operation: fgs.OpListVersionAliases, Path: urnPath(fn.Unqualified())}).ExpectStatus(http.StatusOK).Decode(&aliases)
			found := false
			for _, al := range aliases {
				if al.Name == name {
					found = true
					Expect(al.Version).To(Equal(named), "listVersionAliases: alias %s: version", name)
				}
			}
			Expect(found).To(BeTrue(), "listVersionAliases: expected the alias %s among %d aliases", name, len(aliases))

			resp := fw.Invoke(aliasURN, map[string]any{"alias": name}, nil).ExpectStatus(http.StatusOK)
			Expect(resp.String("result")).To(MatchJSON(`{"alias":"`+name+`"}`), "invokeFunction through alias %s: result", name)
		})
})

var _ = area.Describe("Function version errors", Label(fw.LabelVersions, fw.LabelErrors, fw.LabelNegative, fw.LabelDestructive), func() {
	var missing string

	BeforeEach(func() {
		fn := fw.CreateFunction(fw.FunctionOptions{})
		u, err := urn.Parse(fn.URN)
		Expect(err).NotTo(HaveOccurred(), "createFunction answer: func_urn %q is not a function URN", fn.URN)
		u.Name, u.Qualifier = fw.Current().Name("missing"), ""
		missing = u.String()
	})

	It("refuses to publish a version of an unknown function with 404 FSS.1051",
		fw.Provokes(fgs.OpCreateFunctionVersion, http.StatusNotFound), fw.Judges(fgs.OpCreateFunctionVersion, fw.CheckStatus, fw.CheckErrors), func() {
			body := fw.Example(fgs.OpCreateFunctionVersion, "documented")
			resp := fw.Call(fw.Request{Operation: fgs.OpCreateFunctionVersion, Path: urnPath(missing), Body: body}).ExpectStatus(http.StatusNotFound)
			Expect(resp.String("error_code")).To(Equal("FSS.1051"), "createFunctionVersion of an unknown function: error_code: expected the documented FSS.1051 (Not found the function)")
			Expect(resp.String("error_msg")).NotTo(BeEmpty(), "createFunctionVersion of an unknown function: error_msg")
		})

	It("answers 404 when listing the versions or aliases of an unknown function",
		fw.Provokes(fgs.OpListFunctionVersions, http.StatusNotFound), fw.Provokes(fgs.OpListVersionAliases, http.StatusNotFound), fw.Conformance([]string{fgs.OpListFunctionVersions, fgs.OpListVersionAliases}, fw.CheckStatus, fw.CheckErrors), func() {
			for _, op := range []string{fgs.OpListFunctionVersions, fgs.OpListVersionAliases} {
				resp := fw.Call(fw.Request{Operation: op, Path: urnPath(missing)}).ExpectStatus(http.StatusNotFound)
				Expect(resp.String("error_code")).To(BeElementOf("FSS.1051", "FSS.0404"), "%s of an unknown function: error_code: expected FSS.1051 or FSS.0404", op)
			}
		})
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the versions specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
