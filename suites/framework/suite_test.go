package framework

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
)

// TestReadItSpecsReadsWhatWriteReportsWrites reads back a report written
// by the writer WriteReports uses: the It nodes come back in order, the
// suite-level nodes do not.
func TestReadItSpecsReadsWhatWriteReportsWrites(t *testing.T) {
	dir := t.TempDir()
	r := types.Report{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed},
		leaf("first", types.SpecStatePassed, ""),
		leaf("second", types.SpecStateFailed, "status: expected 200, got 500"),
		{LeafNodeType: types.NodeTypeReportAfterSuite, State: types.SpecStatePassed},
	}}
	if err := reporters.GenerateJSONReport(r, filepath.Join(dir, GinkgoJSONFile)); err != nil {
		t.Fatal(err)
	}
	specs, err := ReadItSpecs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].LeafNodeText != "first" || specs[1].LeafNodeText != "second" || specs[1].State != types.SpecStateFailed {
		t.Fatalf("specs = %+v, want the two It nodes", specs)
	}
}

func TestReadItSpecsFailsWithoutAReport(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadItSpecs(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no report: err = %v, want a missing file", err)
	}
	if err := os.WriteFile(filepath.Join(dir, GinkgoJSONFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadItSpecs(dir); err == nil {
		t.Error("a broken report was read without an error")
	}
}
