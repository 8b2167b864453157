package demo

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/contract"
)

// Summary is what a demo run produced: the headline numbers and where each report is.
type Summary struct {
	OutDir      string
	StartedAt   time.Time
	Duration    time.Duration
	Interrupted bool
	// Each step is nil when it was skipped or never produced a report.
	Contract   *ContractSummary
	SyncInvoke *reports.Report
	// Fanout is the sweep's report (its largest K, with the sweep table);
	// FanoutSteps has one report per K, ascending.
	Fanout      *reports.Report
	FanoutSteps []FanoutStep
}

// FanoutStep is one K of the fan-out sweep and the directory of its reports.
type FanoutStep struct {
	Dir    string
	Report *reports.Report
}

// Counts tallies results of one kind.
type Counts struct{ Passed, Failed, Skipped int }

func (c Counts) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", c.Passed, c.Failed, c.Skipped)
}

// ContractSummary is the outcome of the contract suites.
type ContractSummary struct {
	Dir      string
	Passed   bool
	Specs    *Counts // from ginkgo.json; nil when it could not be read
	Checks   Counts  // from the conformance summary
	Duration time.Duration
}

func newContractSummary(dir string, res contract.Result) *ContractSummary {
	c := &ContractSummary{Dir: dir, Passed: res.Passed, Duration: res.Duration}
	if res.Conformance != nil {
		c.Checks.Passed, c.Checks.Failed, c.Checks.Skipped = res.Conformance.Counts()
	}
	c.Specs, _ = readSpecCounts(dir)
	return c
}

// readSpecCounts counts the It specs of the contract run in dir by outcome.
func readSpecCounts(dir string) (*Counts, error) {
	specs, err := contract.ReadItSpecs(dir)
	if err != nil {
		return nil, err
	}
	c := &Counts{}
	for _, sr := range specs {
		switch {
		case sr.State.Is(types.SpecStatePassed):
			c.Passed++
		case sr.State.Is(types.SpecStateFailureStates):
			c.Failed++
		default:
			c.Skipped++
		}
	}
	return c, nil
}

func (c *ContractSummary) headline() string {
	var b strings.Builder
	if c.Specs != nil {
		fmt.Fprintf(&b, "specs %s; ", c.Specs)
	}
	fmt.Fprintf(&b, "checks %s; %.1fs", c.Checks, c.Duration.Seconds())
	return b.String()
}

func (c *ContractSummary) verdict() string { return verdictWord(c.Passed) }

func syncHeadline(r *reports.Report) string {
	return fmt.Sprintf("%d requests at %.1f/s (asked %.0f/s), p50 %s, p99 %s, %s ok, %d late",
		r.Requests, r.AchievedRPS, r.RateRPS, ms(r.Latency.P50), ms(r.Latency.P99), pct(r.SuccessRatio), r.LateRequests)
}

func syncSLO(r *reports.Report) string {
	if len(r.Thresholds) == 0 {
		return ""
	}
	return "SLO: " + thresholdList(r.Thresholds)
}

func fanoutHeadline(st FanoutStep) string {
	r := st.Report
	f := r.Fanout
	if f == nil || f.Extensions == 0 {
		return fmt.Sprintf("K=0: %d invocations, invoke p50 %s, p99 %s (baseline, no extensions)",
			r.Requests, ms(r.Latency.P50), ms(r.Latency.P99))
	}
	return fmt.Sprintf("K=%d: %d of %d deliveries (%s), delivery p50 %s, p99 %s; invoke p99 %s",
		f.Extensions, f.Delivered, f.Expected, pct(f.DeliveredRatio), ms(f.Latency.P50), ms(f.Latency.P99), ms(r.Latency.P99))
}

func (s *Summary) fanoutHeadline() string {
	return fmt.Sprintf("K = %s at %.0f/s, %s each", joinKs(s.FanoutSteps), s.Fanout.RateRPS, s.Fanout.Settings["duration"])
}

// fanoutSLO lists the fan-out verdicts; a sweep judges its largest K.
func (s *Summary) fanoutSLO() string {
	if len(s.Fanout.Thresholds) == 0 {
		return ""
	}
	return fmt.Sprintf("SLO at K=%d: %s", extensions(s.Fanout), thresholdList(s.Fanout.Thresholds))
}

// fanoutRow is one K of the fan-out table, formatted.
type fanoutRow struct {
	K, Invocations, Delivered, DeliveryP50, DeliveryP99, InvokeP99, Success string
	HTML                                                                    string // the step's report.html, relative to OutDir
}

var fanoutHead = []string{"K", "invocations", "delivered", "delivery p50", "delivery p99", "invoke p99", "ok"}

