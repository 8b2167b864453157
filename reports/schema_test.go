package reports

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestTestdataMatchesReportSchema keeps the renderers' fixtures honest: they
// must be reports `fgh load` could have written, per load/report.schema.json.
func TestTestdataMatchesReportSchema(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "load", "report.schema.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("load/report.schema.json not present")
	}
	if err != nil {
		t.Fatal(err)
	}
	var schema openapi3.Schema
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("report.schema.json: %v", err)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*", ReportFile))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata reports (%v)", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s does not match load/report.schema.json: %v", f, err)
		}
	}
}
