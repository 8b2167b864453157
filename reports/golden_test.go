package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current renderers")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the renderer's output (go test ./reports -update rewrites it after a deliberate change):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestReportGolden(t *testing.T) {
	for _, run := range []string{"sync-invoke", "fanout"} {
		r, err := ReadReport(filepath.Join("testdata", run))
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{FormatText, FormatMD, FormatJUnit} {
			t.Run(run+"/"+format, func(t *testing.T) {
				var b bytes.Buffer
				if err := Render(&b, r, format); err != nil {
					t.Fatal(err)
				}
				golden(t, run+"."+format+".golden", b.Bytes())
			})
		}
	}
}

func TestCompareGolden(t *testing.T) {
	c, err := Compare(runs(10, 1, 12), runs(20, 1, 36), CompareOptions{MaxRegression: map[string]float64{"p50": 0.1, "p99": 0.1, "throughput": 0.05, "success": 0.001}})
	if err != nil {
		t.Fatal(err)
	}
	var text, md bytes.Buffer
	if err := c.RenderText(&text); err != nil {
		t.Fatal(err)
	}
	if err := c.RenderMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.text.golden", text.Bytes())
	golden(t, "compare.md.golden", md.Bytes())
}

func readConformanceFixtures(t *testing.T) []*Conformance {
	t.Helper()
	var cs []*Conformance
	for _, f := range []string{"emulator.json", "vendor-x.json"} {
		c, err := ReadConformance(filepath.Join("testdata", "conformance", f))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	return cs
}

func TestConformanceGolden(t *testing.T) {
	cs := readConformanceFixtures(t)
	var one, matrix bytes.Buffer
	if err := RenderConformanceMarkdown(&one, cs[1]); err != nil {
		t.Fatal(err)
	}
	golden(t, "conformance.md.golden", one.Bytes())
	if err := BuildCompatMatrix(cs).RenderMarkdown(&matrix); err != nil {
		t.Fatal(err)
	}
	golden(t, "compat.md.golden", matrix.Bytes())
}
