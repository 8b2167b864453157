package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/load"
	"github.com/fgharness/fgharness/reports"
)

func readRun(t *testing.T, dir string) *reports.Report {
	t.Helper()
	r, err := reports.ReadReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLoadExitCodes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"no scenario", []string{"load"}, exitUsage},
		{"unknown scenario", []string{"load", "sync-invok", "--duration", "1s", "--out", dir + "/u"}, exitUsage},
		{"bad rate", []string{"load", "sync-invoke", "--rate", "fast"}, exitUsage},
		{"bad shard", []string{"load", "sync-invoke", "--shard", "3/2"}, exitUsage},
		{"bad start-at", []string{"load", "sync-invoke", "--start-at", "noon"}, exitUsage},
		{"relative target", []string{"load", "sync-invoke", "--target", "127.0.0.1:8000"}, exitUsage},
		{"negative procs", []string{"load", "sync-invoke", "--procs", "-1", "--duration", "1s", "--out", dir + "/p"}, exitUsage},
		{"ok", []string{"load", "sync-invoke", "--rate", "40/s", "--duration", "1s", "--progress", "none", "--out", dir + "/ok"}, 0},
		{"threshold", []string{"load", "sync-invoke", "--rate", "20/s", "--duration", "1s", "--progress", "none",
			"--threshold", "p50 < 1us", "--out", dir + "/gate"}, exitThreshold},
		{"start-at in the past", []string{"load", "sync-invoke", "--start-at", "2020-01-01T00:00:00Z", "--duration", "1s", "--out", dir + "/past"}, exitUsage},
		{"fan-out threshold on sync-invoke", []string{"load", "sync-invoke", "--threshold", "fanout.p99 < 1s", "--duration", "1s", "--out", dir + "/f"}, exitUsage},
		{"validation threshold without sampling", []string{"load", "sync-invoke", "--threshold", "validation.violations == 0", "--duration", "1s", "--out", dir + "/v"}, exitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, code := runReportCmd(t, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, c.code, out)
			}
			if c.name == "threshold" && (!strings.Contains(out, "✗  p50 < 1us") || !strings.Contains(out, "p50 < 1us (actual ")) {
				t.Errorf("the summary does not name the failed threshold and its value:\n%s", out)
			}
		})
	}
	if r := readRun(t, dir+"/ok"); r.Requests != 40 || r.SuccessRatio != 1 || r.Scenario != "sync-invoke" {
		t.Errorf("ok run: requests %d success %.3f scenario %q; want 40, 1, sync-invoke", r.Requests, r.SuccessRatio, r.Scenario)
	}
	gate := readRun(t, dir+"/gate")
	if len(gate.Thresholds) != 1 || gate.Thresholds[0].Pass {
		t.Errorf("gate run thresholds = %+v, want one failed", gate.Thresholds)
	}
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "gate.yaml")
	os.WriteFile(cfg, []byte("rate: 30/s\nduration: 1s\nprogress: none\nthresholds:\n  - \"success >= 99%\"\n"), 0o644)
	if out, code := runReportCmd(t, "load", "sync-invoke", "--config", cfg, "--out", dir+"/run"); code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	r := readRun(t, dir+"/run")
	if r.Requests != 30 || len(r.Thresholds) != 1 || !r.Thresholds[0].Pass {
		t.Errorf("requests %d thresholds %+v; want 30 and one passing", r.Requests, r.Thresholds)
	}
	for name, body := range map[string]string{
		"remote.yaml": "target: https://functiongraph.example.com\n",
		"secret.yaml": "token: abc\n",
		"typo.yaml":   "rat: 5/s\n",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if out, code := runReportCmd(t, "load", "sync-invoke", "--config", p, "--out", dir+"/never"); code != exitUsage {
			t.Errorf("%s: exit %d, want %d: %s", name, code, exitUsage, out)
		}
	}
	shipped, _ := filepath.Glob("../../load/scenarios/*.yaml")
	if len(shipped) < 2 {
		t.Fatalf("load/scenarios ships %d files, want a nightly run and a release gate at least", len(shipped))
	}
	for _, sc := range shipped {
		o, err := parseLoadArgs(t, "sync-invoke", "--config", sc)
		if err != nil {
			t.Errorf("%s: %v", sc, err)
			continue
		}
		if o.Duration <= 0 || len(o.Thresholds) == 0 {
			t.Errorf("%s: duration %s, %d thresholds; a shipped scenario should set both", sc, o.Duration, len(o.Thresholds))
		}
	}
}

// parseLoadArgs parses `fgh load SCENARIO args...` into the run it asks for, without running it.
func parseLoadArgs(t *testing.T, scenario string, args ...string) (load.Options, error) {
	t.Helper()
	f := &loadFlags{}
	cmd := newLoadCmdWith(f)
	if err := cmd.ParseFlags(args); err != nil {
		return load.Options{}, err
	}
	return parsedLoadOptions(cmd.Flags(), scenario, f)
}

