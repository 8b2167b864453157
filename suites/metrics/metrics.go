// Package metrics holds the contract specs of the function metrics report, the function statistics and the tenant quotas.
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

// settle is how long a figure may take to reach the report: none in the
// in-process emulator; a cloud aggregates metrics over a minute or more.
func settle() time.Duration {
	if fw.Current().Local != nil {
		return 2 * time.Second
	}
	return 3 * time.Minute
}

type report struct {
	Values []struct {
		Key   string `json:"key"`
		Value int64  `json:"value"`
	} `json:"values"`
	Count *int64 `json:"count"`
}

func getReport(q url.Values) report {
	GinkgoHelper()
	var r report
	fw.Call(fw.Request{Operation: fgs.OpListFunctionAsMetric, Query: q}).ExpectStatus(http.StatusOK).Decode(&r)
	return r
}

var _ = area.Describe("Function metrics report", Label(fw.LabelMetrics), func() {
	It("counts each function's invocations and failures from real invocations",
		Label(fw.LabelBehaviour, fw.LabelDestructive), fw.Judges(fgs.OpListFunctionAsMetric, fw.CheckBehaviour), func(ctx SpecContext) {
			const succeed, failing = 3, 2
			ok := fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "echo"}})
			bad := fw.CreateFunction(fw.FunctionOptions{Env: map[string]string{"FGH_HANDLER": "fail"}})
			for i := range succeed {
				resp := fw.Invoke(ok.URN, map[string]any{"n": i}, nil).ExpectStatus(http.StatusOK)
				Expect(resp.Object()["status"]).To(BeNumerically("==", 200), "invokeFunction of the echo function: status")
			}
			for i := range failing {
				resp := fw.Invoke(bad.URN, map[string]any{"n": i}, nil).ExpectStatus(http.StatusOK)
				Expect(resp.Object()["status"]).To(BeNumerically("==", 500), "invokeFunction of the failing function: status: expected the function error's 500")
			}
			// Fresh functions: their figures are exact, whatever else runs on the target.
			expectMetric := func(metric string, fn fw.Function, want int) {
				GinkgoHelper()
				Eventually(func(g Gomega) int { return fw.FunctionMetric(ctx, g, metric, fn.URN) }).
					WithContext(ctx).WithTimeout(settle()).WithPolling(200*time.Millisecond).
					Should(Equal(want), "listFunctionAsMetric type=%s: value of %s: expected %d from the invocations just made", metric, fn.Name, want)
			}
			expectMetric("count", ok, succeed)
			expectMetric("count", bad, failing)
			expectMetric("failcount", bad, failing)
			Expect(fw.FunctionMetric(ctx, Default, "failcount", ok.URN)).To(BeNumerically("<=", 0),
				"listFunctionAsMetric type=failcount: the echo function %s has failures although every invocation succeeded", ok.Name)
		})

	It("answers the default metric ranked from the highest value down",
		Label(fw.LabelSchema, fw.LabelBehaviour), fw.Judges(fgs.OpListFunctionAsMetric, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func() {
			r := getReport(nil)
			for i := 1; i < len(r.Values); i++ {
				Expect(r.Values[i].Value).To(BeNumerically("<=", r.Values[i-1].Value),
					"listFunctionAsMetric: values[%d].value %d is higher than values[%d].value %d: expected a ranking", i, r.Values[i].Value, i-1, r.Values[i-1].Value)
			}
		})

	It("returns at most limit entries",
		Label(fw.LabelBehaviour), fw.Judges(fgs.OpListFunctionAsMetric, fw.CheckBehaviour), func() {
			r := getReport(url.Values{"type": {"count"}, "limit": {"1"}})
			Expect(len(r.Values)).To(BeNumerically("<=", 1), "listFunctionAsMetric limit=1: values: expected at most one entry, got %d", len(r.Values))
		})

	It("refuses an unknown metric type with 400",
		Label(fw.LabelErrors, fw.LabelNegative), fw.Provokes(fgs.OpListFunctionAsMetric, http.StatusBadRequest), fw.Judges(fgs.OpListFunctionAsMetric, fw.CheckStatus, fw.CheckErrors), func() {
			resp := fw.Call(fw.Request{Operation: fgs.OpListFunctionAsMetric, Query: url.Values{"type": {"vibes"}}}).ExpectStatus(http.StatusBadRequest)
			Expect(resp.String("error_code")).NotTo(BeEmpty(), "listFunctionAsMetric type=vibes: error_code")
		})
})

type quotas struct {
	Quotas struct {
		Resources []struct {
			Quota int64  `json:"quota"`
			Used  int64  `json:"used"`
			Type  string `json:"type"`
		} `json:"resources"`
	} `json:"quotas"`
}

// used is the quota use of one resource type, or -1 when it is not listed.
func (q quotas) used(typ string) int64 {
	for _, r := range q.Quotas.Resources {
		if r.Type == typ {
			return r.Used
		}
	}
	return -1
}

func listQuotas(ctx context.Context, g Gomega) quotas {
	var q quotas
	fw.Poll(ctx, g, fw.Request{Operation: fgs.OpListQuotas}, http.StatusOK).Decode(&q)
	return q
}

var _ = area.Describe("Tenant quotas", Label(fw.LabelMetrics), func() {
	It("lists the function quota, whose use grows when a function is created",
		Label(fw.LabelSchema, fw.LabelBehaviour, fw.LabelDestructive), fw.Judges(fgs.OpListQuotas, fw.CheckSchema, fw.CheckStatus, fw.CheckBehaviour), func(ctx SpecContext) {
			const functions = "fgs_func_num"
			before := listQuotas(ctx, Default).used(functions)
			Expect(before).To(BeNumerically(">=", 0), "listQuotas: quotas.resources: expected the %s quota", functions)
			fw.CreateFunction(fw.FunctionOptions{})
			// Other users of a shared target may create or delete functions meanwhile; one more is the least.
			Eventually(func(g Gomega) int64 { return listQuotas(ctx, g).used(functions) }).
				WithContext(ctx).WithTimeout(settle()).WithPolling(200*time.Millisecond).
				Should(BeNumerically(">=", before+1), "listQuotas: %s used: expected at least %d after creating a function", functions, before+1)
		})
})

// area holds this package's specs until Register.
var area fw.Area

// Register adds the metrics specs to the Ginkgo tree; call it before RunSpecs.
func Register() { area.Register() }

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
