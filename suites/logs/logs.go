// Package logs holds the contract specs of a function's log (LTS) and tracing (APM) settings.
package logs

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/fgharness/fgharness/suites/framework"

	"github.com/fgharness/fgharness/internal/fgs"
)

var _ = area.Describe("Log and tracing settings", Label(fw.LabelLogs), func() {
	It("show tracing keys on read once set, and none once switched off",
		Label(fw.LabelBehaviour, fw.LabelDestructive),
		fw.Conformance([]string{fgs.OpUpdateTracing, fgs.OpShowTracing}, fw.CheckBehaviour), func() {
			fn := fw.CreateFunction(fw.FunctionOptions{})
			path := map[string]string{"function_urn": fn.URN}
			// Made-up keys: a real APM account's keys never belong in a test.
			ak := fw.Current().Name("FGHTRACINGAK")
			fw.Call(fw.Request{Operation: fgs.OpUpdateTracing, Path: path,
				Body: map[string]string{"tracing_ak": ak, "tracing_sk": "fgh-not-a-secret"}}).ExpectStatus(http.StatusOK)
			var keys struct {
				AK *string `json:"tracing_ak"`
				SK *string `json:"tracing_sk"`
			}
			fw.Call(fw.Request{Operation: fgs.OpShowTracing, Path: path}).ExpectStatus(http.StatusOK).Decode(&keys)
			Expect(keys.AK).To(HaveValue(Equal(ak)), "showTracing: body /tracing_ak: expected the key just set")
			Expect(keys.SK).To(HaveValue(Not(BeEmpty())), "showTracing: body /tracing_sk: expected the secret key (or its mask) once set")

			fw.Call(fw.Request{Operation: fgs.OpUpdateTracing, Path: path,
				Body: map[string]string{"tracing_ak": "", "tracing_sk": ""}}).ExpectStatus(http.StatusOK)
			keys.AK, keys.SK = nil, nil
			fw.Call(fw.Request{Operation: fgs.OpShowTracing, Path: path}).ExpectStatus(http.StatusOK).Decode(&keys)
			Expect(keys.AK == nil || *keys.AK == "").To(BeTrue(), "showTracing after switching tracing off: body /tracing_ak: expected none")
		})

	It("name the function's LTS log group and stream once log reporting is on",
		Label(fw.LabelBehaviour, fw.LabelDestructive),
		fw.Conformance([]string{fgs.OpEnableLtsLogs, fgs.OpShowLtsLogDetails}, fw.CheckBehaviour), func() {
			fn := fw.CreateFunction(fw.FunctionOptions{})
			fw.Call(fw.Request{Operation: fgs.OpEnableLtsLogs}).ExpectStatus(http.StatusOK)
			var lts struct {
				GroupID  string `json:"group_id"`
				StreamID string `json:"stream_id"`
			}
			fw.Call(fw.Request{Operation: fgs.OpShowLtsLogDetails, Path: map[string]string{"function_urn": fn.URN}}).ExpectStatus(http.StatusOK).Decode(&lts)
			Expect(lts.GroupID).NotTo(BeEmpty(), "showLtsLogDetails after enableLtsLogs: body /group_id: expected the log group")
			Expect(lts.StreamID).NotTo(BeEmpty(), "showLtsLogDetails after enableLtsLogs: body /stream_id: expected the function's log stream")
		})
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the log and tracing specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