func (s *Summary) fanoutRows() []fanoutRow {
	rows := make([]fanoutRow, 0, len(s.FanoutSteps))
	for _, st := range s.FanoutSteps {
		r := st.Report
		row := fanoutRow{K: "0", Invocations: strconv.FormatInt(r.Requests, 10), Delivered: "-", DeliveryP50: "-", DeliveryP99: "-",
			InvokeP99: ms(r.Latency.P99), Success: pct(r.SuccessRatio), HTML: s.rel(filepath.Join(st.Dir, reports.FormatFiles[reports.FormatHTML]))}
		if f := r.Fanout; f != nil && f.Extensions > 0 {
			row.K = strconv.Itoa(f.Extensions)
			row.Delivered = pct(f.DeliveredRatio)
			row.DeliveryP50, row.DeliveryP99 = ms(f.Latency.P50), ms(f.Latency.P99)
		}
		rows = append(rows, row)
	}
	return rows
}

// WriteText prints the summary: one line per step, the fan-out table, the SLO verdicts and where the reports are.
func (s *Summary) WriteText(w io.Writer) {
	state := ""
	if s.Interrupted {
		state = ", interrupted"
	}
	fmt.Fprintf(w, "\n==> summary (%.1fs%s)\n", s.Duration.Seconds(), state)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if c := s.Contract; c != nil {
		fmt.Fprintf(tw, "contract\t%s  %s\n", c.verdict(), c.headline())
	}
	if r := s.SyncInvoke; r != nil {
		fmt.Fprintf(tw, "sync-invoke\t%s  %s\n", thresholdsVerdict(r), syncHeadline(r))
		if slo := syncSLO(r); slo != "" {
			fmt.Fprintf(tw, "\t%s\n", slo)
		}
	}
	if r := s.Fanout; r != nil {
		fmt.Fprintf(tw, "extension-fanout\t%s  %s\n", thresholdsVerdict(r), s.fanoutHeadline())
		fmt.Fprintf(tw, "\t%s\n", strings.Join(fanoutHead, "\t"))
		for _, row := range s.fanoutRows() {
			fmt.Fprintf(tw, "\t%s\n", strings.Join([]string{row.K, row.Invocations, row.Delivered, row.DeliveryP50, row.DeliveryP99, row.InvokeP99, row.Success}, "\t"))
		}
		if slo := s.fanoutSLO(); slo != "" {
			fmt.Fprintf(tw, "\t%s\n", slo)
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, l := range s.links() {
		fmt.Fprintf(tw, "%s\t%s\n", l.Label, filepath.Join(s.OutDir, l.Href))
	}
	_ = tw.Flush()
}

// link is one report of the run, relative to OutDir.
type link struct{ Label, Href string }

// links lists the pages to open, the HTML report first.
func (s *Summary) links() []link {
	html := reports.FormatFiles[reports.FormatHTML]
	var out []link
	if s.SyncInvoke != nil {
		out = append(out, link{"HTML report", filepath.Join(SyncInvokeDir, html)})
	}
	if s.Fanout != nil {
		out = append(out, link{"fan-out HTML report", filepath.Join(FanoutDir, html)})
	}
	if s.Contract != nil {
		out = append(out, link{"conformance", filepath.Join(ContractDir, contract.ConformanceMDFile)})
	}
	return append(out, link{"index of every report", IndexFile})
}

// rel is path relative to OutDir, for links inside the index.
func (s *Summary) rel(path string) string {
	if r, err := filepath.Rel(s.OutDir, path); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(path)
}

// readSweepSteps returns the report of every K of the fan-out run in dir.
// A sweep keeps each K under dir/steps/; a single K is the run itself.
func readSweepSteps(dir string, rep *reports.Report) ([]FanoutStep, error) {
	if len(rep.Sweep) == 0 {
		return []FanoutStep{{Dir: dir, Report: rep}}, nil
	}
	paths, err := filepath.Glob(filepath.Join(dir, "steps", "*", reports.ReportFile))
	if err != nil {
		return nil, err
	}
	steps := make([]FanoutStep, 0, len(paths))
	for _, p := range paths {
		r, err := reports.ReadReport(p)
		if err != nil {
			return steps, fmt.Errorf("read the fan-out step report: %w", err)
		}
		steps = append(steps, FanoutStep{Dir: filepath.Dir(p), Report: r})
	}
	sort.Slice(steps, func(i, j int) bool { return extensions(steps[i].Report) < extensions(steps[j].Report) })
	if len(steps) != len(rep.Sweep) {
		return steps, fmt.Errorf("the fan-out sweep ran %d extension counts but %d step reports are in %s", len(rep.Sweep), len(steps), dir)
	}
	return steps, nil
}

func extensions(r *reports.Report) int {
	if r.Fanout == nil {
		return 0
	}
	return r.Fanout.Extensions
}

func thresholdsVerdict(r *reports.Report) string {
	if r.Interrupted {
		return "INTERRUPTED"
	}
	return verdictWord(reports.ThresholdsPassed(r.Thresholds))
}

func thresholdList(ts []reports.ThresholdResult) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		word := "pass"
		if !t.Pass {
			word = "FAIL"
		}
		parts[i] = t.Expr + " " + word
	}
	return strings.Join(parts, ", ")
}

func verdictWord(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func ms(v float64) string  { return strconv.FormatFloat(v, 'f', 2, 64) + "ms" }
func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 2, 64) + "%" }

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
