package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
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
// contract, 1 when the emulator (behind a defect) broke it.
func TestProxyCommandExitCodes(t *testing.T) {
	for _, c := range []struct {
		defect string
		code   int
	}{{"", 0}, {"error-code-malformed", exitFailed}} {
		t.Run("defect="+c.defect, func(t *testing.T) {
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
			cmd := fghProcess(t, nil, "proxy", "--upstream", em.URL, "--listen", "127.0.0.1:0", "--out", out)
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
			if conf.Failed() != (c.code != 0) {
				t.Errorf("the report's verdict (failed=%v) disagrees with exit status %d", conf.Failed(), c.code)
			}
			if strings.Contains(stderr.String()+string(rest), cfg.Token) {
				t.Error("the output holds the token")
			}
		})
	}
}

func TestProxyCommandUsageErrors(t *testing.T) {
	runFGHProcess(t, nil, "proxy", "--upstream", "http://127.0.0.1:1", "--listen", "0.0.0.0:0").expect(t, exitUsage, "--allow-remote")
	runFGHProcess(t, nil, "proxy").expect(t, exitUsage, "--upstream is required")
	runFGHProcess(t, nil, "proxy", "--upstream", "http://127.0.0.1:1/v2").expect(t, exitUsage, "path")
}
