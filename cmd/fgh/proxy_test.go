package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/framework"
)

// TestProxyCommandExitCodes runs `fgh proxy` as a process in front of an
// in-process emulator, sends one request through it, stops it with SIGINT
// and reads its exit status and reports: 0 when the exchange kept the
// contract, 1 when the emulator (behind a defect) broke it, 0 again when
// an accept file accepts the defect, and 1 with --fail-on-unexercised,
// since one 404 leaves the operation's other statuses unobserved.
func TestProxyCommandExitCodes(t *testing.T) {
	accept := filepath.Join(t.TempDir(), "accept.yaml")
	if err := os.WriteFile(accept, []byte(`accept:
  - {operation: showFunctionConfig, check: error_code, match: {status: 404}, reason: vendor X error codes, expires: 2099-12-31}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	har := filepath.Join(t.TempDir(), "proxy.har")
	for _, c := range []struct {
		name, defect string
		args         []string
		code         int
		says         string
	}{
		{"clean", "", []string{"--har", har}, 0, "HAR: " + har},
		{"defect", "error-code-malformed", nil, exitFailed, ""},
		{"accepted", "error-code-malformed", []string{"--accept", accept}, 0, "accepted: 1 check(s)"},
		{"unexercised", "", []string{"--fail-on-unexercised"}, exitFailed, "not exercised (--fail-on-unexercised): showFunctionConfig 200"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := emulator.DefaultConfig()
			var wrap func(http.Handler) http.Handler
			if c.defect != "" {
				w, closeDefect, _ := framework.WrapDefect(c.defect, cfg.Token)
				t.Cleanup(closeDefect)
				wrap = w
			}
			em, err := emulator.StartTarget(context.Background(), cfg, wrap)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = em.Close(context.Background()) })
			out := t.TempDir()
			cmd := fghProcess(t, nil, append([]string{"proxy", "--upstream", em.URL, "--listen", "127.0.0.1:0", "--out", out}, c.args...)...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			kill := time.AfterFunc(time.Minute, func() { _ = cmd.Process.Kill() })
			defer kill.Stop()
			lines := bufio.NewReader(stdout)
			first, err := lines.ReadString('\n')
			_, addr, ok := strings.Cut(first, "listening on http://")
			addr, _, _ = strings.Cut(addr, ",")
			if err != nil || !ok {
				t.Fatalf("no listening line: %q %v\n%s", first, err, stderr.String())
			}
			// A function that does not exist: a 404 with an error body.
			req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v2/"+cfg.ProjectID+"/fgs/functions/urn:fss:"+cfg.Region+":"+cfg.ProjectID+":function:default:nope:latest/config", nil)
			req.Header.Set("X-Auth-Token", cfg.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			_ = cmd.Process.Signal(os.Interrupt)
			rest, _ := io.ReadAll(lines)
			_ = cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != c.code {
				t.Fatalf("exit status %d, want %d\n%s%s\n%s", code, c.code, first, rest, stderr.String())
			}
			conf, err := reports.ReadConformance(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(rest), c.says) {
				t.Errorf("the output does not say %q:\n%s", c.says, rest)
			}
			if conf.Failed() != (c.code != 0 && c.name != "unexercised") {
				t.Errorf("the report's verdict (failed=%v) disagrees with exit status %d", conf.Failed(), c.code)
			}
			if strings.Contains(stderr.String()+string(rest), cfg.Token) {
				t.Error("the output holds the token")
			}
			if c.name == "clean" {
				data, err := os.ReadFile(har)
				if err != nil || !strings.Contains(string(data), `"showFunctionConfig"`) || strings.Contains(string(data), cfg.Token) {
					t.Errorf("the HAR misses the exchange or holds the token (%v)", err)
				}
			}
		})
	}
}

func TestProxyCommandUsageErrors(t *testing.T) {
	runFGHProcess(t, nil, "proxy", "--upstream", "http://127.0.0.1:1", "--listen", "0.0.0.0:0").expect(t, exitUsage, "--allow-remote")
	runFGHProcess(t, nil, "proxy").expect(t, exitUsage, "--upstream is required")
	runFGHProcess(t, nil, "proxy", "--upstream", "http://127.0.0.1:1/v2").expect(t, exitUsage, "path")
	bad := filepath.Join(t.TempDir(), "accept.yaml")
	if err := os.WriteFile(bad, []byte("accept:\n  - {operation: noSuchOperation, check: status, match: {status: 201}, reason: r, expires: 2099-12-31}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runFGHProcess(t, nil, "proxy", "--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--accept", bad).expect(t, exitUsage, "accept.yaml:2", "noSuchOperation")
}
