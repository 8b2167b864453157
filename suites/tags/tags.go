// Package tags holds the contract specs of function tags: per function, per project, and as a filter of the resource listing.
package tags

import (
	"net/http"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/fgharness/fgharness/suites/framework"

	"github.com/fgharness/fgharness/internal/fgs"
)

type kv struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type resources struct {
	Resources []struct {
		ResourceName   string            `json:"resource_name"`
		ResourceDetail map[string]string `json:"resource_detail"`
		Tags           []kv              `json:"tags"`
	} `json:"resources"`
	TotalCount *int64 `json:"total_count"`
}

// tag adds tags to a function.
func tag(fn fw.Function, tags ...kv) {
	GinkgoHelper()
	fw.Call(fw.Request{Operation: fgs.OpCreateTags, Path: map[string]string{"resource_type": "functions", "resource_id": fn.URN},
		Body: map[string]any{"action": "create", "tags": tags}}).ExpectStatus(http.StatusNoContent)
}

// filtered lists the names of the functions a resource-instances filter
// passes, among the given ones (a shared target has others too).
func filtered(body map[string]any, among ...fw.Function) []string {
	GinkgoHelper()
	var r resources
	fw.Call(fw.Request{Operation: fgs.OpShowResInstanceInfo, Path: map[string]string{"resource_type": "functions", "action": "filter"}, Body: body}).
		ExpectStatus(http.StatusOK).Decode(&r)
	var out []string
	for _, res := range r.Resources {
		for _, fn := range among {
			if res.ResourceName == fn.Name {
				out = append(out, fn.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

var _ = area.Describe("Function tags", Label(fw.LabelTags), func() {
	It("filter the resource listing: a tagged function matches its tag, and stops matching once the tag is deleted",
		Label(fw.LabelBehaviour, fw.LabelDestructive),
		fw.Conformance([]string{fgs.OpCreateTags, fgs.OpDeleteTags, fgs.OpShowResInstanceInfo}, fw.CheckBehaviour), func() {
			red := fw.CreateFunction(fw.FunctionOptions{})
			blue := fw.CreateFunction(fw.FunctionOptions{})
			plain := fw.CreateFunction(fw.FunctionOptions{})
			run := fw.Current().Name("colour") // a value no other run uses
			tag(red, kv{"fgh-colour", run + "-red"})
			tag(blue, kv{"fgh-colour", run + "-blue"})

			byColour := func(values ...string) map[string]any {
				return map[string]any{"tags": []map[string]any{{"key": "fgh-colour", "values": values}}}
			}
			Expect(filtered(byColour(run+"-red", run+"-blue"), red, blue, plain)).To(Equal(sorted(red.Name, blue.Name)),
				"showResInstanceInfo filter by tag fgh-colour in {red, blue}: expected exactly the two tagged functions")
			Expect(filtered(byColour(run+"-blue"), red, blue, plain)).To(Equal([]string{blue.Name}),
				"showResInstanceInfo filter by tag fgh-colour = blue: expected only the blue function")
			untagged := filtered(map[string]any{"without_any_tag": true}, red, blue, plain)
			Expect(untagged).To(Equal([]string{plain.Name}), "showResInstanceInfo without_any_tag: expected only the untagged function")

			fw.Call(fw.Request{Operation: fgs.OpDeleteTags, Path: map[string]string{"resource_type": "functions", "resource_id": blue.URN},
				Body: map[string]any{"action": "delete", "tags": []kv{{"fgh-colour", run + "-blue"}}}}).ExpectStatus(http.StatusNoContent)
			Expect(filtered(byColour(run+"-blue"), red, blue, plain)).To(BeEmpty(),
				"showResInstanceInfo filter by tag fgh-colour = blue after deleteTags: expected no function")
		})

	It("are listed on the function and among the project's tags",
		Label(fw.LabelBehaviour, fw.LabelDestructive),
		fw.Conformance([]string{fgs.OpListFunctionTags, fgs.OpShowProjectTagsList}, fw.CheckBehaviour), func() {
			fn := fw.CreateFunction(fw.FunctionOptions{})
			value := fw.Current().Name("team")
			tag(fn, kv{"fgh-team", value})

			var own struct {
				Tags []kv `json:"tags"`
			}
			fw.Call(fw.Request{Operation: fgs.OpListFunctionTags, Path: map[string]string{"resource_type": "functions", "resource_id": fn.URN}}).
				ExpectStatus(http.StatusOK).Decode(&own)
			Expect(own.Tags).To(ContainElement(kv{"fgh-team", value}), "listFunctionTags: tags: expected the tag just created")

			var project struct {
				Tags []struct {
					Key    string   `json:"key"`
					Values []string `json:"values"`
				} `json:"tags"`
			}
			fw.Call(fw.Request{Operation: fgs.OpShowProjectTagsList, Path: map[string]string{"resource_type": "functions"}}).
				ExpectStatus(http.StatusOK).Decode(&project)
			var values []string
			for _, t := range project.Tags {
				if t.Key == "fgh-team" {
					values = t.Values
				}
			}
			Expect(values).To(ContainElement(value), "showProjectTagsList: tags fgh-team: expected the value just set")
		})

	It("count the filtered resources without listing them",
		Label(fw.LabelBehaviour, fw.LabelDestructive), fw.Judges(fgs.OpShowResInstanceInfo, fw.CheckBehaviour), func() {
			a, b := fw.CreateFunction(fw.FunctionOptions{}), fw.CreateFunction(fw.FunctionOptions{})
			value := fw.Current().Name("counted")
			tag(a, kv{"fgh-counted", value})
			tag(b, kv{"fgh-counted", value})
			resp := fw.Call(fw.Request{Operation: fgs.OpShowResInstanceInfo, Path: map[string]string{"resource_type": "functions", "action": "count"},
				Body: map[string]any{"tags": []map[string]any{{"key": "fgh-counted", "values": []string{value}}}}}).ExpectStatus(http.StatusOK)
			var answer any
			resp.Decode(&answer)
			n := answer // the page's second example answers a bare number
			if obj, isObject := answer.(map[string]any); isObject {
				n = obj["total_count"]
			}
			Expect(n).To(BeNumerically("==", 2), "showResInstanceInfo count of fgh-counted = %s: expected the two functions tagged, got %s", value, resp.Snippet())
		})
})

func sorted(s ...string) []string { slices.Sort(s); return s }

// area holds this package's specs until Register.
var area fw.Area

// Register adds the tag specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
