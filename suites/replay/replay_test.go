package replay

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/aksk"
	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
)

const (
	recordedProject = "0123456789abcdef0123456789abcdef"
	replayProject   = "fedcba9876543210fedcba9876543210"
	testAK, testSK  = "REPLAYAK", "replay-secret-key-value"
)

// writeRun leaves a run directory whose one failure is a createFunction
// answered 500, recorded against another origin and project with a token.
func writeRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	body := `{"func_name":"fgh-run-fn-1","package":"default","runtime":"Python3.9","handler":"index.handler","memory_size":128,"timeout":3,"code_type":"inline","description":"` + recordedProject + `"}`
	rec := evidence.NewRecorder(evidence.Run{Target: "http://127.0.0.1:1", ProjectID: recordedProject, Auth: "token"})
	rec.Fail(evidence.Failure{
		Operation: fgs.OpCreateFunction, Check: "status", Rule: "never a 5xx",
		Request: evidence.Request{Method: http.MethodPost, URL: "http://127.0.0.1:1/v2/" + recordedProject + "/fgs/functions",
			Header: http.Header{"X-Auth-Token": {"the-recorded-token"}, "X-Sdk-Date": {"20200101T000000Z"}, "Content-Type": {"application/json"}},
			Body:   evidence.NewBody([]byte(body))},
		Response: &evidence.Response{Status: 500},
		Expect:   evidence.Expect{Status: []string{"2xx", "4xx"}},
	})
	if err := rec.WriteFailures(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReplaySignsNowForTheReplayTarget(t *testing.T) {
	dir := writeRun(t)
	var mu sync.Mutex
	var problems []string
	status := http.StatusInternalServerError
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if !strings.Contains(r.URL.Path, replayProject) || !strings.Contains(string(body), replayProject) {
			problems = append(problems, "the run's project was not replaced in path and body")
		}
		if r.Header.Get("X-Auth-Token") != "" {
			problems = append(problems, "a token was sent although AK/SK was given")
		}
		if _, err := aksk.Verify(r, body, func(ak string) (string, bool) { return testSK, ak == testAK }, time.Now(), 5*time.Minute); err != nil {
			problems = append(problems, "signature: "+err.Error())
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error_code":"FSS.0500","error_msg":"boom"}`))
	}))
	defer srv.Close()
	opts := Options{RunDir: dir, Target: client.Target{BaseURL: srv.URL, ProjectID: replayProject, AK: testAK, SK: testSK}}

	fs, err := evidence.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts.FailureID = fs.Failures[0].ID
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Reproduced() || res.Answer.Status != 500 {
		t.Errorf("a 500 again did not reproduce the failure: %+v", res)
	}
	status = http.StatusBadRequest
	if res, err = Run(context.Background(), opts); err != nil || res.Reproduced() {
		t.Errorf("a 400 reproduced the never-a-5xx failure: %v %+v", err, res.Broken)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}

func TestReplayOfAnUnknownIDNamesTheKnownOnes(t *testing.T) {
	dir := writeRun(t)
	_, err := Run(context.Background(), Options{RunDir: dir, FailureID: "fnope", Target: client.Target{BaseURL: "http://127.0.0.1:1", ProjectID: "p", Token: "t"}})
	if err == nil || !strings.Contains(err.Error(), "known: f") {
		t.Errorf("error %v does not list the known ids", err)
	}
}
