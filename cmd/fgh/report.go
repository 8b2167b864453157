package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/fgharness/fgharness/load"
	"github.com/fgharness/fgharness/reports"
)

func newReportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Render, gate, compare, trend and merge load reports; build the vendor conformance matrix",
		Long: `fgh report works on the run directories fgh load writes (report.json, and
histograms.jsonl when the run kept its HDR histograms) and on the conformance
summaries fgh contract writes.`,
	}
	cmd.AddCommand(newReportRenderCmd(), newReportCompareCmd(), newReportTrendCmd(), newReportMergeCmd(), newReportCompatCmd())
	return cmd
}

func newReportRenderCmd() *cobra.Command {
	var format string
	var thresholds []string
	cmd := &cobra.Command{
		Use:   "render DIR|report.json",
		Short: "Render a load report as text, Markdown, HTML and JUnit",
		Long: `Without --format, writes report.txt, report.md, report.html and junit.xml
into the run directory. With --format (text, md, html, junit), writes that
one rendering to stdout.

--threshold re-judges the report against SLO expressions (k6 style, such as
"p99 < 200ms", "success > 99.9%", "fanout.delivered == 100%") before
rendering; the command then exits 99 when one fails.`,
		Example: `  fgh report render runs/nightly
  fgh report render runs/nightly/report.json --format md >> "$GITHUB_STEP_SUMMARY"
  fgh report render runs/nightly --threshold 'p99 < 200ms' --threshold 'success > 99.9%'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := reports.ReadReport(args[0])
			if err != nil {
				return withExitCode(exitUsage, err)
			}
			if len(thresholds) > 0 {
				if r.Thresholds, err = reports.EvaluateThresholds(r, thresholds); err != nil {
					return withExitCode(exitUsage, err)
				}
			}
			if format == "" {
				err = reports.WriteRenderings(reports.RunDir(args[0]), r)
			} else {
				var dist *reports.Distribution
				if dist, err = reports.LoadDistribution(args[0]); err == nil {
					err = reports.Render(cmd.OutOrStdout(), r, format, reports.WithDistribution(dist))
				}
			}
			if err != nil {
				return withExitCode(exitUsage, err)
			}
			if !reports.ThresholdsPassed(r.Thresholds) {
				return withExitCode(exitThreshold, fmt.Errorf("SLO thresholds failed"))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "write one rendering to stdout: text, md, html or junit")
	cmd.Flags().StringArrayVar(&thresholds, "threshold", nil, "SLO expression to judge the report against (repeatable), e.g. 'p99 < 200ms'")
	return cmd
}

func newReportCompareCmd() *cobra.Command {
	var baseline []string
	var maxRegression, htmlOut, format string
	var alpha, minEffect float64
	var requirePower bool
	cmd := &cobra.Command{
		Use:   "compare --baseline BASE... CURRENT...",
		Short: "Compare a run (or runs) with a baseline; exit 1 on a significant regression",
		Long: `Compares CURRENT with BASE metric by metric and exits 1 when CURRENT is
worse by more than the tolerance (--max-regression) AND the difference is
statistically significant (one-sided Mann–Whitney U at --alpha, with a
minimum effect size: the probability that a current sample is worse than a
baseline sample, Vargha–Delaney A, must reach --min-effect).

With several runs on each side (--baseline repeated, several CURRENT files)
the test runs over one value per run: the most trustworthy form, because
runs are independent. Run at least 5 per build for nightly comparisons;
fewer than 4 per side can never reach p < 0.05. With a single run on a side
the test runs over the per-second samples (p50, p99, service.p50,
service.p99, throughput, success, errors, late), which are correlated in
time: treat that as a smoke check.

Tolerances are relative and carry their unit: p99=10% lets p99 grow by 10%,
throughput=5% lets throughput fall by 5%; a bare number is refused.

When a side has too few samples for any difference to reach significance at
--alpha, the comparison says INCONCLUSIVE. With --require-power it then
exits 2 instead of 0; that is the default when CI=true is set (most CI
systems set it), and --require-power=false turns it off.`,
		Example: `  fgh report compare --baseline runs/main runs/pr-123
  fgh report compare --baseline base1 --baseline base2 --baseline base3 --baseline base4 --baseline base5 \
      cur1 cur2 cur3 cur4 cur5 --max-regression p99=10%,throughput=5% --html compare.html`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(baseline) == 0 {
				return withExitCode(exitUsage, fmt.Errorf("give the baseline run(s) with --baseline DIR|report.json"))
			}
			tol, err := reports.ParseMaxRegression(maxRegression)
			if err != nil {
				return withExitCode(exitUsage, err)
			}
			base, err := readReportFiles(baseline)
			if err != nil {
				return err
			}
			cur, err := readReportFiles(args)
			if err != nil {
				return err
			}
			c, err := reports.Compare(base, cur, reports.CompareOptions{MaxRegression: tol, Alpha: alpha, MinEffect: minEffect})
			if err != nil {
				return withExitCode(exitUsage, err)
			}
			switch format {
			case "text":
				err = c.RenderText(cmd.OutOrStdout())
			case "md", "markdown":
				err = c.RenderMarkdown(cmd.OutOrStdout())
			default:
				return withExitCode(exitUsage, fmt.Errorf("unknown --format %q: use text or md", format))
			}
			if err == nil && htmlOut != "" {
				err = writeReportFile(htmlOut, c.RenderHTML)
			}
			if err != nil {
				return withExitCode(exitUsage, err)
			}
			if c.Regressed() {
				return withExitCode(exitFailed, nil)
			}
			if c.Underpowered() && (requirePower || !cmd.Flags().Changed("require-power") && inCI()) {
				return withExitCode(exitUsage, fmt.Errorf("too few samples to judge a regression at α = %g (--require-power): give more runs per side", alpha))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&requirePower, "require-power", false, "exit 2 when too few samples make a regression undetectable (default true when CI=true)")
	cmd.Flags().StringArrayVar(&baseline, "baseline", nil, "baseline run directory or report.json (repeatable: repeated runs)")
	cmd.Flags().StringVar(&maxRegression, "max-regression", reports.DefaultMaxRegression, "tolerated relative change per metric, METRIC=PERCENT,...")
	cmd.Flags().Float64Var(&alpha, "alpha", 0.05, "significance level of the Mann–Whitney U test")
	cmd.Flags().Float64Var(&minEffect, "min-effect", 0.64, "minimum Vargha–Delaney A (0.5 = no effect, 1 = every current sample worse)")
	cmd.Flags().StringVar(&format, "format", "text", "stdout format: text or md")
	cmd.Flags().StringVar(&htmlOut, "html", "", "also write an HTML page with both sides' curves overlaid to this file")
	return cmd
}

func newReportTrendCmd() *cobra.Command {
	var metric, htmlOut string
	var alpha float64
	var permutations int
	var seed uint64
	var failOnWorse bool
	cmd := &cobra.Command{
		Use:   "trend FILES...",
		Short: "Plot a metric over many nightly runs and flag its change points",
		Long: `Orders the runs by start time, plots --metric (any threshold metric: p99,
p50, throughput, success, service.p99, fanout.delivered, ...) per run, and
flags change points with an E-divisive means detector (as Hunter / Apache
Otava: bisection on the energy statistic, each split kept only when a
permutation test finds it significant). This catches a slow drift that no
single A/B comparison shows. The permutations use --seed, so a rerun gives
the same answer.

With --metric conformance.score the files are conformance summaries
(conformance.json of fgh contract, or their directories), and the metric is
their conformance score as fgh report compat computes it (docs/gates.md); a
drop is the bad direction.

Writes the HTML page to --html, or to stdout without it; the change points
are summarised on stdout (stderr when the page goes to stdout).`,
		Example: `  fgh report trend nightly/*/report.json --metric p99 --html p99-trend.html
  fgh report trend nightly/*/contract/conformance.json --metric conformance.score --html score-trend.html`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cp := reports.ChangePointOptions{Alpha: alpha, Permutations: permutations, Seed: seed}
			var t *reports.Trend
			if metric == reports.ScoreMetric {
				cs, err := readConformanceFiles(args)
				if err != nil {
					return err
				}
				t, err = reports.BuildScoreTrend(cs, args, cp)
				if err != nil {
					return withExitCode(exitUsage, err)
				}
			} else {
				rs, err := readReportFiles(args)
				if err != nil {
					return err
				}
				if t, err = reports.BuildTrend(rs, args, metric, cp); err != nil {
					return withExitCode(exitUsage, err)
				}
			}
			var err error
			summary := cmd.OutOrStdout()
			if htmlOut == "" {
				summary = cmd.ErrOrStderr()
				err = t.RenderHTML(cmd.OutOrStdout())
			} else {
				err = writeReportFile(htmlOut, t.RenderHTML)
			}
			if err == nil {
				err = t.RenderText(summary)
			}
			if err != nil {
				return withExitCode(exitUsage, err)
			}
			if failOnWorse && t.Worsened() {
				return withExitCode(exitFailed, nil)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&metric, "metric", "p99", "metric to trend: a threshold metric name, or conformance.score over conformance summaries")
	cmd.Flags().StringVar(&htmlOut, "html", "", "write the HTML page to this file instead of stdout")
	cmd.Flags().Float64Var(&alpha, "alpha", 0.01, "significance of the permutation test")
	cmd.Flags().IntVar(&permutations, "permutations", 199, "shuffles per permutation test")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the permutation shuffles")
	cmd.Flags().BoolVar(&failOnWorse, "fail-on-worse", false, "exit 1 when a change point made the metric worse")
	return cmd
}

func newReportMergeCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge RUN_DIRS... --out DIR",
		Short: "Merge the run directories of a sharded load run into one report",
		Long: `Merges shard run directories (each written by fgh load --out with its
report.json, results.bin and histograms.jsonl) into one run directory, as if
one host had run the whole rate: counts add up, percentiles come from the
merged HDR histograms, thresholds are judged again on the merged data. Exits
99 when a threshold fails on the merged run.`,
		Example: `  fgh report merge shard-0 shard-1 shard-2 --out merged`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return withExitCode(exitUsage, fmt.Errorf("give the merged run's directory with --out DIR"))
			}
			r, err := load.MergeRuns(args, out)
			if err != nil {
				return withExitCode(exitUsage, err)
			}
			if err := reports.Render(cmd.OutOrStdout(), r, reports.FormatText); err != nil {
				return withExitCode(exitUsage, err)
			}
			if !reports.ThresholdsPassed(r.Thresholds) {
				return withExitCode(exitThreshold, fmt.Errorf("SLO thresholds failed on the merged run"))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the merged run (report.json and its renderings)")
	return cmd
}

func newReportCompatCmd() *cobra.Command {
	var htmlOut string
	cmd := &cobra.Command{
		Use:   "compat SUMMARIES...",
		Short: "Build the vendor compatibility matrix from conformance summaries",
		Long: `Lines up conformance summaries (conformance.json, written by the contract
suites, one per target) side by side: one row per operation and check, one
column per target, with each target's conformance score: the weighted
share of its judged operation × check cells that passed (behaviour cells
weigh 2, the others 1; accepted deviations count as not passed; skipped
cells are left out; docs/gates.md). Writes Markdown to stdout, and HTML
with --html.`,
		Example: `  fgh report compat emulator/conformance.json huawei-cn-north-4/ vendor-x/conformance.json --html compat.html`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, err := readConformanceFiles(args)
			if err != nil {
				return err
			}
			m := reports.BuildCompatMatrix(cs)
			if err := m.RenderMarkdown(cmd.OutOrStdout()); err != nil {
				return withExitCode(exitUsage, err)
			}
			if htmlOut != "" {
				if err := writeReportFile(htmlOut, m.RenderHTML); err != nil {
					return withExitCode(exitUsage, err)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&htmlOut, "html", "", "also write the matrix as an HTML page to this file")
	return cmd
}

// inCI reports whether a CI system runs us: they set CI=true (GitHub
// Actions, GitLab, CircleCI, Travis, Buildkite, ...).
func inCI() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// readReportFiles reads every path (run directory or report.json), failing with exitUsage.
func readReportFiles(paths []string) ([]*reports.Report, error) {
	return readAll(paths, reports.ReadReport)
}

// readConformanceFiles reads every path (directory or conformance.json), failing with exitUsage.
func readConformanceFiles(paths []string) ([]*reports.Conformance, error) {
	return readAll(paths, reports.ReadConformance)
}

func readAll[T any](paths []string, read func(string) (T, error)) ([]T, error) {
	out := make([]T, 0, len(paths))
	for _, p := range paths {
		v, err := read(p)
		if err != nil {
			return nil, withExitCode(exitUsage, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// writeReportFile renders into a file.
func writeReportFile(path string, render func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := render(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
