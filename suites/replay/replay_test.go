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
	"github.com/fgharness/fgharness/internal/emulator"
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

// writeFailure leaves a run directory recorded against the origin
// http://127.0.0.1:1 and recordedProject whose one failure is fl.
func writeFailure(t *testing.T, fl evidence.Failure) (dir, id string) {
	t.Helper()
	dir = t.TempDir()
	rec := evidence.NewRecorder(evidence.Run{Target: "http://127.0.0.1:1", ProjectID: recordedProject, Auth: "token"})
	rec.Fail(fl)
	if err := rec.WriteFailures(dir); err != nil {
		t.Fatal(err)
	}
	run, err := evidence.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, run.Failures[0].ID
}

// listFailure is a listFunctions answered 500, sent to url with a token.
func listFailure(url string) evidence.Failure {
	return evidence.Failure{
		Operation: fgs.OpListFunctions, Check: "status", Rule: "never a 5xx",
		Request: evidence.Request{Method: http.MethodGet, URL: url + "/v2/" + recordedProject + "/fgs/functions?maxitems=5",
			Header: http.Header{"X-Auth-Token": {"the-recorded-token"}}},
		Response: &evidence.Response{Status: 500},
		Expect:   evidence.Expect{Status: []string{"2xx", "4xx"}},
	}
}

// headerRecorder is a loopback server that keeps the headers of each request.
func headerRecorder(t *testing.T) (*httptest.Server, func() []http.Header) {
	t.Helper()
	var mu sync.Mutex
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"functions":[],"next_marker":0,"count":0}`))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []http.Header {
		mu.Lock()
		defer mu.Unlock()
		return append([]http.Header(nil), seen...)
	}
}

// TestReplayPrefersTheTokenOverAKSK: with both credentials given, replay
// follows the client's rule (client.Credentials): the token is sent and
// nothing is signed.
func TestReplayPrefersTheTokenOverAKSK(t *testing.T) {
	srv, seen := headerRecorder(t)
	dir, id := writeFailure(t, listFailure("http://127.0.0.1:1"))
	const token = "the-replay-token"
	_, err := Run(context.Background(), Options{RunDir: dir, FailureID: id,
		Target: client.Target{BaseURL: srv.URL, ProjectID: replayProject, Token: token, AK: testAK, SK: testSK}})
	if err != nil {
		t.Fatal(err)
	}
	hs := seen()
	if len(hs) != 1 {
		t.Fatalf("the target saw %d requests, want 1", len(hs))
	}
	if got := hs[0].Get("X-Auth-Token"); got != token {
		t.Errorf("X-Auth-Token = %q, want the replay's token", got)
	}
	if hs[0].Get("Authorization") != "" || hs[0].Get("X-Sdk-Date") != "" {
		t.Error("the request was signed although a token was given")
	}
}

// TestReplayKeepsCredentialsToTheTarget: a recorded request to another
// origin than the run's target (an Extension API, say) goes there as
// recorded, without the replay's credentials.
func TestReplayKeepsCredentialsToTheTarget(t *testing.T) {
	target, _ := headerRecorder(t)
	other, seen := headerRecorder(t)
	dir, id := writeFailure(t, listFailure(other.URL))
	for _, tgt := range []client.Target{
		{BaseURL: target.URL, ProjectID: replayProject, Token: "the-replay-token"},
		{BaseURL: target.URL, ProjectID: replayProject, AK: testAK, SK: testSK},
	} {
		if _, err := Run(context.Background(), Options{RunDir: dir, FailureID: id, Target: tgt}); err != nil {
			t.Fatal(err)
		}
	}
	hs := seen()
	if len(hs) != 2 {
		t.Fatalf("the other origin saw %d requests, want 2", len(hs))
	}
	for _, h := range hs {
		if h.Get("X-Auth-Token") != "" || h.Get("Authorization") != "" {
			t.Errorf("credentials went to another origin than the target: %v", h)
		}
	}
}

// TestReplaySignsWhatTheEmulatorAccepts: an AK/SK replay against the
// emulator is answered 200, and the same replay with a wrong SK 401, so
// the signature is what the emulator checks.
func TestReplaySignsWhatTheEmulatorAccepts(t *testing.T) {
	cfg := emulator.DefaultConfig()
	em, err := emulator.StartLocal(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = em.Close(context.Background()) }()
	dir, id := writeFailure(t, listFailure("http://127.0.0.1:1"))
	for _, tc := range []struct {
		sk   string
		want int
	}{{cfg.SK, http.StatusOK}, {cfg.SK + "-wrong", http.StatusUnauthorized}} {
		res, err := Run(context.Background(), Options{RunDir: dir, FailureID: id,
			Target: client.Target{BaseURL: em.URL, ProjectID: cfg.ProjectID, AK: cfg.AK, SK: tc.sk}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Answer.Status != tc.want {
			t.Errorf("replay signed with the %s SK: status %d, want %d (%s)", map[bool]string{true: "right", false: "wrong"}[tc.sk == cfg.SK], res.Answer.Status, tc.want, res.Answer.Body.Bytes())
		}
		if tc.want == http.StatusOK && (res.Reproduced() || len(res.Violations) > 0) {
			t.Errorf("a 200 from the emulator reproduced the failure or broke the spec: %v %v", res.Broken, res.Violations)
		}
	}
}
