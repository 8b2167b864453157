// Package reserved holds the contract specs of reserved instances: setting a function's count and reading it back.
package reserved

import (
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/fgharness/fgharness/suites/framework"

	"github.com/fgharness/fgharness/internal/fgs"
)

// setReserved sets the function's reserved instances and checks the answer echoes the count.
func setReserved(fn fw.Function, count int) {
	GinkgoHelper()
	var answer struct {
		Count *int `json:"count"`
	}
	fw.Call(fw.Request{Operation: fgs.OpUpdateFunctionReservedInstancesCount, Path: map[string]string{"function_urn": fn.URN},
		Body: map[string]any{"count": count}}).ExpectStatus(http.StatusOK).Decode(&answer)
	Expect(answer.Count).To(HaveValue(Equal(count)), "updateFunctionReservedInstancesCount: body /count: expected the count just set")
}

// listedCount is the count listFunctionReservedInstances gives the
// function's URN, or -1 when it does not list it.
func listedCount(fn fw.Function) int {
	GinkgoHelper()
	listed := fw.Listed[struct {
		FuncURN string `json:"func_urn"`
		Count   int    `json:"count"`
	}](fw.Request{Operation: fgs.OpListFunctionReservedInstances, Query: url.Values{"urn": {fn.URN}}}, "reservedinstances")
	for _, r := range listed {
		if fw.UnqualifiedURN(r.FuncURN) == fn.Unqualified() {
			return r.Count
		}
	}
	return -1
}

// configuredCount is the min_count of the function's latest version in
// listReservedInstanceConfigs, or -1 when it is not listed.
func configuredCount(fn fw.Function) int {
	GinkgoHelper()
	configs := fw.Listed[struct {
		FunctionURN   string `json:"function_urn"`
		QualifierName string `json:"qualifier_name"`
		MinCount      int    `json:"min_count"`
	}](fw.Request{Operation: fgs.OpListReservedInstanceConfigs, Query: url.Values{"function_urn": {fn.URN}}}, "reserved_instances")
	for _, r := range configs {
		if fw.UnqualifiedURN(r.FunctionURN) == fn.Unqualified() && r.QualifierName == "latest" {
			return r.MinCount
		}
	}
	return -1
}

var _ = area.Describe("Reserved instances", Label(fw.LabelReserved), func() {
	It("show a changed count on read, in the counts and in the settings",
		Label(fw.LabelBehaviour, fw.LabelDestructive),
		fw.Conformance([]string{fgs.OpUpdateFunctionReservedInstancesCount, fgs.OpListFunctionReservedInstances, fgs.OpListReservedInstanceConfigs}, fw.CheckBehaviour), func() {
			fn := fw.CreateFunction(fw.FunctionOptions{})
			// Reserved instances are billed: release them first. A cleanup uses Do
			// with the node's context, never Call.
			DeferCleanup(func(ctx SpecContext) {
				_, _ = fw.Current().Do(ctx, fw.Request{Operation: fgs.OpUpdateFunctionReservedInstancesCount,
					Path: map[string]string{"function_urn": fn.URN}, Body: map[string]any{"count": 0}})
			})
			setReserved(fn, 1)
			Expect(listedCount(fn)).To(Equal(1), "listFunctionReservedInstances urn=%s: count: expected the 1 just set", fn.Name)
			Expect(configuredCount(fn)).To(Equal(1), "listReservedInstanceConfigs function_urn=%s: min_count of latest: expected the 1 just set", fn.Name)
			setReserved(fn, 2)
			Expect(listedCount(fn)).To(Equal(2), "listFunctionReservedInstances urn=%s: count: expected the 2 set last", fn.Name)
			Expect(configuredCount(fn)).To(Equal(2), "listReservedInstanceConfigs function_urn=%s: min_count of latest: expected the 2 set last", fn.Name)
		})
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the reserved instance specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
