// Package apps holds the contract specs of function applications and the template catalogues.
package apps

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/fgharness/fgharness/suites/framework"

	"github.com/fgharness/fgharness/internal/fgs"
)

// identified is an entry of a listing read for its ID only.
type identified struct {
	ID string `json:"id"`
}

// firstAppTemplate is the ID of the first application template listed.
func firstAppTemplate() string {
	GinkgoHelper()
	templates := fw.Listed[identified](fw.Request{Operation: fgs.OpListAppTemplates}, "templates")
	if len(templates) == 0 {
		Skip("listAppTemplates lists no application template to deploy")
	}
	return templates[0].ID
}

// listed tells whether listFunctionApplications lists the application.
func listed(id string) bool {
	GinkgoHelper()
	for _, a := range fw.Listed[identified](fw.Request{Operation: fgs.OpListFunctionApplications}, "applications") {
		if a.ID == id {
			return true
		}
	}
	return false
}

var _ = area.Describe("Function applications", Label(fw.LabelApps), func() {
	It("are shown and listed once created, and gone once deleted",
		Label(fw.LabelBehaviour, fw.LabelDestructive),
		fw.Conformance([]string{fgs.OpCreateFunctionApp, fgs.OpShowFunctionApp, fgs.OpListFunctionApplications, fgs.OpDeleteFunctionApp}, fw.CheckBehaviour), func() {
			name := fw.Current().Name("app")
			resp := fw.Call(fw.Request{Operation: fgs.OpCreateFunctionApp, Body: map[string]any{"name": name, "template_id": firstAppTemplate()}})
			Expect(resp.Status).To(BeElementOf(http.StatusOK, http.StatusCreated), "createFunctionApp: status: %s", resp.Snippet())
			id := resp.String("application_id")
			Expect(id).NotTo(BeEmpty(), "createFunctionApp: body /application_id: expected the new application's ID")
			deleted := false
			DeferCleanup(func(ctx SpecContext) { // cleanup: Do with the node's context, never Call
				if !deleted {
					_, _ = fw.Current().Do(ctx, fw.Request{Operation: fgs.OpDeleteFunctionApp, Path: map[string]string{"id": id}})
				}
			})

			shown := fw.Call(fw.Request{Operation: fgs.OpShowFunctionApp, Path: map[string]string{"id": id}}).ExpectStatus(http.StatusOK)
			Expect(shown.String("name")).To(Equal(name), "showFunctionApp: body /name: expected the name it was created with")
			Expect(listed(id)).To(BeTrue(), "listFunctionApplications: expected the application just created")

			del := fw.Call(fw.Request{Operation: fgs.OpDeleteFunctionApp, Path: map[string]string{"id": id}})
			Expect(del.Status).To(BeElementOf(http.StatusOK, http.StatusNoContent), "deleteFunctionApp: status: %s", del.Snippet())
			deleted = true
			fw.Call(fw.Request{Operation: fgs.OpShowFunctionApp, Path: map[string]string{"id": id}}).ExpectStatus(http.StatusNotFound)
			Expect(listed(id)).To(BeFalse(), "listFunctionApplications after deleteFunctionApp: the application is still listed")
		})

	It("name function templates that can be shown one by one",
		Label(fw.LabelBehaviour), fw.Conformance([]string{fgs.OpListFunctionTemplate, fgs.OpShowFunctionTemplate}, fw.CheckBehaviour), func() {
			templates := fw.Listed[struct {
				ID      string `json:"id"`
				Runtime string `json:"runtime"`
			}](fw.Request{Operation: fgs.OpListFunctionTemplate}, "func_templates")
			if len(templates) == 0 {
				Skip("listFunctionTemplate lists no function template")
			}
			first := templates[0]
			shown := fw.Call(fw.Request{Operation: fgs.OpShowFunctionTemplate, Path: map[string]string{"template_id": first.ID}}).ExpectStatus(http.StatusOK)
			Expect(shown.String("id")).To(Equal(first.ID), "showFunctionTemplate %s: body /id", first.ID)
			Expect(shown.String("runtime")).To(Equal(first.Runtime), "showFunctionTemplate %s: body /runtime: expected the runtime the list gave", first.ID)
		})
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the application specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
