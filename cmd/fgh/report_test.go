package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/reports"
)

const reportTestdata = "../../reports/testdata"

// runReportCmd runs the root command with args and returns stdout (plus the
// error main would print) and the exit code main would use.
func runReportCmd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, _, err := execute(t, args...)
	if err != nil {
		out += err.Error()
	}
	return out, exitCodeOf(err)
}

func copyRun(t *testing.T, name string) string {
	t.Helper()
	r, err := reports.ReadReport(filepath.Join(reportTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), name)
	if err := reports.WriteReport(dir, r); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReportRender(t *testing.T) {
	dir := copyRun(t, "sync-invoke")
	out, code := runReportCmd(t, "report", "render", filepath.Join(dir, "report.json"), "--format", "md")
	if !strings.Contains(out, "## sync-invoke") || code != exitThreshold {
		t.Errorf("render --format md: exit %d, output:\n%s", code, out)
	}
	if _, code := runReportCmd(t, "report", "render", dir); code != exitThreshold {
		t.Errorf("render DIR of a run with failed thresholds: exit %d, want %d", code, exitThreshold)
	}
	for _, f := range []string{"report.txt", "report.md", "report.html", "junit.xml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("render DIR did not write %s", f)
		}
	}
	if _, code := runReportCmd(t, "report", "render", dir, "--threshold", "p99 < 1s", "--format", "junit"); code != 0 {
		t.Errorf("re-judged with a passing threshold: exit %d, want 0", code)
	}
	if out, code := runReportCmd(t, "report", "render", dir, "--threshold", "p98 < 1s"); code != exitUsage || !strings.Contains(out, "valid metrics") {
		t.Errorf("bad threshold: exit %d, output %q", code, out)
	}
	if _, code := runReportCmd(t, "report", "render", dir, "--format", "pdf"); code != exitUsage {
		t.Errorf("unknown format: exit %d, want %d", code, exitUsage)
	}
	if _, code := runReportCmd(t, "report", "render", filepath.Join(t.TempDir(), "missing")); code != exitUsage {
		t.Errorf("missing report: exit %d, want %d", code, exitUsage)
	}
}

func TestReportCompareExitCodes(t *testing.T) {
	t.Setenv("CI", "")
	base := copyRun(t, "sync-invoke")
	same := copyRun(t, "sync-invoke")
	out, code := runReportCmd(t, "report", "compare", "--baseline", base, same)
	if code != 0 || !strings.Contains(out, "no significant regression") {
		t.Errorf("same run: exit %d\n%s", code, out)
	}

	r, err := reports.ReadReport(base)
	if err != nil {
		t.Fatal(err)
	}
	for i := range r.Series {
		r.Series[i].P50 *= 3
		r.Series[i].P99 *= 3
	}
	r.Latency.P50 *= 3
	r.Latency.P99 *= 3
	slow := filepath.Join(t.TempDir(), "slow")
	if err := reports.WriteReport(slow, r); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(t.TempDir(), "compare.html")
	out, code = runReportCmd(t, "report", "compare", "--baseline", base, slow, "--max-regression", "p99=10%", "--format", "md", "--html", html)
	if code != exitFailed || !strings.Contains(out, "REGRESSED") {
		t.Errorf("3x slower: exit %d, want %d\n%s", code, exitFailed, out)
	}
	if _, err := os.Stat(html); err != nil {
		t.Errorf("--html not written: %v", err)
	}
	if _, code := runReportCmd(t, "report", "compare", slow); code != exitUsage {
		t.Errorf("no --baseline: exit %d, want %d", code, exitUsage)
	}
}

func TestReportCompareTooFewSamples(t *testing.T) {
	t.Setenv("CI", "")
	short := func(name string, factor float64) string {
		r, err := reports.ReadReport(filepath.Join(reportTestdata, "sync-invoke"))
		if err != nil {
			t.Fatal(err)
		}
		r.Series = r.Series[:3]
		for i := range r.Series {
			r.Series[i].P99 *= factor
		}
		r.Latency.P99 *= factor
		dir := filepath.Join(t.TempDir(), name)
		if err := reports.WriteReport(dir, r); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	base, slow := short("base", 1), short("slow", 2.84)
	args := []string{"report", "compare", "--baseline", base, slow, "--max-regression", "p99=10%"}
	out, code := runReportCmd(t, args...)
	if code != 0 || !strings.Contains(out, "INCONCLUSIVE") || !strings.Contains(out, "p99 +184") {
		t.Errorf("3 vs 3 seconds, p99 +184%%: exit %d, want 0 and a warning\n%s", code, out)
	}
	if out, code := runReportCmd(t, append(args, "--require-power")...); code != exitUsage || !strings.Contains(out, "too few samples") {
		t.Errorf("--require-power: exit %d, want %d\n%s", code, exitUsage, out)
	}
	t.Setenv("CI", "true")
	if out, code := runReportCmd(t, args...); code != exitUsage {
		t.Errorf("CI=true: exit %d, want %d\n%s", code, exitUsage, out)
	}
	if out, code := runReportCmd(t, append(args, "--require-power=false")...); code != 0 {
		t.Errorf("CI=true --require-power=false: exit %d, want 0\n%s", code, out)
	}
	out, code = runReportCmd(t, "report", "compare", "--baseline", base, slow, "--max-regression", "p99=10")
	if code != exitUsage || !strings.Contains(out, "p99=10%") {
		t.Errorf("--max-regression p99=10: exit %d, want %d naming the fix\n%s", code, exitUsage, out)
	}
}

func TestReportTrendAndCompat(t *testing.T) {
	a, b, c := copyRun(t, "sync-invoke"), copyRun(t, "fanout"), copyRun(t, "sync-invoke")
	html := filepath.Join(t.TempDir(), "trend.html")
	out, code := runReportCmd(t, "report", "trend", a, b, c, "--metric", "p50", "--html", html)
	if code != 0 || !strings.Contains(out, "p50 over 3 runs") {
		t.Errorf("trend: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(html); err != nil {
		t.Errorf("trend page not written: %v", err)
	}
	out, code = runReportCmd(t, "report", "compat", filepath.Join(reportTestdata, "conformance", "emulator.json"), filepath.Join(reportTestdata, "conformance", "vendor-x.json"))
	if code != 0 || !strings.Contains(out, "| operation | check | fgharness emulator | vendor-x eu-1 |") {
		t.Errorf("compat: exit %d\n%s", code, out)
	}
}
