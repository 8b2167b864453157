package load

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fgharness/fgharness/reports"
)

func loadReportSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	data, err := os.ReadFile("report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s openapi3.Schema
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("report.schema.json: %v", err)
	}
	return &s
}

func validateAgainstSchema(s *openapi3.Schema, data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	return s.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// TestReportMatchesSchema validates a produced report.json (fan-out, so most
// sections are filled) against load/report.schema.json with kin-openapi's
// JSON Schema 2020-12 validator, and checks the validator rejects a bad one.
func TestReportMatchesSchema(t *testing.T) {
	schema := loadReportSchema(t)
	_, o := fakeFanoutRun(t, time.Second, 1)
	o.Thresholds = []ThresholdSpec{{Expr: "p99 < 5s"}}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(o.OutDir, reports.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := validateAgainstSchema(schema, data); err != nil {
		t.Fatalf("report.json does not match report.schema.json: %v", err)
	}
	if strings.Contains(string(data), "secret-token") {
		t.Fatal("report.json holds the token")
	}

	var m map[string]any
	_ = json.Unmarshal(data, &m)
	m["target"] = "http://user:pw@127.0.0.1:1/path"
	bad, _ := json.Marshal(m)
	if validateAgainstSchema(schema, bad) == nil {
		t.Error("the schema accepts a target with credentials and a path")
	}
	delete(m, "latency_ms")
	m["target"] = "http://127.0.0.1:1"
	bad, _ = json.Marshal(m)
	if validateAgainstSchema(schema, bad) == nil {
		t.Error("the schema accepts a report without latency_ms")
	}
}

// TestSchemaCoversModel fails when reports.Report gains a field the schema does not describe.
func TestSchemaCoversModel(t *testing.T) {
	schema := loadReportSchema(t)
	rt := reflect.TypeOf(reports.Report{})
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if _, ok := schema.Properties[name]; !ok {
			t.Errorf("report.json field %q is missing from load/report.schema.json", name)
		}
	}
}

// TestSchemaRequiresIssueFields pins the fields issue 5 names as the stable
// interface: each must stay required in the schema (renaming one breaks readers).
func TestSchemaRequiresIssueFields(t *testing.T) {
	schema := loadReportSchema(t)
	percentiles := []string{"min", "mean", "p50", "p90", "p95", "p99", "p999", "p9999", "max"}
	want := map[string][]string{
		"": {"scenario", "target", "started_at", "ended_at", "rate_rps", "throughput_rps", "requests", "success_ratio",
			"status_codes", "errors", "late_requests", "latency_ms", "service_time_ms", "series"},
		"latency_ms":      percentiles,
		"service_time_ms": percentiles,
		"series[]":        {"asked_rps", "achieved_rps", "count", "p50_ms", "p99_ms", "errors"},
		// Schema 2 renamed fanout.late to after_answer (issue 13): the generator's
		// late requests are another thing; reports.Fanout still reads schema 1.
		"fanout":            {"extensions", "delivered_ratio", "missing", "duplicates", "after_answer", "latency_ms"},
		"fanout.latency_ms": percentiles,
	}
	for path, fields := range want {
		s := schema
		for _, step := range strings.Split(path, ".") {
			if step == "" {
				continue
			}
			name, items := strings.CutSuffix(step, "[]")
			s = s.Properties[name].Value
			if items {
				s = s.Items.Value
			}
		}
		for _, f := range fields {
			if !slices.Contains(s.Required, f) {
				t.Errorf("report.schema.json: %s.%s is not required", path, f)
			}
		}
	}
}
