package contract_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/suites/framework"
)

// defectRun runs the functions suites into dir against an emulator behind
// defect, with extra flags; it expects them to fail and returns the run's
// output and evidence.
func defectRun(t *testing.T, dir, defect string, extra ...string) (string, evidence.Run) {
	t.Helper()
	args := append([]string{"contract", "--out", dir, "--test-defect", defect, "--label-filter", framework.LabelFunctions, "--extension-port", "0"}, extra...)
	code, out := fghRun(t, args...)
	if code != 1 {
		t.Fatalf("defect run exited %d, want 1\n%s", code, out)
	}
	run, err := evidence.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return out, run
}

// TestDefectRunLeavesReplayableEvidence: a run against an emulator whose
// createFunction answers 201 records the failure with an id; the HAR log is
// HAR 1.2 without a secret; the reports show request, answer and rule; and
// replay reproduces it against the defective emulator and passes against a
// healthy one (signing with AK/SK at replay time).
func TestDefectRunLeavesReplayableEvidence(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites and replays")
	}
	dir := t.TempDir()
	har := filepath.Join(dir, "run.har")
	out, run := defectRun(t, dir, "create-201", "--har", har)
	var fl evidence.Failure
	for _, f := range run.Failures {
		if f.Operation == "createFunction" && f.Expect.Checkable() && f.Response != nil && f.Response.Status == 201 {
			fl = f
			break
		}
	}
	if fl.ID == "" {
		t.Fatalf("failures.json has no re-checkable createFunction failure with the 201 answer: %+v", run.Failures)
	}
	if !strings.Contains(out, "failure "+run.Failures[0].ID+" ") || !strings.Contains(out, "fgh contract replay "+dir+" ID") {
		t.Errorf("the run's output does not list its failures by id:\n%s", out)
	}

	secrets := []string{emulator.DefaultToken, emulator.DefaultSK}
	for _, name := range []string{har, filepath.Join(dir, evidence.FailuresFile), filepath.Join(dir, framework.ConformanceJSON)} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(string(data), s) {
				t.Errorf("%s holds a secret", filepath.Base(name))
			}
		}
	}
	checkHAR(t, har)

	md, err := os.ReadFile(filepath.Join(dir, framework.ConformanceMDFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#### `" + fl.ID + "`", "**Rule broken:**", "got 201", "**Request:**", "POST http://127.0.0.1:",
		"**Answer:**", "201 Created", "fgh contract replay DIR " + fl.ID, `X-Auth-Token: $FGH_TOKEN`} {
		if !strings.Contains(string(md), want) {
			t.Errorf("conformance.md lacks %q", want)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, framework.ConformanceHTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `id="`+fl.ID+`"`) || !strings.Contains(string(page), "201 Created") {
		t.Error("conformance.html lacks the failure's evidence")
	}

	code, out := fghRun(t, "contract", "replay", dir, fl.ID, "--test-defect", "create-201")
	if code != 1 || !strings.Contains(out, "REPRODUCED") {
		t.Errorf("replay against the defective emulator exited %d, want 1 and REPRODUCED:\n%s", code, out)
	}

	cfg := emulator.DefaultConfig()
	em, err := emulator.StartLocal(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = em.Close(context.Background()) }()
	code, out = fghRun(t, "contract", "replay", dir, fl.ID, "--target", em.URL, "--ak", cfg.AK, "--sk", cfg.SK)
	if code != 0 || !strings.Contains(out, "passed") {
		t.Errorf("replay against a healthy emulator with AK/SK exited %d, want 0 and passed:\n%s", code, out)
	}
	if strings.Contains(out, cfg.SK) {
		t.Error("replay printed the SK")
	}

	code, out = fghRun(t, "contract", "replay", dir, "f00000000")
	if code != 2 || !strings.Contains(out, fl.ID) {
		t.Errorf("replay of an unknown id exited %d, want 2 and the known ids:\n%s", code, out)
	}
}

// checkEvidence holds every failed spec of r to at least one failure with
// an id in failures.json.
func (r contractRun) checkEvidence(t *testing.T) {
	t.Helper()
	run, err := evidence.ReadRun(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string][]string{}
	for _, f := range run.Failures {
		if f.ID == "" || f.Rule == "" {
			t.Errorf("failure without an id or a rule: %+v", f)
		}
		ids[f.Source] = append(ids[f.Source], f.ID)
	}
	for _, s := range r.failed() {
		if len(ids[s.FullText()]) == 0 {
			t.Errorf("failed spec %q has no failure in %s", s.FullText(), evidence.FailuresFile)
		}
	}
}

// checkHAR holds the log to the HAR 1.2 shape and its credential headers to <redacted>.
func checkHAR(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Log struct {
			Version string `json:"version"`
			Creator struct {
				Name string `json:"name"`
			} `json:"creator"`
			Entries []struct {
				StartedDateTime string `json:"startedDateTime"`
				Request         struct {
					Method  string `json:"method"`
					URL     string `json:"url"`
					Headers []struct {
						Name, Value string
					} `json:"headers"`
				} `json:"request"`
				Response *struct {
					Status  int `json:"status"`
					Content *struct {
						MimeType string `json:"mimeType"`
					} `json:"content"`
				} `json:"response"`
				Timings *struct{} `json:"timings"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatalf("HAR is not JSON: %v", err)
	}
	if h.Log.Version != "1.2" || h.Log.Creator.Name == "" || len(h.Log.Entries) == 0 {
		t.Fatalf("HAR log: version %q, creator %q, %d entries", h.Log.Version, h.Log.Creator.Name, len(h.Log.Entries))
	}
	tokens := 0
	for i, e := range h.Log.Entries {
		if e.StartedDateTime == "" || e.Request.Method == "" || e.Request.URL == "" || e.Response == nil || e.Response.Content == nil || e.Timings == nil {
			t.Fatalf("entry %d lacks a member HAR 1.2 requires", i)
		}
		for _, hd := range e.Request.Headers {
			if evidence.CredentialHeader(hd.Name) {
				tokens++
				if hd.Value != evidence.Redacted {
					t.Errorf("entry %d: %s is not redacted", i, hd.Name)
				}
			}
		}
	}
	if tokens == 0 {
		t.Error("no entry carried a credential header: the run authenticates, so the redaction went unchecked")
	}
}

// TestBehaviourFailureReplaysWithItsProducers: the spec that finds a
// deleted function still readable runs in an ordered container whose
// BeforeAll created the function; its failure's steps create it again, so
// replay against a fresh defective emulator reproduces it and a healthy
// one passes.
func TestBehaviourFailureReplaysWithItsProducers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites and replays")
	}
	const defect = "deleted-function-found"
	dir := t.TempDir()
	_, run := defectRun(t, dir, defect)
	var fl evidence.Failure
	for _, f := range run.Failures {
		if strings.Contains(f.Rule, "still found") {
			fl = f
		}
	}
	if fl.ID == "" || !fl.Expect.Checkable() || len(fl.Steps) == 0 || fl.Steps[0].Operation != "createFunction" {
		t.Fatalf("no re-checkable 'still found' failure whose steps start by creating the function: %+v", fl)
	}
	if code, out := fghRun(t, "contract", "replay", dir, fl.ID, "--test-defect", defect); code != 1 || !strings.Contains(out, "REPRODUCED") {
		t.Errorf("replay against the defective emulator exited %d, want 1:\n%s", code, out)
	}
	if code, out := fghRun(t, "contract", "replay", dir, fl.ID); code != 0 || !strings.Contains(out, "passed") {
		t.Errorf("replay against a healthy emulator exited %d, want 0:\n%s", code, out)
	}
}
