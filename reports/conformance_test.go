package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConformanceRoundTrip(t *testing.T) {
	cs := readConformanceFixtures(t)
	dir := t.TempDir()
	if err := WriteConformance(dir, cs[1]); err != nil {
		t.Fatal(err)
	}
	back, err := ReadConformance(dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Column() != "vendor-x eu-1" || len(back.Checks) != len(cs[1].Checks) || !back.Failed() {
		t.Fatalf("round trip lost data: %+v", back)
	}
	if p, f, s := back.Counts(); p != 5 || f != 3 || s != 1 {
		t.Errorf("counts %d/%d/%d, want 5/3/1", p, f, s)
	}
}

func TestConformanceRejectsBadChecks(t *testing.T) {
	for _, ch := range []ConformanceCheck{
		{Operation: "", Check: CheckSchema, Result: ResultPass},
		{Operation: "InvokeFunction", Check: "speed", Result: ResultPass},
		{Operation: "InvokeFunction", Check: CheckStatus, Result: "ok"},
	} {
		err := WriteConformance(t.TempDir(), &Conformance{Target: "http://x:1", Checks: []ConformanceCheck{ch}})
		if err == nil {
			t.Errorf("check %+v accepted", ch)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ConformanceFile), []byte(`{"schema_version": 9}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadConformance(dir); err == nil || !strings.Contains(err.Error(), "upgrade fgh") {
		t.Errorf("future schema version: %v", err)
	}
}

func TestCompatMatrixCells(t *testing.T) {
	m := BuildCompatMatrix(readConformanceFixtures(t))
	if len(m.Columns) != 2 || m.Columns[0].Name != "fgharness emulator" {
		t.Fatalf("columns %+v", m.Columns)
	}
	find := func(op, check string) CompatRow {
		for _, r := range m.Rows {
			if r.Operation == op && r.Check == check {
				return r
			}
		}
		t.Fatalf("no row %s %s", op, check)
		return CompatRow{}
	}
	// vendor-x has one failing and one passing error_code check for DeleteWorkflow: the failure wins.
	if r := find("DeleteWorkflow", CheckErrorCode); r.Cells[1].Result != ResultFail || !r.Differs() {
		t.Errorf("DeleteWorkflow error_code row %+v", r)
	}
	// ListDependencies was not run against vendor-x: blank, and no disagreement.
	if r := find("ListDependencies", CheckSchema); r.Cells[1].Result != "" || r.Differs() {
		t.Errorf("ListDependencies schema row %+v", r)
	}
	if r := find("InvokeFunction", CheckStatus); r.Differs() {
		t.Errorf("agreeing row marked as differing: %+v", r)
	}
}
