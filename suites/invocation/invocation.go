// Package invocation holds the contract specs of synchronous and asynchronous invocation: headers, logs, the summary, the payload limit and async settings.
package invocation

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

var _ = area.Describe("Synchronous invocation", Ordered, Label(fw.LabelInvocation), func() {
	var fn fw.Function
	BeforeAll(func() { fn = fw.InvocableFunction() })

	logType := func(v string) http.Header { return http.Header{"X-Cff-Log-Type": {v}} }

	It("answers 200 with the documented body, X-Cff-Request-Id equal to request_id",
		Label(fw.LabelSchema), fw.Judges(fgs.OpInvokeFunction, fw.CheckSchema, fw.CheckStatus, fw.CheckHeaders), func() {
			event := fw.Example(fgs.OpInvokeFunction, "downloadFile")
			resp := fw.Invoke(fn.URN, event, nil).ExpectStatus(http.StatusOK)
			body := resp.Object()
			Expect(resp.Header.Get("X-Cff-Request-Id")).NotTo(BeEmpty(), "invokeFunction: header X-Cff-Request-Id: expected the request ID, got none")
			Expect(resp.Header.Get("X-Cff-Request-Id")).To(Equal(body["request_id"]),
				"invokeFunction: header X-Cff-Request-Id: expected the body's request_id %v", body["request_id"])
		})

	It("with X-Cff-Log-Type: tail returns a non-empty log of at most 4 KB",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpInvokeFunction, fw.CheckHeaders, fw.CheckBehaviour), func() {
			resp := fw.Invoke(fn.URN, map[string]any{"log": "tail"}, logType("tail")).ExpectStatus(http.StatusOK)
			log := resp.String("log")
			Expect(log).NotTo(BeEmpty(), "invokeFunction with X-Cff-Log-Type: tail: body /log: expected the execution log, got none")
			Expect(len(log)).To(BeNumerically("<=", fgs.MaxTailLogBytes), "invokeFunction with X-Cff-Log-Type: tail: body /log: expected at most 4 KB, got %d bytes", len(log))
			if h := resp.Header.Get("X-Cff-Function-Log"); h != "" {
				dec, err := base64.StdEncoding.DecodeString(h)
				Expect(err).NotTo(HaveOccurred(), "invokeFunction: header X-Cff-Function-Log: expected base64")
				Expect(len(dec)).To(BeNumerically("<=", fgs.MaxTailLogBytes), "invokeFunction: header X-Cff-Function-Log: expected at most 4 KB of log")
			}
		})

	It("with X-Cff-Log-Type: null returns no log",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpInvokeFunction, fw.CheckHeaders, fw.CheckBehaviour), func() {
			resp := fw.Invoke(fn.URN, map[string]any{"log": "null"}, logType("null")).ExpectStatus(http.StatusOK)
			Expect(resp.String("log")).To(BeEmpty(), "invokeFunction with X-Cff-Log-Type: null: body /log: expected no log")
			Expect(resp.Header.Get("X-Cff-Function-Log")).To(BeEmpty(), "invokeFunction with X-Cff-Log-Type: null: header X-Cff-Function-Log: expected none")
		})

	It("sends X-Cff-Invoke-Summary as JSON with its documented fields",
		Label(fw.LabelSchema), fw.Judges(fgs.OpInvokeFunction, fw.CheckHeaders), func() {
			resp := fw.Invoke(fn.URN, map[string]any{"summary": true}, nil).ExpectStatus(http.StatusOK)
			raw := resp.Header.Get("X-Cff-Invoke-Summary")
			Expect(raw).NotTo(BeEmpty(), "invokeFunction: header X-Cff-Invoke-Summary: expected the execution summary, got none")
			var summary map[string]any
			Expect(json.Unmarshal([]byte(raw), &summary)).To(Succeed(), "invokeFunction: header X-Cff-Invoke-Summary: expected a JSON object, got %q", raw)
			sc := fw.ComponentSchema("InvokeSummary")
			Expect(sc.VisitJSON(summary)).To(Succeed(), "invokeFunction: header X-Cff-Invoke-Summary: does not match InvokeSummary")
			for _, field := range []string{"duration", "billingDuration", "memorySize", "memoryUsed"} {
				Expect(summary).To(HaveKey(field), "invokeFunction: header X-Cff-Invoke-Summary: expected the documented field %s", field)
			}
		})

	It("accepts a payload of exactly 6 MB and refuses a larger one with 413",
		Label(fw.LabelBehaviour, fw.LabelNegative), fw.Judges(fgs.OpInvokeFunction, fw.CheckStatus, fw.CheckErrors, fw.CheckBehaviour), func() {
			fw.Call(fw.Request{Operation: fgs.OpInvokeFunction, Path: map[string]string{"function_urn": fn.URN}, Body: payload(fgs.MaxSyncPayloadBytes)}).
				ExpectStatus(http.StatusOK)
			fw.Call(fw.Request{Operation: fgs.OpInvokeFunction, Path: map[string]string{"function_urn": fn.URN}, Body: payload(fgs.MaxSyncPayloadBytes + 1)}).
				ExpectStatus(http.StatusRequestEntityTooLarge)
		})

	It("accepts an asynchronous invocation with 202 and a request ID",
		Label(fw.LabelSchema), fw.Judges(fgs.OpAsyncInvokeFunction, fw.CheckSchema, fw.CheckStatus), func() {
			event := fw.Example(fgs.OpAsyncInvokeFunction, "")
			resp := fw.Call(fw.Request{Operation: fgs.OpAsyncInvokeFunction, Path: map[string]string{"function_urn": fn.URN}, Body: event}).
				ExpectStatus(http.StatusAccepted)
			Expect(resp.String("request_id")).NotTo(BeEmpty(), "asyncInvokeFunction: body /request_id: expected the request ID")
		})
})

