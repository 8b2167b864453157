package reports

import (
	"fmt"
	"math"
)

// checkWeights weigh a cell of the conformance score by its check: a
// broken promise of the documents (a deleted function still found) costs a
// client more than a malformed field, so behaviour counts double. Every
// check not listed weighs 1. docs/gates.md documents these numbers.
var checkWeights = map[string]float64{
	CheckSchema: 1, CheckStatus: 1, CheckErrorCode: 1, CheckHeaders: 1, CheckBehaviour: 2,
}

func checkWeight(check string) float64 {
	if w, ok := checkWeights[check]; ok {
		return w
	}
	return 1
}

// Score is a target's conformance score: the weighted share of its judged
// operation × check cells that passed. A judged cell passed, failed or was
// accepted; accepted cells count as not passed (the endpoint deviates,
// the accept file only keeps the gate green), skipped cells and cells the
// run never made are left out.
type Score struct {
	// Percent is 0–100; NaN when no cell was judged.
	Percent                          float64
	Passed, Failed, Accepted, Judged int
}

// scoreColumn scores one column of the matrix.
func scoreColumn(rows []CompatRow, col int) Score {
	var s Score
	var passed, judged float64
	for _, r := range rows {
		w := checkWeight(r.Check)
		switch r.Cells[col].Result {
		case ResultPass:
			s.Passed++
			passed += w
		case ResultFail:
			s.Failed++
		case ResultAccepted:
			s.Accepted++
		default:
			continue
		}
		s.Judged++
		judged += w
	}
	s.Percent = math.NaN()
	if judged > 0 {
		s.Percent = 100 * passed / judged
	}
	return s
}

// ConformanceScore is the score of one summary, the same number its
// column of the compatibility matrix shows.
func ConformanceScore(c *Conformance) Score {
	return BuildCompatMatrix([]*Conformance{c}).Columns[0].Score
}

// String is the score as a percentage with one decimal, "–" when nothing was judged.
func (s Score) String() string {
	if math.IsNaN(s.Percent) {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", s.Percent)
}

// Explain says what the score is made of.
func (s Score) Explain() string {
	return fmt.Sprintf("%d of %d judged cells passed, %d failed, %d accepted (weighted)", s.Passed, s.Judged, s.Failed, s.Accepted)
}
