package reports

import (
	"errors"
	"math"

	"github.com/aclements/go-moremath/stats"
)

// The Mann–Whitney U test itself comes from go-moremath (the implementation
// benchstat grew up on: exact distribution for small samples, normal
// approximation with tie and continuity correction for large ones). This
// file only frames it as "did current shift up (or down) from baseline".

// shiftTest is the outcome of a one-sided Mann–Whitney U test of the
// hypothesis that current samples tend to lie above (or below) baseline samples.
type shiftTest struct {
	U      float64 // U of the current sample
	P      float64 // one-sided p-value
	Effect float64 // Vargha–Delaney A: P(a current sample lies beyond a baseline one in the tested direction), ties count half
	N1, N2 int     // baseline and current sample sizes
}

// testShift runs the one-sided test that current lies above baseline (up)
// or below it. Identical samples give P = 1 and Effect = 0.5 (no evidence of a change).
func testShift(baseline, current []float64, up bool) (shiftTest, error) {
	base, cur := finite(baseline), finite(current)
	t := shiftTest{N1: len(base), N2: len(cur), P: 1, Effect: 0.5}
	if len(base) == 0 || len(cur) == 0 {
		return t, stats.ErrSampleSize
	}
	alt := stats.LocationGreater
	if !up {
		alt = stats.LocationLess
	}
	res, err := stats.MannWhitneyUTest(cur, base, alt)
	if errors.Is(err, stats.ErrSamplesEqual) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	t.U, t.P = res.U, res.P
	t.Effect = res.U / float64(len(base)*len(cur))
	if !up {
		t.Effect = 1 - t.Effect
	}
	return t, nil
}

// minOneSidedP is the smallest p-value the exact test can reach with n1 and n2
// samples and no ties: 1 / C(n1+n2, n1). Below α is needed to ever flag a change.
func minOneSidedP(n1, n2 int) float64 {
	lg := func(n int) float64 { v, _ := math.Lgamma(float64(n) + 1); return v }
	return math.Exp(lg(n1) + lg(n2) - lg(n1+n2))
}

// canReach reports whether n1 vs n2 samples can give p < alpha at all. The
// margin keeps 3 vs 3 at α = 0.05 (minimum p exactly 1/20) on the side it is
// on, whatever the last bit of the Lgamma arithmetic says.
func canReach(n1, n2 int, alpha float64) bool {
	return minOneSidedP(n1, n2) < alpha*(1-1e-9)
}

// minSamplesPerSide is the smallest n for which n vs n samples can reach p < alpha.
func minSamplesPerSide(alpha float64) int {
	n := 1
	for n < 1000 && !canReach(n, n, alpha) {
		n++
	}
	return n
}

func finite(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}