// payload is a JSON object event of exactly n bytes.
func payload(n int) []byte {
	const head, tail = `{"data":"`, `"}`
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

var _ = area.Describe("Async invocation settings", Ordered, Label(fw.LabelInvocation, fw.LabelBehaviour, fw.LabelDestructive), func() {
	var fn fw.Function
	path := func() map[string]string { return map[string]string{"function_urn": fn.URN} }
	BeforeAll(func() { fn = fw.CreateFunction(fw.FunctionOptions{}) })

	It("stores the settings, and showing them reflects the update",
		fw.Conformance([]string{fgs.OpUpdateFunctionAsyncInvokeConfig, fgs.OpShowFunctionAsyncInvokeConfig}, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			body := fw.Example(fgs.OpUpdateFunctionAsyncInvokeConfig, "toFunction")
			body["max_async_retry_attempts"] = 2
			body["max_async_event_age_in_seconds"] = 120
			answer := fw.Call(fw.Request{Operation: fgs.OpUpdateFunctionAsyncInvokeConfig, Path: path(), Body: body}).ExpectStatus(http.StatusOK).Object()
			shown := fw.Call(fw.Request{Operation: fgs.OpShowFunctionAsyncInvokeConfig, Path: path()}).ExpectStatus(http.StatusOK).Object()
			for what, cfg := range map[string]map[string]any{"updateFunctionAsyncInvokeConfig answer": answer, "showFunctionAsyncInvokeConfig answer": shown} {
				Expect(cfg["max_async_retry_attempts"]).To(BeNumerically("==", 2), "%s: max_async_retry_attempts: expected 2 (the update)", what)
				Expect(cfg["max_async_event_age_in_seconds"]).To(BeNumerically("==", 120), "%s: max_async_event_age_in_seconds: expected 120 (the update)", what)
			}
		})

	It("deletes the settings with 204",
		fw.Judges(fgs.OpDeleteFunctionAsyncInvokeConfig, fw.CheckStatus), func() {
			fw.Call(fw.Request{Operation: fgs.OpDeleteFunctionAsyncInvokeConfig, Path: path()}).ExpectStatus(http.StatusNoContent)
		})
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the invocation specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }
