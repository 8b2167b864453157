// Package triggers holds the contract specs of function triggers: create (TIMER with Rate and Cron schedules), list, delete, and that a timer fires.
package triggers

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// trigger is what these specs read of a FunctionTrigger.
type trigger struct {
	TriggerID       string         `json:"trigger_id"`
	TriggerTypeCode string         `json:"trigger_type_code"`
	TriggerStatus   string         `json:"trigger_status"`
	EventData       map[string]any `json:"event_data"`
}

func fnPath(functionURN string) map[string]string {
	return map[string]string{"function_urn": functionURN}
}

func triggerPath(functionURN string, t trigger) map[string]string {
	return map[string]string{"function_urn": functionURN, "trigger_type_code": t.TriggerTypeCode, "trigger_id": t.TriggerID}
}

// timerBody is a documented TIMER example with a name of this run and the given edits.
func timerBody(example string, eventData map[string]any) map[string]any {
	GinkgoHelper()
	body := fw.Example(fgs.OpCreateFunctionTrigger, example)
	data, _ := body["event_data"].(map[string]any)
	Expect(data).NotTo(BeNil(), "the spec's createFunctionTrigger example %s has no event_data", example)
	data["name"] = fw.Current().Name("timer")
	for k, v := range eventData {
		data[k] = v
	}
	return body
}

// createTrigger creates a trigger and deletes it when the calling node's scope ends.
func createTrigger(fn fw.Function, body map[string]any) trigger {
	GinkgoHelper()
	var t trigger
	resp := fw.Call(fw.Request{Operation: fgs.OpCreateFunctionTrigger, Path: fnPath(fn.Unqualified()), Body: body}).ExpectStatus(http.StatusCreated)
	resp.Decode(&t)
	Expect(t.TriggerID).NotTo(BeEmpty(), "createFunctionTrigger answer: trigger_id: expected the new trigger's ID: %s", resp.Snippet())
	DeferCleanup(deleteTrigger, fn.Unqualified(), t)
	return t
}

// deleteTrigger removes a trigger of this run; a 404 counts as done.
func deleteTrigger(ctx SpecContext, functionURN string, t trigger) {
	GinkgoHelper()
	resp, err := fw.Current().Do(ctx, fw.Request{Operation: fgs.OpDeleteFunctionTrigger, Path: triggerPath(functionURN, t)})
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.Status).To(Or(Equal(http.StatusNoContent), Equal(http.StatusNotFound)),
		"cleanup: deleteFunctionTrigger %s answered %d: %s", t.TriggerID, resp.Status, resp.Snippet())
}

func listTriggers(fn fw.Function) map[string]trigger {
	GinkgoHelper()
	var list []trigger
	fw.Call(fw.Request{Operation: fgs.OpListFunctionTriggers, Path: fnPath(fn.Unqualified())}).ExpectStatus(http.StatusOK).Decode(&list)
	out := map[string]trigger{}
	for _, t := range list {
		out[t.TriggerID] = t
	}
	return out
}

var _ = area.Describe("Triggers", Ordered, Label(fw.LabelTriggers, fw.LabelDestructive), func() {
	const cronSchedule = "0 30 2 * * ?"
	var (
		fn                 fw.Function
		rateBody, cronBody map[string]any
		rate, cron         trigger
	)

	// Both triggers live as long as the container, so the list and delete specs see them.
	BeforeAll(func() {
		fn = fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
		rateBody = timerBody("timerDaily", nil)
		rate = createTrigger(fn, rateBody)
		cronBody = timerBody("timerEvery3Minutes", map[string]any{"schedule_type": "Cron", "schedule": cronSchedule})
		cronBody["trigger_status"] = "DISABLED"
		cron = createTrigger(fn, cronBody)
	})

	It("creates an active TIMER trigger with a Rate schedule",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpCreateFunctionTrigger, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			want := rateBody["event_data"].(map[string]any)
			Expect(rate.TriggerTypeCode).To(Equal("TIMER"), "createFunctionTrigger answer: trigger_type_code")
			Expect(rate.TriggerStatus).To(Equal("ACTIVE"), "createFunctionTrigger answer: trigger_status")
			for _, field := range []string{"name", "schedule_type", "schedule"} {
				Expect(rate.EventData).To(HaveKeyWithValue(field, want[field]), "createFunctionTrigger answer: event_data.%s: expected the requested value", field)
			}
		})

	It("creates a disabled TIMER trigger with a Cron schedule",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpCreateFunctionTrigger, fw.CheckBehaviour), func() {
			Expect(cron.TriggerStatus).To(Equal("DISABLED"), "createFunctionTrigger answer: trigger_status: expected the requested DISABLED")
			Expect(cron.EventData).To(HaveKeyWithValue("schedule_type", "Cron"), "createFunctionTrigger answer: event_data.schedule_type")
			Expect(cron.EventData).To(HaveKeyWithValue("schedule", cronSchedule), "createFunctionTrigger answer: event_data.schedule")
		})

	It("lists the function's triggers with their type and status",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpListFunctionTriggers, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			listed := listTriggers(fn)
			for _, t := range []trigger{rate, cron} {
				Expect(listed).To(HaveKey(t.TriggerID), "listFunctionTriggers: expected the created trigger %s", t.TriggerID)
				Expect(listed[t.TriggerID].TriggerTypeCode).To(Equal(t.TriggerTypeCode), "listFunctionTriggers: trigger %s: trigger_type_code", t.TriggerID)
				Expect(listed[t.TriggerID].TriggerStatus).To(Equal(t.TriggerStatus), "listFunctionTriggers: trigger %s: trigger_status", t.TriggerID)
			}
		})

	It("deletes a trigger, after which it is not listed and a second delete answers 404",
		Label(fw.LabelBehaviour), fw.Provokes(fgs.OpDeleteFunctionTrigger, http.StatusNotFound), fw.Judges(fgs.OpDeleteFunctionTrigger, fw.CheckStatus, fw.CheckErrors, fw.CheckBehaviour), func() {
			fw.Call(fw.Request{Operation: fgs.OpDeleteFunctionTrigger, Path: triggerPath(fn.Unqualified(), rate)}).ExpectStatus(http.StatusNoContent)
			listed := listTriggers(fn)
			Expect(listed).NotTo(HaveKey(rate.TriggerID), "listFunctionTriggers after deleteFunctionTrigger: the deleted trigger %s is still listed", rate.TriggerID)
			Expect(listed).To(HaveKey(cron.TriggerID), "listFunctionTriggers after deleteFunctionTrigger: the other trigger %s is gone too", cron.TriggerID)
			fw.Call(fw.Request{Operation: fgs.OpDeleteFunctionTrigger, Path: triggerPath(fn.Unqualified(), rate)}).ExpectStatus(http.StatusNotFound)
		})
})

