package invocation

import (
	"context"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// asyncRecord is what these specs read of an async invocation record.
type asyncRecord struct {
	RequestID string `json:"request_id"`
	Status    string `json:"status"`
}

// overlapOrSkip ends a spec that needs two invocations to overlap when they
// did not: against a remote target the function may end too soon (it runs
// the documents' code, not the emulator's sleep), but the emulator must.
func overlapOrSkip(what string) {
	GinkgoHelper()
	if fw.Current().Local != nil {
		Fail(what + ": the emulator's sleeping function must still be running")
	}
	Skip(what + ": the function ended before a second invocation could overlap it")
}

var _ = area.Describe("Instance limit and the async queue", Ordered, Label(fw.LabelInvocation, fw.LabelBehaviour, fw.LabelDestructive), func() {
	var fn fw.Function
	path := func() map[string]string { return map[string]string{"function_urn": fn.URN} }
	limit := func(n int) {
		GinkgoHelper()
		body := fw.Example(fgs.OpUpdateFunctionMaxInstanceConfig, "documented")
		body["max_instance_num"] = n
		cfg := fw.Call(fw.Request{Operation: fgs.OpUpdateFunctionMaxInstanceConfig, Path: path(), Body: body}).ExpectStatus(http.StatusOK).Object()
		strategy, _ := cfg["strategy_config"].(map[string]any)
		Expect(strategy).To(HaveKeyWithValue("concurrency", BeNumerically("==", n)),
			"updateFunctionMaxInstanceConfig answer: strategy_config.concurrency: expected the new limit %d", n)
	}
	records := func(query string, value string) []asyncRecord {
		GinkgoHelper()
		var out struct {
			Invocations []asyncRecord `json:"invocations"`
		}
		fw.Call(fw.Request{Operation: fgs.OpListAsyncInvocations, Path: path(), Query: map[string][]string{query: {value}}}).
			ExpectStatus(http.StatusOK).Decode(&out)
		return out.Invocations
	}
	statusOf := func(requestID string) string {
		GinkgoHelper()
		recs := records("request_id", requestID)
		if len(recs) != 1 {
			return ""
		}
		return recs[0].Status
	}
	invokeAsync := func() string {
		GinkgoHelper()
		return fw.Call(fw.Request{Operation: fgs.OpAsyncInvokeFunction, Path: path(), Body: map[string]any{"queue": true}}).
			ExpectStatus(http.StatusAccepted).String("request_id")
	}

	BeforeAll(func() {
		fn = fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "sleep", "FGH_SLEEP": "800ms"}})
	})

	It("refuses an invocation past the instance limit with 429 FSS.0429",
		Label(fw.LabelErrors), fw.Conformance([]string{fgs.OpUpdateFunctionMaxInstanceConfig, fgs.OpInvokeFunction}, fw.CheckStatus, fw.CheckErrors, fw.CheckBehaviour), func() {
			limit(1)
			done := make(chan int, 1)
			go func() {
				defer GinkgoRecover()
				resp, err := fw.Current().Do(context.Background(), fw.Request{Operation: fgs.OpInvokeFunction, Path: path(), Body: map[string]any{"first": true}})
				if err != nil {
					done <- 0
					return
				}
				done <- resp.Status
			}()
			time.Sleep(200 * time.Millisecond) // the first is running by now
			second, err := fw.Current().Do(context.Background(), fw.Request{Operation: fgs.OpInvokeFunction, Path: path(), Body: map[string]any{"second": true}})
			Expect(err).NotTo(HaveOccurred())
			first := <-done
			Expect(first).To(Equal(http.StatusOK), "invokeFunction, the first of two with one instance: expected 200")
			if second.Status == http.StatusOK {
				overlapOrSkip("invokeFunction past the instance limit")
			}
			Expect(second.Status).To(Equal(http.StatusTooManyRequests), "invokeFunction while the one instance is busy: status: %s", second.Snippet())
			Expect(second.String("error_code")).To(Equal("FSS.0429"), "invokeFunction while the one instance is busy: error_code")
			Expect(second.Violations).To(BeEmpty(), "invokeFunction 429 answer: spec violations")
			limit(-1)
		})

	It("never runs an async invocation cancelled while it waits, and lists it as ended",
		fw.Conformance([]string{fgs.OpCancelAsyncInvocation, fgs.OpListAsyncInvocations, fgs.OpListActiveAsyncInvocations},
			fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			limit(1)
			first := invokeAsync()
			Eventually(func() string { return statusOf(first) }).WithTimeout(5*time.Second).WithPolling(50*time.Millisecond).
				Should(Equal("RUNNING"), "listAsyncInvocations: the first invocation never started running")
			queued := invokeAsync()
			var active struct {
				Invocations []asyncRecord `json:"invocations"`
			}
			fw.Call(fw.Request{Operation: fgs.OpListActiveAsyncInvocations, Path: path(), Query: map[string][]string{"requests": {queued}}}).
				ExpectStatus(http.StatusOK).Decode(&active)
			if len(active.Invocations) != 1 || active.Invocations[0].Status != "WAIT" {
				overlapOrSkip(fgs.OpListActiveAsyncInvocations)
			}
			fw.Call(fw.Request{Operation: fgs.OpCancelAsyncInvocation, Path: path(), Body: map[string]any{"request_id": queued}}).ExpectStatus(http.StatusOK)
			Eventually(func() string { return statusOf(first) }).WithTimeout(10*time.Second).WithPolling(100*time.Millisecond).
				Should(Equal("SUCCESS"), "listAsyncInvocations: the first invocation never succeeded")
			time.Sleep(time.Second) // longer than the cancelled one would have run
			Expect(statusOf(queued)).To(BeElementOf("DISCARD", "FAIL"),
				"listAsyncInvocations: the cancelled invocation: expected it ended without running (DISCARD or FAIL)")
			for _, r := range records("status", "SUCCESS") {
				Expect(r.RequestID).NotTo(Equal(queued), "listAsyncInvocations status=SUCCESS: the cancelled invocation ran")
			}
			limit(-1)
		})
})
