package triggers

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

var _ = area.Describe("Trigger updates", Ordered, Label(fw.LabelTriggers, fw.LabelDestructive), func() {
	var (
		fn    fw.Function
		timer trigger
	)
	BeforeAll(func() {
		fn = fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
		timer = createTrigger(fn, timerBody("timerDaily", nil))
	})
	setStatus := func(status string) trigger {
		GinkgoHelper()
		body := fw.Example(fgs.OpUpdateTrigger, "documented")
		body["trigger_status"] = status
		var t trigger
		fw.Call(fw.Request{Operation: fgs.OpUpdateTrigger, Path: triggerPath(fn.Unqualified(), timer), Body: body}).ExpectStatus(http.StatusOK).Decode(&t)
		return t
	}
	show := func() trigger {
		GinkgoHelper()
		var t trigger
		fw.Call(fw.Request{Operation: fgs.OpShowFunctionTrigger, Path: triggerPath(fn.Unqualified(), timer)}).ExpectStatus(http.StatusOK).Decode(&t)
		return t
	}

	It("shows a trigger as created",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpShowFunctionTrigger, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			got := show()
			Expect(got.TriggerID).To(Equal(timer.TriggerID), "showFunctionTrigger: trigger_id")
			Expect(got.TriggerStatus).To(Equal("ACTIVE"), "showFunctionTrigger: trigger_status: expected the created ACTIVE")
			Expect(got.EventData).To(HaveKeyWithValue("schedule", timer.EventData["schedule"]), "showFunctionTrigger: event_data.schedule")
		})

	It("disables a trigger, which show and list then report, and enables it again",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Conformance([]string{fgs.OpUpdateTrigger, fgs.OpShowFunctionTrigger, fgs.OpListFunctionTriggers},
			fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			Expect(setStatus("DISABLED").TriggerStatus).To(Equal("DISABLED"), "updateTrigger answer: trigger_status: expected the requested DISABLED")
			Expect(show().TriggerStatus).To(Equal("DISABLED"), "showFunctionTrigger after disabling: trigger_status")
			Expect(listTriggers(fn)[timer.TriggerID].TriggerStatus).To(Equal("DISABLED"), "listFunctionTriggers after disabling: trigger_status")
			Expect(setStatus("ACTIVE").TriggerStatus).To(Equal("ACTIVE"), "updateTrigger answer: trigger_status: expected the requested ACTIVE")
			Expect(show().TriggerStatus).To(Equal("ACTIVE"), "showFunctionTrigger after enabling: trigger_status")
		})

	It("deletes every trigger of the function at once",
		Label(fw.LabelBehaviour), fw.Conformance([]string{fgs.OpBatchDeleteFunctionTriggers, fgs.OpListFunctionTriggers}, fw.CheckStatus, fw.CheckBehaviour), func() {
			createTrigger(fn, timerBody("timerEvery3Minutes", nil))
			Expect(listTriggers(fn)).To(HaveLen(2), "listFunctionTriggers before the batch delete: expected the two triggers")
			fw.Call(fw.Request{Operation: fgs.OpBatchDeleteFunctionTriggers, Path: fnPath(fn.Unqualified())}).ExpectStatus(http.StatusNoContent)
			Expect(listTriggers(fn)).To(BeEmpty(), "listFunctionTriggers after batchDeleteFunctionTriggers: expected no trigger left")
			fw.Call(fw.Request{Operation: fgs.OpShowFunctionTrigger, Path: triggerPath(fn.Unqualified(), timer)}).ExpectStatus(http.StatusNotFound)
		})
})
