package functions

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

var _ = area.Describe("Test events", Ordered, Label(fw.LabelEvents, fw.LabelDestructive), func() {
	var (
		fn      fw.Function
		eventID string
		name    string
	)
	fnPath := func() map[string]string { return map[string]string{"function_urn": fn.URN} }
	eventPath := func() map[string]string { return map[string]string{"function_urn": fn.URN, "event_id": eventID} }
	listed := func() map[string]string {
		GinkgoHelper()
		var list struct {
			Events []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"events"`
		}
		fw.Call(fw.Request{Operation: fgs.OpListEvents, Path: fnPath()}).ExpectStatus(http.StatusOK).Decode(&list)
		out := map[string]string{}
		for _, e := range list.Events {
			out[e.ID] = e.Name
		}
		return out
	}
	BeforeAll(func() { fn = fw.CreateFunction(fw.FunctionOptions{}) })

	It("creates a test event that is then listed and shown with its content",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Conformance([]string{fgs.OpCreateEvent, fgs.OpListEvents, fgs.OpShowEvent}, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			body := fw.Example(fgs.OpCreateEvent, "documented")
			name = fw.Current().Name("event")
			body["name"] = name
			created := fw.Call(fw.Request{Operation: fgs.OpCreateEvent, Path: fnPath(), Body: body}).ExpectStatus(http.StatusOK)
			eventID = created.String("id")
			Expect(eventID).NotTo(BeEmpty(), "createEvent answer: id: expected the new event's ID")
			Expect(created.String("name")).To(Equal(name), "createEvent answer: name")
			Expect(listed()).To(HaveKeyWithValue(eventID, name), "listEvents: expected the created event")
			shown := fw.Call(fw.Request{Operation: fgs.OpShowEvent, Path: eventPath()}).ExpectStatus(http.StatusOK)
			Expect(shown.String("content")).To(Equal(body["content"]), "showEvent: content: expected what was created")
		})

	It("updates the content of a test event",
		Label(fw.LabelBehaviour), fw.Conformance([]string{fgs.OpUpdateEvent, fgs.OpShowEvent}, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			const content = "eyJuIjoxfQ==" // {"n":1}
			fw.Call(fw.Request{Operation: fgs.OpUpdateEvent, Path: eventPath(), Body: map[string]any{"content": content}}).ExpectStatus(http.StatusOK)
			shown := fw.Call(fw.Request{Operation: fgs.OpShowEvent, Path: eventPath()}).ExpectStatus(http.StatusOK)
			Expect(shown.String("content")).To(Equal(content), "showEvent after updateEvent: content: expected the new content")
			Expect(shown.String("name")).To(Equal(name), "showEvent after updateEvent: name: expected it unchanged")
		})

	It("deletes a test event, which is then gone",
		Label(fw.LabelBehaviour), fw.Conformance([]string{fgs.OpDeleteEvent, fgs.OpShowEvent, fgs.OpListEvents}, fw.CheckStatus, fw.CheckBehaviour), func() {
			fw.Call(fw.Request{Operation: fgs.OpDeleteEvent, Path: eventPath()}).ExpectStatus(http.StatusNoContent)
			fw.Call(fw.Request{Operation: fgs.OpShowEvent, Path: eventPath()}).ExpectStatus(http.StatusNotFound)
			Expect(listed()).NotTo(HaveKey(eventID), "listEvents after deleteEvent: expected the deleted event gone")
		})
})
