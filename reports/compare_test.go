package reports

import (
	"strings"
	"testing"
)

func runs(firstSeed uint64, n int, medianMS float64) []*Report {
	out := make([]*Report, n)
	for i := range out {
		out[i] = synthReport(firstSeed+uint64(i), medianMS, 30)
	}
	return out
}

func TestCompareSameServerIsClean(t *testing.T) {
	for _, tc := range []struct {
		name     string
		base     []*Report
		cur      []*Report
		wantMode string
	}{
		{"one run per side", runs(10, 1, 12), runs(20, 1, 12), CompareSeconds},
		{"five runs per side", runs(30, 5, 12), runs(40, 5, 12), CompareRuns},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compare(tc.base, tc.cur, CompareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Mode != tc.wantMode {
				t.Errorf("mode %s, want %s", c.Mode, tc.wantMode)
			}
			if c.Regressed() {
				var b strings.Builder
				c.RenderText(&b)
				t.Fatalf("same server flagged as regressed:\n%s", b.String())
			}
		})
	}
}

func TestCompareFasterIsNotARegression(t *testing.T) {
	c, err := Compare(runs(10, 1, 36), runs(20, 1, 12), CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Regressed() {
		t.Fatal("a faster server is a regression")
	}
}

func TestCompareWithinToleranceIsClean(t *testing.T) {
	// 3x slower but the user tolerates 500%: significant, yet not a regression.
	c, err := Compare(runs(10, 1, 12), runs(20, 1, 36), CompareOptions{MaxRegression: map[string]float64{"p50": 5}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Regressed() || !c.Metrics[0].Significant {
		t.Fatalf("regressed=%v significant=%v, want false/true", c.Regressed(), c.Metrics[0].Significant)
	}
}

// A 3x slower current side is a regression when both sides have enough
// samples, and inconclusive (never a regression) when they have too few.
func TestCompareThreeTimesSlower(t *testing.T) {
	for _, tc := range []struct {
		name       string
		base, cur  []*Report
		conclusive bool
	}{
		{"one run per side", runs(10, 1, 12), runs(20, 1, 36), true},
		{"five runs per side", runs(30, 5, 12), runs(40, 5, 36), true},
		{"3 vs 3 runs", runs(10, 3, 12), runs(20, 3, 36), false},
		{"2 vs 2 runs", runs(10, 2, 12), runs(20, 2, 36), false},
		{"one 3-second run per side", []*Report{synthReport(10, 12, 3)}, []*Report{synthReport(20, 36, 3)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := CompareOptions{MaxRegression: map[string]float64{"p99": 0.1}}
			if tc.conclusive {
				opts.MaxRegression["p50"], opts.MaxRegression["throughput"] = 0.10, 0.05
			}
			c, err := Compare(tc.base, tc.cur, opts)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := c.RenderText(&b); err != nil {
				t.Fatal(err)
			}
			if tc.conclusive {
				expectRegressed(t, c, b.String())
			} else {
				expectInconclusive(t, c, b.String())
			}
		})
	}
}

func expectRegressed(t *testing.T, c *Comparison, text string) {
	t.Helper()
	if !c.Regressed() {
		t.Fatalf("3x slower server passed:\n%s", text)
	}
	for _, m := range c.Metrics {
		if want := m.Metric != "throughput"; m.Regressed != want {
			t.Errorf("%s regressed = %v, want %v\n%s", m.Metric, m.Regressed, want, text)
		}
	}
	if !strings.Contains(text, "REGRESSED") {
		t.Errorf("text rendering does not say REGRESSED:\n%s", text)
	}
}

func expectInconclusive(t *testing.T, c *Comparison, text string) {
	t.Helper()
	if c.Regressed() {
		t.Errorf("too few samples cannot be significant at 0.05, yet regressed:\n%s", text)
	}
	if !c.Underpowered() || !c.Metrics[0].Underpowered {
		t.Errorf("underpowered = %v, want true:\n%s", c.Underpowered(), text)
	}
	for _, want := range []string{"INCONCLUSIVE", "p99 +", "worse, too few samples to judge", "at least 4 per side"} {
		if !strings.Contains(text, want) {
			t.Errorf("text does not say %q:\n%s", want, text)
		}
	}
	var md strings.Builder
	if err := c.RenderMarkdown(&md); err != nil || !strings.Contains(md.String(), "INCONCLUSIVE") {
		t.Errorf("markdown does not say INCONCLUSIVE (%v):\n%s", err, md.String())
	}
}

func TestCompareFourRunsPerSideCanRegress(t *testing.T) {
	c, err := Compare(runs(10, 4, 12), runs(20, 4, 36), CompareOptions{MaxRegression: map[string]float64{"p99": 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Underpowered() || !c.Regressed() {
		t.Errorf("4 vs 4 runs 3x slower: underpowered=%v regressed=%v, want false/true", c.Underpowered(), c.Regressed())
	}
}

func TestCompareSingleRunRejectsMetricNotInSeries(t *testing.T) {
	_, err := Compare(runs(10, 1, 12), runs(20, 1, 12), CompareOptions{MaxRegression: map[string]float64{"p99.9": 0.1}})
	if err == nil || !strings.Contains(err.Error(), "several runs") {
		t.Fatalf("err = %v, want advice to give several runs", err)
	}
}

func TestParseMaxRegression(t *testing.T) {
	got, err := ParseMaxRegression("p99=10%, throughput=5%,p999=20 %")
	if err != nil {
		t.Fatal(err)
	}
	if got["p99"] != 0.10 || got["throughput"] != 0.05 || got["p99.9"] != 0.2 {
		t.Fatalf("got %v", got)
	}
	for _, bad := range []string{"p98=10%", "p99", "p99=-1%", "p99=fast", "", "p99=10", "p99=0.1", "p99=10ms"} {
		if _, err := ParseMaxRegression(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, err := ParseMaxRegression("p99=10"); err == nil || !strings.Contains(err.Error(), "p99=10%") {
		t.Errorf("a bare number: err = %v, want the fix spelled out (p99=10%%)", err)
	}
}

func TestMinOneSidedP(t *testing.T) {
	for _, tc := range []struct {
		n1, n2 int
		want   float64
	}{{2, 2, 1.0 / 6}, {3, 3, 1.0 / 20}, {5, 5, 1.0 / 252}} {
		if got := minOneSidedP(tc.n1, tc.n2); got < tc.want*0.999 || got > tc.want*1.001 {
			t.Errorf("minOneSidedP(%d,%d) = %g, want %g", tc.n1, tc.n2, got, tc.want)
		}
	}
}

func TestTestShiftDirection(t *testing.T) {
	base := []float64{10, 11, 12, 13, 14, 15}
	slow := []float64{30, 31, 32, 33, 34, 35}
	if r, _ := testShift(base, slow, true); r.P >= 0.05 || r.Effect != 1 {
		t.Errorf("slower latency: p=%g A=%g, want p<0.05 A=1", r.P, r.Effect)
	}
	if r, _ := testShift(base, slow, false); r.P < 0.5 || r.Effect != 0 {
		t.Errorf("higher throughput judged worse: p=%g A=%g", r.P, r.Effect)
	}
	if r, err := testShift([]float64{1, 1}, []float64{1, 1}, true); err != nil || r.P != 1 {
		t.Errorf("equal samples: p=%g err=%v, want 1, nil", r.P, err)
	}
}
