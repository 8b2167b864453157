package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leakyReport is what a careless producer might hand over: the token in the
// target's user info and query, in settings under several names, in an error
// message and in a validation example.
func leakyReport() *Report {
	r := synthFanout(synthReport(3, 10, 10))
	r.Target = "https://user:" + knownToken + "@fgs.example.com:443/?token=" + knownToken
	r.Function = "urn:fss:x:y:function:default:f:latest?sk=" + knownToken
	r.Settings["password"] = knownToken
	r.Settings["Authorization"] = "Bearer " + knownToken
	r.Settings["ak"] = knownToken
	r.Settings["header"] = "X-Auth-Token: " + knownToken
	r.Errors = append(r.Errors, ErrorCount{Message: `Post "https://fgs.example.com/v2?token=` + knownToken + `": authorization: Bearer ` + knownToken, Count: 1})
	r.Validation = &Validation{Checked: 1, Violations: 1, Examples: []string{"request header X-Auth-Token=" + knownToken + " rejected"}}
	r.Thresholds, _ = EvaluateThresholds(r, []string{"p99 < 10ms"})
	return r
}

func TestNoSecretInAnyRendering(t *testing.T) {
	r := leakyReport()
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Render(&b, r, f); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), knownToken) {
			t.Errorf("%s rendering contains the token:\n%s", f, b.String())
		}
		if strings.Contains(b.String(), "fgs.example.com") == false && f != FormatJUnit {
			t.Errorf("%s rendering lost the target host altogether", f)
		}
	}
	base, cur := []*Report{r}, []*Report{leakyReport()}
	c, err := Compare(base, cur, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := BuildTrend([]*Report{r, leakyReport()}, []string{"a", "b"}, "p99", ChangePointOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, render := range map[string]func(*bytes.Buffer) error{
		"compare text": func(b *bytes.Buffer) error { return c.RenderText(b) },
		"compare md":   func(b *bytes.Buffer) error { return c.RenderMarkdown(b) },
		"compare html": func(b *bytes.Buffer) error { return c.RenderHTML(b) },
		"trend html":   func(b *bytes.Buffer) error { return tr.RenderHTML(b) },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), knownToken) {
			t.Errorf("%s contains the token", name)
		}
	}
}

func TestNoSecretInConformanceRenderings(t *testing.T) {
	cs := readConformanceFixtures(t)
	cs[1].Target = "https://" + knownToken + "@vendor-x.example:443"
	var b bytes.Buffer
	if err := RenderConformanceMarkdown(&b, cs[1]); err != nil {
		t.Fatal(err)
	}
	m := BuildCompatMatrix(cs)
	if err := m.RenderMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if err := m.RenderHTML(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), knownToken) {
		t.Errorf("conformance renderings contain the token:\n%s", b.String())
	}
}

func TestWriteAllWritesNoSecret(t *testing.T) {
	dir := t.TempDir()
	r := leakyReport()
	// report.json is the producer's responsibility (Target must arrive
	// redacted); the renderings beside it are ours.
	if err := WriteAll(dir, r); err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats {
		data, err := readFile(filepath.Join(dir, FormatFiles[f]))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(data, knownToken) {
			t.Errorf("%s contains the token", FormatFiles[f])
		}
	}
}

func TestIsSecretKey(t *testing.T) {
	for _, k := range []string{"token", "X-Auth-Token", "sk", "ak", "AK", "password", "Authorization", "auth.sk", "secret_key", "client-secret"} {
		if !isSecretKey(k) {
			t.Errorf("%q not treated as secret", k)
		}
	}
	for _, k := range []string{"rate", "duration", "skew", "task", "project_id", "scenario"} {
		if isSecretKey(k) {
			t.Errorf("%q treated as secret", k)
		}
	}
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
