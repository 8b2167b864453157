package reports

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func noisy(seed uint64, n int, level func(i int) float64, noise float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = level(i) + noise*rng.NormFloat64()
	}
	return xs
}

func TestChangePointsFindsStep(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		xs := noisy(seed, 60, func(i int) float64 {
			if i >= 37 {
				return 120
			}
			return 100
		}, 4)
		cps := ChangePoints(xs, ChangePointOptions{Seed: 1})
		if len(cps) != 1 || cps[0].Index != 37 {
			t.Fatalf("seed %d: change points %+v, want one at 37", seed, cps)
		}
		if cps[0].Change < 0.15 || cps[0].Change > 0.25 {
			t.Errorf("seed %d: change %.3f, want about +20%%", seed, cps[0].Change)
		}
	}
}

func TestChangePointsFlatNoisySeriesHasNone(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		xs := noisy(seed, 60, func(int) float64 { return 100 }, 8)
		if cps := ChangePoints(xs, ChangePointOptions{Seed: 1}); len(cps) != 0 {
			t.Fatalf("seed %d: flat series has change points %+v", seed, cps)
		}
	}
}

func TestChangePointsTwoSteps(t *testing.T) {
	xs := noisy(3, 90, func(i int) float64 {
		switch {
		case i >= 60:
			return 80
		case i >= 30:
			return 110
		}
		return 100
	}, 3)
	cps := ChangePoints(xs, ChangePointOptions{Seed: 2})
	// The noise of this seed lifts points 28 and 29 toward the next level,
	// so the first step may land a point or two early.
	near := func(got, want int) bool { return got >= want-2 && got <= want+2 }
	if len(cps) != 2 || !near(cps[0].Index, 30) || cps[1].Index != 60 {
		t.Fatalf("change points %+v, want about 30 and 60", cps)
	}
}

func TestChangePointsAreDeterministic(t *testing.T) {
	xs := noisy(9, 40, func(i int) float64 { return 100 + float64(i/20)*10 }, 6)
	a, b := ChangePoints(xs, ChangePointOptions{Seed: 42}), ChangePoints(xs, ChangePointOptions{Seed: 42})
	if len(a) != len(b) {
		t.Fatalf("same seed, different answers: %+v vs %+v", a, b)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different answers: %+v vs %+v", a, b)
		}
	}
}

func TestChangePointsShortSeries(t *testing.T) {
	if cps := ChangePoints([]float64{1, 2, 30}, ChangePointOptions{}); len(cps) != 0 {
		t.Fatalf("3 points gave %+v", cps)
	}
	if cps := ChangePoints(nil, ChangePointOptions{}); len(cps) != 0 {
		t.Fatalf("no points gave %+v", cps)
	}
}

// trendReports simulates nightly runs whose p99 drifts up by 15% at night 20:
// a step no single A/B of neighbouring nights would call significant.
func trendReports(n, stepAt int) ([]*Report, []string) {
	rng := rand.New(rand.NewPCG(5, 5))
	var rs []*Report
	var labels []string
	for i := range n {
		p99 := 40 + 2*rng.NormFloat64()
		if i >= stepAt {
			p99 *= 1.15
		}
		rs = append(rs, &Report{Scenario: "sync-invoke", Requests: 1000, StartedAt: time.Date(2026, 1, 1+i, 2, 0, 0, 0, time.UTC), Latency: Percentiles{P99: p99}})
		labels = append(labels, "nightly-"+time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC).Format("0102")+".json")
	}
	// Hand them over out of order: BuildTrend sorts by start time.
	rs[0], rs[n-1] = rs[n-1], rs[0]
	labels[0], labels[n-1] = labels[n-1], labels[0]
	return rs, labels
}

func TestBuildTrendFlagsDrift(t *testing.T) {
	rs, labels := trendReports(40, 20)
	tr, err := BuildTrend(rs, labels, "p99", ChangePointOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.ChangePoints) != 1 || tr.ChangePoints[0].Index != 20 || !tr.Worsened() {
		t.Fatalf("change points %+v, want one worsening at 20", tr.ChangePoints)
	}
	if tr.Points[0].Label != "nightly-0101.json" {
		t.Errorf("points not sorted by start time: first is %s", tr.Points[0].Label)
	}
	var b strings.Builder
	if err := tr.RenderText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "p99 worsened at run 21 (nightly-0121.json") {
		t.Errorf("text summary:\n%s", b.String())
	}
	if _, err := BuildTrend(rs, labels, "p98", ChangePointOptions{}); err == nil || !strings.Contains(err.Error(), "valid metrics") {
		t.Errorf("unknown metric error %v does not list the valid ones", err)
	}
}
