// Package functions holds the contract specs of the function lifecycle: create, show, update, publish, invoke a version, delete.
package functions

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

var _ = area.Describe("Function lifecycle", Ordered, Label(fw.LabelFunctions, fw.LabelVersions, fw.LabelBehaviour, fw.LabelDestructive), func() {
	var fn fw.Function
	const version = "v1"

	BeforeAll(func() {
		fn = fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
	})

	urnPath := func(u string) map[string]string { return map[string]string{"function_urn": u} }

	It("creates a function whose answer names it and keeps its settings",
		fw.Judges(fgs.OpCreateFunction, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			want := fw.Example(fgs.OpCreateFunction, "inlineZip")
			Expect(fn.Config).To(HaveKeyWithValue("func_name", fn.Name), "createFunction answer: func_name")
			for _, field := range []string{"runtime", "handler", "memory_size", "timeout"} {
				Expect(fn.Config).To(HaveKeyWithValue(field, want[field]), "createFunction answer: %s: expected the requested value", field)
			}
		})

	It("shows the created function",
		fw.Judges(fgs.OpShowFunctionConfig, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			cfg := fw.Call(fw.Request{Operation: fgs.OpShowFunctionConfig, Path: urnPath(fn.URN)}).ExpectStatus(http.StatusOK).Object()
			Expect(cfg).To(HaveKeyWithValue("func_name", fn.Name), "showFunctionConfig: func_name")
			Expect(cfg).To(HaveKeyWithValue("func_urn", fn.URN), "showFunctionConfig: func_urn")
		})

	It("updates the configuration, and the answer and a later show reflect the update",
		fw.Judges(fgs.OpUpdateFunctionConfig, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			body := fw.Example(fgs.OpUpdateFunctionConfig, "downloadFile")
			body["func_name"] = fn.Name
			body["memory_size"] = 512
			body["timeout"] = 40
			body["description"] = "updated by " + fw.Current().Prefix
			body["user_data"] = `{"FGH_HANDLER":"echo"}`
			delete(body, "xrole")
			answer := fw.Call(fw.Request{Operation: fgs.OpUpdateFunctionConfig, Path: urnPath(fn.URN), Body: body}).ExpectStatus(http.StatusOK).Object()
			shown := fw.Call(fw.Request{Operation: fgs.OpShowFunctionConfig, Path: urnPath(fn.URN)}).ExpectStatus(http.StatusOK).Object()
			for what, cfg := range map[string]map[string]any{"updateFunctionConfig answer": answer, "showFunctionConfig after the update": shown} {
				Expect(cfg["memory_size"]).To(BeNumerically("==", 512), "%s: memory_size: expected 512 (the update), got %v", what, cfg["memory_size"])
				Expect(cfg["timeout"]).To(BeNumerically("==", 40), "%s: timeout: expected 40 (the update), got %v", what, cfg["timeout"])
				Expect(cfg["description"]).To(Equal(body["description"]), "%s: description: expected the update", what)
			}
		})

	It("publishes a version whose answer names the same function",
		fw.Judges(fgs.OpCreateFunctionVersion, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			body := fw.Example(fgs.OpCreateFunctionVersion, "documented")
			body["version"] = version
			cfg := fw.Call(fw.Request{Operation: fgs.OpCreateFunctionVersion, Path: urnPath(fn.Unqualified()), Body: body}).ExpectStatus(http.StatusOK).Object()
			Expect(cfg["func_name"]).To(Equal(fn.Name), "createFunctionVersion answer: func_name: expected the published function %s, got %v", fn.Name, cfg["func_name"])
			got, _ := cfg["func_urn"].(string)
			Expect(fw.UnqualifiedURN(got)).To(Equal(fn.Unqualified()), "createFunctionVersion answer: func_urn: expected a URN of %s", fn.Unqualified())
		})

	It("lists the published version",
		fw.Judges(fgs.OpListFunctionVersions, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			var list struct {
				Versions []struct {
					Version string `json:"version"`
					FuncURN string `json:"func_urn"`
				} `json:"versions"`
			}
			fw.Call(fw.Request{Operation: fgs.OpListFunctionVersions, Path: urnPath(fn.Unqualified())}).ExpectStatus(http.StatusOK).Decode(&list)
			var names []string
			for _, v := range list.Versions {
				names = append(names, v.Version)
			}
			Expect(names).To(ContainElement(version), "listFunctionVersions: versions: expected %s among them", version)
		})

	It("invokes the published version",
		fw.Judges(fgs.OpInvokeFunction, fw.CheckBehaviour), func() {
			event := map[string]any{"lifecycle": fw.Current().RunID}
			resp := fw.Invoke(fw.WithQualifier(fn.URN, version), event, nil).ExpectStatus(http.StatusOK)
			Expect(resp.Object()["status"]).To(BeNumerically("==", 200), "invokeFunction of version %s: status", version)
			Expect(resp.String("result")).To(MatchJSON(`{"lifecycle":"`+fw.Current().RunID+`"}`), "invokeFunction of version %s: result: the echo handler returns the event", version)
		})

	It("deletes the function, after which it is no longer found",
		fw.Conformance([]string{fgs.OpDeleteFunction, fgs.OpShowFunctionConfig}, fw.CheckBehaviour), func() {
			fw.Call(fw.Request{Operation: fgs.OpDeleteFunction, Path: urnPath(fn.Unqualified())}).ExpectStatus(http.StatusNoContent)
			resp := fw.Call(fw.Request{Operation: fgs.OpShowFunctionConfig, Path: urnPath(fn.URN)})
			Expect(resp.Status).To(Equal(http.StatusNotFound),
				"showFunctionConfig after deleteFunction: the deleted function is still found: expected 404, got %d", resp.Status)
		})
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the functions specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
