package reports

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestConformanceScoreWeighsAndLeavesOut(t *testing.T) {
	row := func(check, result string) ConformanceCheck {
		return ConformanceCheck{Operation: "op-" + check + "-" + result, Check: check, Result: result}
	}
	for _, tc := range []struct {
		name   string
		checks []ConformanceCheck
		want   float64 // NaN: nothing judged
		judged int
	}{
		{"all pass", []ConformanceCheck{row(CheckSchema, ResultPass), row(CheckBehaviour, ResultPass)}, 100, 2},
		{"behaviour weighs 2", []ConformanceCheck{row(CheckSchema, ResultFail), row(CheckBehaviour, ResultPass)}, 200.0 / 3, 2},
		{"a failed behaviour costs 2", []ConformanceCheck{row(CheckSchema, ResultPass), row(CheckBehaviour, ResultFail)}, 100.0 / 3, 2},
		{"accepted counts as not passed", []ConformanceCheck{row(CheckStatus, ResultPass), row(CheckStatus, ResultAccepted)}, 50, 2},
		{"skipped is left out", []ConformanceCheck{row(CheckStatus, ResultPass), row(CheckHeaders, ResultSkipped)}, 100, 1},
		{"nothing judged", []ConformanceCheck{row(CheckStatus, ResultSkipped)}, math.NaN(), 0},
		{"one fail of a cell fails it", []ConformanceCheck{
			{Operation: "a", Check: CheckStatus, Result: ResultPass}, {Operation: "a", Check: CheckStatus, Result: ResultFail},
			{Operation: "b", Check: CheckStatus, Result: ResultPass}}, 50, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ConformanceScore(&Conformance{Checks: tc.checks})
			if s.Judged != tc.judged || !(math.IsNaN(tc.want) && math.IsNaN(s.Percent) || math.Abs(s.Percent-tc.want) < 1e-9) {
				t.Errorf("score %v (%s), want %.2f%% over %d judged cells", s.Percent, s.Explain(), tc.want, tc.judged)
			}
		})
	}
}

func TestCompatScoresFixtureTargets(t *testing.T) {
	cs := readConformanceFixtures(t)
	m := BuildCompatMatrix(cs)
	// vendor-x: passes CreateFunctionVersion schema (1), DeleteWorkflow
	// behaviour (2), InvokeFunction status (1) and behaviour (2); fails
	// three cells of weight 1; skips one: 6 of 9.
	want := []string{"100.0%", "66.7%"}
	for i, w := range want {
		if got := m.Columns[i].Score.String(); got != w {
			t.Errorf("%s: score %s, want %s (%s)", m.Columns[i].Name, got, w, m.Columns[i].Score.Explain())
		}
		if got := ConformanceScore(cs[i]).String(); got != w {
			t.Errorf("%s alone: score %s, want %s", m.Columns[i].Name, got, w)
		}
	}
	var page bytes.Buffer
	if err := m.RenderHTML(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), `<tr id="score">`) || !strings.Contains(page.String(), "66.7%") {
		t.Error("the HTML matrix shows no score row")
	}
}

// scoredRun is a summary of n cells of which pass passed, started at day.
func scoredRun(day, n, pass int) *Conformance {
	c := &Conformance{Target: "http://127.0.0.1:1", StartedAt: time.Date(2026, 11, day, 3, 0, 0, 0, time.UTC)}
	for i := 0; i < n; i++ {
		result := ResultFail
		if i < pass {
			result = ResultPass
		}
		c.Checks = append(c.Checks, ConformanceCheck{Operation: fmt.Sprintf("op%02d", i), Check: CheckStatus, Result: result})
	}
	return c
}

func TestScoreTrendFindsTheDrop(t *testing.T) {
	var cs []*Conformance
	var labels []string
	for day := 1; day <= 16; day++ {
		pass := 40 - day%2 // 97.5–100%
		if day > 8 {
			pass = 30 - day%2 // 72.5–75%
		}
		// Given newest first: the trend orders by start time.
		cs = append([]*Conformance{scoredRun(day, 40, pass)}, cs...)
		labels = append([]string{fmt.Sprintf("night-%02d", day)}, labels...)
	}
	tr, err := BuildScoreTrend(cs, labels, ChangePointOptions{Alpha: 0.01, Permutations: 199, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Points[0].Label != "night-01" || tr.Unit != "%" {
		t.Fatalf("points not oldest first or unit %q: %+v", tr.Unit, tr.Points[0])
	}
	if len(tr.ChangePoints) != 1 || tr.ChangePoints[0].Index != 8 || !tr.Worsened() {
		t.Fatalf("change points %+v (worsened %v), want one at run 9, worse", tr.ChangePoints, tr.Worsened())
	}
	var text, page bytes.Buffer
	if err := tr.RenderText(&text); err != nil {
		t.Fatal(err)
	}
	if err := tr.RenderHTML(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "conformance.score worsened at run 9") || !strings.Contains(page.String(), "conformance.score over 16 runs") {
		t.Errorf("renderings:\n%s", text.String())
	}
	if _, err := BuildScoreTrend([]*Conformance{scoredRun(1, 0, 0)}, []string{"empty"}, ChangePointOptions{}); err == nil {
		t.Error("a summary with no judged cell got a score")
	}
}
