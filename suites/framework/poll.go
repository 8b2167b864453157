package framework

import (
	"context"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
)

// Poll is Call for the body of an Eventually: it judges through g, so a
// failed attempt is retried instead of failing the spec at once.
func Poll(ctx context.Context, g Gomega, r Request, status int) *Response {
	resp, err := Current().Do(ctx, r)
	g.Expect(err).NotTo(HaveOccurred(), "%s: the request did not complete", r.Operation)
	g.Expect(resp.Violations).To(BeEmpty(), "%s answered %d in violation of the spec:\n%s", r.Operation, resp.Status, spec.Violations(resp.Violations))
	g.Expect(resp.Status).To(Equal(status), "%s: status: expected %d, got %d (body: %s)", r.Operation, status, resp.Status, resp.Snippet())
	return resp
}

// reportLimit asks listFunctionAsMetric for enough entries that a function
// of this run is listed even on an account with many functions.
const reportLimit = "1000"

// FunctionMetric is one function's value in listFunctionAsMetric for a
// metric type ("count", "failcount", ...), or -1 when the function is not
// listed. It judges through g so it can be polled with Eventually.
func FunctionMetric(ctx context.Context, g Gomega, metric, functionURN string) int {
	resp := Poll(ctx, g, Request{Operation: fgs.OpListFunctionAsMetric, Query: url.Values{"type": {metric}, "limit": {reportLimit}}}, http.StatusOK)
	var report struct {
		Values []struct {
			Key   string `json:"key"`
			Value int    `json:"value"`
		} `json:"values"`
	}
	resp.Decode(&report)
	want := UnqualifiedURN(functionURN)
	for _, v := range report.Values {
		if UnqualifiedURN(v.Key) == want {
			return v.Value
		}
	}
	return -1
}

// Bounds of a wait for a workflow execution. The suites' flows are a few
// echo states and pauses of seconds, so a run reaches any state a spec
// waits for well within executionTimeout.
const (
	executionTimeout = 30 * time.Second
	executionPoll    = 20 * time.Millisecond
)

// AwaitExecution polls showWorkflowExecution at path (workflow_id,
// execution_id) until reached, judging through g, passes on an answer, and
// returns that answer.
func AwaitExecution(ctx context.Context, path map[string]string, reached func(g Gomega, resp *Response)) *Response {
	GinkgoHelper()
	var resp *Response
	Eventually(ctx, func(g Gomega) {
		resp = Poll(ctx, g, Request{Operation: fgs.OpShowWorkflowExecution, Path: path}, http.StatusOK)
		reached(g, resp)
	}).WithTimeout(executionTimeout).WithPolling(executionPoll).Should(Succeed())
	return resp
}