// TestLoadKeepsSecretsOut runs against an emulator that demands a known
// token, then known AK/SK, and looks for the secrets in every written file and in the output.
func TestLoadKeepsSecretsOut(t *testing.T) {
	const token, ak, sk = "tok-5ecret-7f3a91", "AK5ECRET0C2B", "sk-5ecret-key-e1d0c9b8"
	cfg := emulator.DefaultConfig()
	cfg.Token, cfg.AK, cfg.SK = token, ak, sk
	em, err := emulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go em.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		em.Shutdown(ctx)
	})
	target := "http://" + ln.Addr().String()
	dir := t.TempDir()
	runs := map[string][]string{
		"token": {"--token", token},
		"aksk":  {"--ak", ak, "--sk", sk},
	}
	for name, creds := range runs {
		args := append([]string{"load", "sync-invoke", "--target", target, "--project-id", cfg.ProjectID,
			"--rate", "30/s", "--duration", "1s", "--progress", "plain", "--validate-sample", "50%", "--out", filepath.Join(dir, name)}, creds...)
		stdout, stderr, err := execute(t, args...)
		out := stdout + stderr
		if err != nil {
			t.Fatalf("%s run: %v\n%s", name, err, out)
		}
		if r := readRun(t, filepath.Join(dir, name)); r.Requests != 30 || r.SuccessRatio != 1 || r.Target != target {
			t.Errorf("%s run: requests %d success %.3f target %q", name, r.Requests, r.SuccessRatio, r.Target)
		}
		os.WriteFile(filepath.Join(dir, name+".out"), []byte(out), 0o644)
	}
	files := 0
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{token, ak, sk} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds a secret", path)
			}
		}
		return nil
	})
	if files < 10 {
		t.Errorf("only %d files written; expected each run's report, renderings, results.bin and histograms", files)
	}
}

// TestLoadInterrupted sends SIGINT to a running `fgh load`: it must stop,
// write the report of what ran and exit 130.
func TestLoadInterrupted(t *testing.T) {
	out := t.TempDir()
	cmd := fghProcess(t, nil, "load", "sync-invoke", "--rate", "50/s", "--duration", "60s", "--progress", "none", "--out", out)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stderr)
	started := false
	for lines.Scan() {
		// The banner comes right before the attack starts.
		if strings.HasPrefix(lines.Text(), "fgh load sync-invoke: target http://127.0.0.1:") {
			started = true
			break
		}
	}
	if !started {
		t.Fatal("no start banner (target, rate, duration) on stderr")
	}
	go func() {
		for lines.Scan() {
		}
	}()
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("fgh load did not stop within 30 s of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d (%v), want %d", code, err, exitInterrupted)
	}
	r := readRun(t, out)
	if !r.Interrupted || r.Requests < 25 || r.Requests >= 3000 {
		t.Errorf("interrupted = %v, requests = %d; want true and some of the 3000 due", r.Interrupted, r.Requests)
	}
	if _, err := os.Stat(filepath.Join(out, "results.bin")); err != nil {
		t.Errorf("results.bin not flushed: %v", err)
	}
}

