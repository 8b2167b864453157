package metrics

import (
	"context"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	fw "github.com/fgharness/fgharness/suites/framework"

	"github.com/fgharness/fgharness/internal/fgs"
)

// series is one metric of a statistics answer; a value of -1 means no data.
type series []struct {
	Timestamp int64   `json:"timestamp"`
	Value     float64 `json:"value"`
}

// total adds up the points that have data.
func (s series) total() float64 {
	n := 0.0
	for _, p := range s {
		if p.Value > 0 {
			n += p.Value
		}
	}
	return n
}

// functionStatistics is one function's statistics over the last period minutes.
func functionStatistics(ctx context.Context, g Gomega, op string, fn fw.Function, period string) map[string]series {
	var out map[string]series
	fw.Poll(ctx, g, fw.Request{Operation: op, Path: map[string]string{"func_urn": fn.URN, "period": period}}, http.StatusOK).Decode(&out)
	return out
}

var _ = area.Describe("Function statistics", Label(fw.LabelMetrics), func() {
	It("count the invocations, failures and durations made in the spec",
		Label(fw.LabelBehaviour, fw.LabelDestructive),
		fw.Conformance([]string{fgs.OpListFunctionStatistics, fgs.OpShowFunctionMetrics, fgs.OpListStatistics}, fw.CheckBehaviour), func(ctx SpecContext) {
			const succeed, failing = 3, 1
			ok := fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
			bad := fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "fail"}})
			for i := range succeed {
				fw.Invoke(ok.URN, map[string]any{"n": i}, nil).ExpectStatus(http.StatusOK)
			}
			for i := range failing {
				fw.Invoke(bad.URN, map[string]any{"n": i}, nil).ExpectStatus(http.StatusOK)
			}
			// Fresh functions: their figures are exact, whatever else runs on the target.
			Eventually(func(g Gomega) float64 {
				return functionStatistics(ctx, g, fgs.OpListFunctionStatistics, ok, "60")["count"].total()
			}).WithContext(ctx).WithTimeout(settle()).WithPolling(200*time.Millisecond).
				Should(BeNumerically("==", succeed), "listFunctionStatistics period=60: count of %s: expected the %d invocations just made", ok.Name, succeed)
			stats := functionStatistics(ctx, Default, fgs.OpListFunctionStatistics, ok, "60")
			Expect(stats["fail_count"].total()).To(BeNumerically("==", 0), "listFunctionStatistics: fail_count of the echo function")
			Expect(stats["duration"].total()).To(BeNumerically(">", 0), "listFunctionStatistics: duration of the echo function: expected the time its runs took")

			Eventually(func(g Gomega) float64 {
				return functionStatistics(ctx, g, fgs.OpShowFunctionMetrics, bad, "60")["fail_count"].total()
			}).WithContext(ctx).WithTimeout(settle()).WithPolling(200*time.Millisecond).
				Should(BeNumerically("==", failing), "showFunctionMetrics period=60: fail_count of %s: expected the %d failing invocation", bad.Name, failing)

			// The tenant's figures include every function of the target: at least ours.
			var tenant struct {
				Statistics map[string]series `json:"statistics"`
			}
			fw.Call(fw.Request{Operation: fgs.OpListStatistics, Query: url.Values{"filter": {"monitor_data"}, "period": {"60"}}}).
				ExpectStatus(http.StatusOK).Decode(&tenant)
			Expect(tenant.Statistics["count"].total()).To(BeNumerically(">=", succeed+failing),
				"listStatistics monitor_data: statistics /count: expected at least the %d invocations just made", succeed+failing)
		})
})
