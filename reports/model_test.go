package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFanoutLatenessHasTwoNames: the generator's late requests and the
// extension events that came after the answer are different things, named
// differently and both explained wherever a fan-out report is shown.
func TestFanoutLatenessHasTwoNames(t *testing.T) {
	r := synthFanout(synthReport(5, 12, 20))
	for _, format := range []string{FormatText, FormatMD, FormatHTML} {
		var b strings.Builder
		if err := Render(&b, r, format); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"after answer", ExplainAfterAnswer[:40], mdEscape(ExplainLate[:40])} {
			if format != FormatMD {
				want = strings.ReplaceAll(want, `\_`, "_")
			}
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s rendering lacks %q", format, want)
			}
		}
		if strings.Contains(b.String(), ">late</th>") || strings.Contains(b.String(), "duplicates, 6 late") || strings.Contains(b.String(), "| late | p50") {
			t.Errorf("%s rendering still calls events after the answer late", format)
		}
	}
	if _, err := ParseThresholds([]string{"fanout.late == 0"}); err == nil || !strings.Contains(err.Error(), "fanout.after_answer") {
		t.Errorf("fanout.late: err = %v, want the new name", err)
	}
	if res, err := EvaluateThresholds(r, []string{"fanout.after_answer <= 6"}); err != nil || !res[0].Pass {
		t.Errorf("fanout.after_answer <= 6 on 6: %+v %v", res, err)
	}
}

// TestSchema1FanoutLateReadsAsAfterAnswer: reports written before the rename still read.
func TestSchema1FanoutLateReadsAsAfterAnswer(t *testing.T) {
	dir := t.TempDir()
	old := `{"schema_version": 1, "scenario": "extension-fanout", "target": "http://127.0.0.1:8000",
	  "fanout": {"extensions": 1, "late": 7, "per_extension": [{"name": "a", "late": 7}]}}`
	if err := os.WriteFile(filepath.Join(dir, ReportFile), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := ReadReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.Fanout.AfterAnswer != 7 || r.Fanout.PerExtension[0].AfterAnswer != 7 {
		t.Errorf("schema 1 late read as after_answer %d / %d, want 7 / 7", r.Fanout.AfterAnswer, r.Fanout.PerExtension[0].AfterAnswer)
	}
}
