package versions

import (
	"net/http"
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// loggedVersion reads the function version a tail log names.
var loggedVersion = regexp.MustCompile(`version: (\S+)`)

// ranVersion invokes the URN with a tail log and answers the version the log names.
func ranVersion(u string) string {
	GinkgoHelper()
	resp := fw.Invoke(u, map[string]any{"alias": "routing"}, http.Header{"X-Cff-Log-Type": {"tail"}}).ExpectStatus(http.StatusOK)
	m := loggedVersion.FindStringSubmatch(resp.String("log"))
	if m == nil {
		Skip("the endpoint's execution log does not name the version that ran, so routing cannot be observed")
	}
	return m[1]
}

var _ = area.Describe("Version aliases", Ordered, Label(fw.LabelVersions, fw.LabelDestructive), func() {
	const alias = "routing"
	var fn fw.Function
	aliasPath := func() map[string]string {
		return map[string]string{"function_urn": fn.Unqualified(), "alias_name": alias}
	}
	setWeights := func(main string, weights map[string]int) map[string]any {
		GinkgoHelper()
		body := fw.Example(fgs.OpUpdateVersionAlias, "weighted")
		body["version"], body["additional_version_weights"] = main, weights
		return fw.Call(fw.Request{Operation: fgs.OpUpdateVersionAlias, Path: aliasPath(), Body: body}).ExpectStatus(http.StatusOK).Object()
	}
	share := func(n int) (hits int) {
		GinkgoHelper()
		aliasURN := fw.WithQualifier(fn.URN, urn.AliasPrefix+alias)
		for range n {
			switch v := ranVersion(aliasURN); v {
			case "v2":
				hits++
			case "v1":
			default:
				Fail("invokeFunction through alias " + alias + ": ran version " + v + ", expected v1 or v2")
			}
		}
		return hits
	}

	BeforeAll(func() {
		fn = fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
		for _, v := range []string{"v1", "v2"} {
			fw.Call(fw.Request{Operation: fgs.OpCreateFunctionVersion, Path: urnPath(fn.Unqualified()),
				Body: map[string]any{"version": v}}).ExpectStatus(http.StatusOK)
		}
		fw.Call(fw.Request{Operation: fgs.OpCreateVersionAlias, Path: urnPath(fn.Unqualified()),
			Body: map[string]any{"name": alias, "version": "v1"}}).ExpectStatus(http.StatusOK)
	})

	It("shows the alias as updated, with its weighted routing",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Conformance([]string{fgs.OpUpdateVersionAlias, fgs.OpShowVersionAlias}, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			answer := setWeights("v1", map[string]int{"v2": 25})
			shown := fw.Call(fw.Request{Operation: fgs.OpShowVersionAlias, Path: aliasPath()}).ExpectStatus(http.StatusOK).Object()
			for what, a := range map[string]map[string]any{"updateVersionAlias answer": answer, "showVersionAlias answer": shown} {
				Expect(a["version"]).To(Equal("v1"), "%s: version: expected v1", what)
				Expect(a["additional_version_weights"]).To(HaveKeyWithValue("v2", BeNumerically("==", 25)),
					"%s: additional_version_weights: expected v2 at 25", what)
			}
		})

	It("routes every invocation to an additional version weighted 100 and none to one weighted 0",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpUpdateVersionAlias, fw.CheckBehaviour), func() {
			setWeights("v1", map[string]int{"v2": 100})
			Expect(share(20)).To(Equal(20), "invokeFunction through the alias with v2 weighted 100: expected every invocation to run v2")
			setWeights("v1", map[string]int{"v2": 0})
			Expect(share(20)).To(Equal(0), "invokeFunction through the alias with v2 weighted 0: expected no invocation to run v2")
		})

	It("routes the documented share of invocations to the additional version",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpUpdateVersionAlias, fw.CheckBehaviour), func() {
			setWeights("v1", map[string]int{"v2": 30})
			// 200 draws at 30 %: mean 60, sd 6.5; the bounds are over 4.5 sd away
			Expect(share(200)).To(BeNumerically("~", 60, 30), "invokeFunction through the alias with v2 weighted 30: expected about 30 %% of 200 invocations to run v2")
		})

	It("deletes the alias, after which showing it answers 404",
		Label(fw.LabelBehaviour), fw.Conformance([]string{fgs.OpDeleteVersionAlias, fgs.OpShowVersionAlias}, fw.CheckStatus, fw.CheckBehaviour), func() {
			fw.Call(fw.Request{Operation: fgs.OpDeleteVersionAlias, Path: aliasPath()}).ExpectStatus(http.StatusNoContent)
			fw.Call(fw.Request{Operation: fgs.OpShowVersionAlias, Path: aliasPath()}).ExpectStatus(http.StatusNotFound)
		})
})