// TestShardProcessesMerge runs three `fgh load --shard i/3` processes with a
// shared --start-at against one `fgh emulator` process and merges them: the
// merged run has the requests of one run at the whole rate, and its
// percentiles are those of the merged shard histograms.
func TestShardProcessesMerge(t *testing.T) {
	const token = "shard-test-token"
	em := fghProcess(t, nil, "emulator", "--listen", "127.0.0.1:0", "--token", token, "--log-level", "warn")
	stdout, err := em.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := em.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		em.Process.Signal(os.Interrupt)
		em.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("emulator did not start: %v", err)
	}
	target := line[strings.Index(line, "http://"):]
	target = strings.TrimSpace(target)

	const shards, rate, seconds = 3, 150, 2
	dir := t.TempDir()
	startAt := time.Now().Add(4 * time.Second).UTC().Format(time.RFC3339Nano)
	procs := make([]*exec.Cmd, shards)
	logs := make([]bytes.Buffer, shards)
	dirs := make([]string, shards)
	for i := range procs {
		dirs[i] = filepath.Join(dir, fmt.Sprintf("shard-%d", i))
		procs[i] = fghProcess(t, []string{"FGH_TOKEN=" + token, "FGH_PROJECT_ID=" + emulator.DefaultProjectID},
			"load", "sync-invoke", "--target", target, "--rate", fmt.Sprintf("%d/s", rate), "--duration", fmt.Sprintf("%ds", seconds),
			"--shard", fmt.Sprintf("%d/%d", i, shards), "--start-at", startAt, "--progress", "none", "--out", dirs[i])
		procs[i].Stderr = &logs[i]
		if err := procs[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, logs[i].String())
		}
	}
	var sum int64
	merged := newHistogramForTest()
	for i, d := range dirs {
		r := readRun(t, d)
		if r.Requests != rate*seconds/shards || r.Attack != fmt.Sprintf("sync-invoke-shard-%d-of-%d", i, shards) {
			t.Errorf("shard %d: %d requests as %q", i, r.Requests, r.Attack)
		}
		sum += r.Requests
		h, err := reports.ReadHistograms(filepath.Join(d, reports.HistogramsFile))
		if err != nil {
			t.Fatal(err)
		}
		merged.Merge(h.Latency)
	}

	out := filepath.Join(dir, "merged")
	if o, code := runReportCmd(t, "report", "merge", dirs[0], dirs[1], dirs[2], "--out", out); code != 0 {
		t.Fatalf("report merge: exit %d\n%s", code, o)
	}
	m := readRun(t, out)
	if m.Requests != sum || m.Requests != rate*seconds || m.Shards != shards || m.RateRPS != rate {
		t.Errorf("merged: %d requests (shards sum %d, one run %d), %d shards, rate %g", m.Requests, sum, rate*seconds, m.Shards, m.RateRPS)
	}
	if m.SuccessRatio != 1 || m.StatusCodes["200"] != sum {
		t.Errorf("merged: success %.3f codes %v", m.SuccessRatio, m.StatusCodes)
	}
	for q, got := range map[float64]float64{50: m.Latency.P50, 99: m.Latency.P99, 100: m.Latency.Max} {
		want := float64(merged.ValueAtQuantile(q)) / 1000
		if q == 100 {
			want = float64(merged.Max()) / 1000
		}
		if math.Abs(got-want) > 0.002*want+0.001 {
			t.Errorf("merged p%g = %.3f ms, the merged shard histograms say %.3f ms", q, got, want)
		}
	}
	if secs := len(m.Series); secs < seconds || secs > seconds+1 {
		t.Errorf("merged series has %d seconds, want %d", secs, seconds)
	}
	var perSecond int64
	for _, s := range m.Series {
		perSecond += s.Count
	}
	if perSecond != sum {
		t.Errorf("merged series counts %d requests, want %d", perSecond, sum)
	}
	data, _ := json.Marshal(m)
	if bytes.Contains(data, []byte(token)) {
		t.Error("merged report holds the token")
	}
}

func newHistogramForTest() *hdr.Histogram { return hdr.New(1, 60_000_000, 3) }

// TestLoadWithoutASuccessExitsOne: answers that are not the documented
// success (errors, redirects, invalid JSON) fail the run even with no threshold.
func TestLoadWithoutASuccessExitsOne(t *testing.T) {
	answers := map[string]func(w http.ResponseWriter){
		"every request 503": func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"error_code":"FSS.0503","error_msg":"busy"}`))
		},
		"every request redirected": func(w http.ResponseWriter) {
			w.Header().Set("Location", "http://127.0.0.1:1/")
			w.WriteHeader(http.StatusTemporaryRedirect)
		},
		"invalid JSON": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"result":`))
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { answer(w) }))
			defer srv.Close()
			out, code := runReportCmd(t, "load", "sync-invoke", "--target", srv.URL, "--project-id", "p", "--token", "t",
				"--function", "urn:fss:r:p:function:default:f:latest", "--rate", "20/s", "--duration", "500ms",
				"--progress", "none", "--out", t.TempDir())
			if code != exitFailed || !strings.Contains(out, "no request succeeded") {
				t.Fatalf("exit %d, want %d saying no request succeeded; output:\n%s", code, exitFailed, out)
			}
		})
	}
}

// TestLoadHTTPSNeedsTrust: an HTTPS target whose certificate no system CA
// signed fails every request, and the run says so in its exit status;
// --cacert with its certificate, or --insecure, lets it through.
func TestLoadHTTPSNeedsTrust(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"result":"ok"}`))
	}))
	defer srv.Close()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"load", "sync-invoke", "--target", srv.URL, "--project-id", "p", "--token", "t",
		"--function", "urn:fss:r:p:function:default:f:latest", "--rate", "20/s", "--duration", "500ms", "--progress", "none"}
	for _, c := range []struct {
		name  string
		extra []string
		code  int
	}{
		{"untrusted", nil, exitFailed},
		{"--cacert", []string{"--cacert", caFile}, 0},
		{"--insecure", []string{"--insecure"}, 0},
	} {
		out, code := runReportCmd(t, append(append(base, "--out", t.TempDir()), c.extra...)...)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d; output:\n%s", c.name, code, c.code, out)
		}
		if c.code == 0 && !strings.Contains(out, "HTTP/1.1 over TLS") {
			t.Errorf("%s: the summary does not name the protocol:\n%s", c.name, out)
		}
	}
}