var _ = area.Describe("Timer trigger firing", Label(fw.LabelTriggers, fw.LabelBehaviour, fw.LabelDestructive), func() {
	It("invokes the function on schedule",
		fw.Judges(fgs.OpCreateFunctionTrigger, fw.CheckBehaviour), func(ctx SpecContext) {
			if fw.Current().Local == nil {
				Skip("a documented schedule fires at most once a minute; waiting for it is too slow for a contract run")
			}
			fn := fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
			// A Cron schedule has a seconds field; this one fires every second.
			createTrigger(fn, timerBody("timerEvery3Minutes", map[string]any{"schedule_type": "Cron", "schedule": "* * * * * ?"}))
			Eventually(func(g Gomega) int { return fw.FunctionMetric(ctx, g, "count", fn.URN) }).
				WithContext(ctx).WithTimeout(3*time.Second).WithPolling(100*time.Millisecond).
				Should(BeNumerically(">=", 1), "listFunctionAsMetric type=count: the function of an every-second timer trigger was not invoked within 3 s")
		})
})

var _ = area.Describe("Trigger errors", Label(fw.LabelTriggers, fw.LabelErrors, fw.LabelNegative, fw.LabelDestructive), func() {
	var fn fw.Function
	var missing string

	BeforeEach(func() {
		fn = fw.CreateFunction(fw.FunctionOptions{})
		u, err := urn.Parse(fn.Unqualified())
		Expect(err).NotTo(HaveOccurred(), "createFunction answer: func_urn %q is not a function URN", fn.URN)
		u.Name = fw.Current().Name("missing")
		missing = u.String()
	})

	It("answers 404 for the triggers of an unknown function",
		fw.Provokes(fgs.OpCreateFunctionTrigger, http.StatusNotFound), fw.Provokes(fgs.OpListFunctionTriggers, http.StatusNotFound),
		fw.Conformance([]string{fgs.OpCreateFunctionTrigger, fgs.OpListFunctionTriggers}, fw.CheckStatus, fw.CheckErrors), func() {
			fw.Call(fw.Request{Operation: fgs.OpListFunctionTriggers, Path: fnPath(missing)}).ExpectStatus(http.StatusNotFound)
			fw.Call(fw.Request{Operation: fgs.OpCreateFunctionTrigger, Path: fnPath(missing), Body: timerBody("timerDaily", nil)}).ExpectStatus(http.StatusNotFound)
		})

	DescribeTable("refuses a TIMER trigger whose schedule breaks the documented rules with 400",
		fw.Provokes(fgs.OpCreateFunctionTrigger, http.StatusBadRequest), fw.Judges(fgs.OpCreateFunctionTrigger, fw.CheckStatus, fw.CheckErrors),
		func(eventData map[string]any, drop string) {
			body := timerBody("timerDaily", eventData)
			if drop != "" {
				delete(body["event_data"].(map[string]any), drop)
			}
			resp := fw.Call(fw.Request{Operation: fgs.OpCreateFunctionTrigger, Path: fnPath(fn.Unqualified()), Body: body, Tolerate: fw.Tolerate{AcceptRequest: []string{"body"}}})
			if resp.Status == http.StatusCreated {
				var t trigger
				resp.Decode(&t)
				DeferCleanup(deleteTrigger, fn.Unqualified(), t)
			}
			resp.ExpectStatus(http.StatusBadRequest)
		},
		Entry("no schedule", nil, "schedule"),
		Entry("no schedule_type", nil, "schedule_type"),
		Entry("a Rate over 60 minutes", map[string]any{"schedule": "61m"}, ""),
		Entry("a Rate over 24 hours", map[string]any{"schedule": "25h"}, ""),
		Entry("a Rate over 30 days", map[string]any{"schedule": "31d"}, ""),
		Entry("a Rate in seconds", map[string]any{"schedule": "30s"}, ""),
		Entry("an unknown schedule_type", map[string]any{"schedule_type": "Sometimes"}, ""),
	)
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the triggers specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
