package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/fgharness/fgharness/load"
	"github.com/fgharness/fgharness/reports"
)

// BenchmarkBombardier runs stock bombardier (FGH_BOMBARDIER names its
// binary) and `fgh load` (FGH_BIN) as child processes against the same bare
// loopback server, one after the other: at the same asked rate with the same
// connection cap (open loop for fgh, with its precise pacer and with Go
// timers; bombardier's --rate is a token bucket in front of its closed-loop
// connections), the same over HTTPS at 2,000 req/s (HTTP/1.1 over TLS for
// both, then HTTP/2 through net/http for both: --http2), and
// bombardier alone closed-loop over 64 connections (its highest rate; fgh's
// is BenchmarkMaxSustainedRate's).
// Each tool reports its achieved rate and its own latency percentiles; CPU
// per request is the child's user+system time, start-up and report writing
// included, so each tool's fixed cost is measured too (one request).
// `load/bench/compare.sh bombardier` installs bombardier, builds fgh and
// runs it; without both variables it is skipped.
func BenchmarkBombardier(b *testing.B) {
	bomb, fgh := os.Getenv("FGH_BOMBARDIER"), os.Getenv("FGH_BIN")
	if bomb == "" || fgh == "" {
		b.Skip("FGH_BOMBARDIER and FGH_BIN unset: run `make bench-bombardier`")
	}
	srv := startBareServer(b)
	const d, conns = 5 * time.Second, 64
	b.Run("fixed-cost", func(b *testing.B) {
		for range b.N {
			bm := runBombardier(b, bomb, srv.URL, "-n", "1", "-c", "1")
			fm := runFGH(b, fgh, srv.URL, "--max-requests", "1", "--rate", "1/s", "--duration", "1s")
			b.ReportMetric(float64(bm.cpu.Microseconds())/1000, "bombardier-cpu-ms")
			b.ReportMetric(float64(fm.cpu.Microseconds())/1000, "fgh-cpu-ms")
		}
	})
	for _, tc := range []struct{ rate, conns int }{{2000, conns}, {10000, conns}, {20000, conns}, {2000, 1}} {
		b.Run(fmt.Sprintf("rate-%d-c%d", tc.rate, tc.conns), func(b *testing.B) {
			for range b.N {
				c := strconv.Itoa(tc.conns)
				bm := runBombardier(b, bomb, srv.URL, "-r", strconv.Itoa(tc.rate), "-c", c, "-d", d.String())
				fghArgs := []string{"--rate", fmt.Sprintf("%d/s", tc.rate), "--duration", d.String(), "--connections", c}
				fm := runFGH(b, fgh, srv.URL, fghArgs...)
				gm := runFGH(b, fgh, srv.URL, append(fghArgs, "--go-timers")...)
				bm.report(b, "bombardier")
				fm.report(b, "fgh")
				gm.report(b, "fgh-go-timers")
			}
		})
	}
	tlsSrv := startServer(b, true) // self-signed: neither tool verifies it; offers HTTP/2
	for _, h2 := range []bool{false, true} {
		name, bombArgs, fghArgs := "https", []string{"-k"}, []string{"--insecure"}
		if h2 { // both through net/http with HTTP/2
			name, bombArgs, fghArgs = "h2", append(bombArgs, "--http2"), append(fghArgs, "--http2")
		}
		b.Run(fmt.Sprintf("%s-2000-c%d", name, conns), func(b *testing.B) {
			for range b.N {
				c := strconv.Itoa(conns)
				bm := runBombardier(b, bomb, tlsSrv.URL, append(bombArgs, "-r", "2000", "-c", c, "-d", d.String())...)
				fm := runFGH(b, fgh, tlsSrv.URL, append(fghArgs, "--rate", "2000/s", "--duration", d.String(), "--connections", c)...)
				bm.report(b, "bombardier")
				fm.report(b, "fgh")
			}
		})
	}
	b.Run(fmt.Sprintf("closed-c%d", conns), func(b *testing.B) {
		for range b.N {
			runBombardier(b, bomb, srv.URL, "-c", strconv.Itoa(conns), "-d", d.String()).report(b, "bombardier")
		}
	})
}

// toolRun is what one tool reported about one run, in microseconds, with its process's CPU time.
type toolRun struct {
	requests           int64
	ok                 int64
	rps                float64
	p50, p90, p99, max float64
	// service is fgh's p50/p99 from the actual send (bombardier measures only from there).
	serviceP50, serviceP99 float64
	latePct                float64 // fgh's requests sent later than its lateness budget
	cpu                    time.Duration
}

func (t toolRun) report(b *testing.B, tool string) {
	if t.ok != t.requests || t.requests == 0 {
		b.Errorf("%s: %d of %d requests succeeded", tool, t.ok, t.requests)
	}
	b.ReportMetric(t.rps, tool+"-rps")
	b.ReportMetric(t.p50, tool+"-p50-µs")
	b.ReportMetric(t.p90, tool+"-p90-µs")
	b.ReportMetric(t.p99, tool+"-p99-µs")
	b.ReportMetric(t.max, tool+"-max-µs")
	if t.serviceP50 > 0 {
		b.ReportMetric(t.serviceP50, tool+"-service-p50-µs")
		b.ReportMetric(t.serviceP99, tool+"-service-p99-µs")
		b.ReportMetric(t.latePct, tool+"-late-%")
	}
	b.ReportMetric(float64(t.cpu.Nanoseconds())/1000/float64(max(1, t.requests)), tool+"-cpu-µs/req")
}

// runChild runs a tool to the end and returns its output and CPU time.
func runChild(b *testing.B, name string, args ...string) ([]byte, time.Duration) {
	b.Helper()
	cmd := exec.Command(name, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if cmd.ProcessState == nil {
		b.Fatalf("%s: %v", name, err)
	}
	if err != nil {
		b.Logf("%s exited with %v: %s", filepath.Base(name), err, errOut.Bytes())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return out.Bytes(), time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runBombardier sends the same invocation as fgh with bombardier's defaults (fasthttp) plus args.
func runBombardier(b *testing.B, bin, url string, args ...string) toolRun {
	b.Helper()
	args = append([]string{"-m", "POST", "-b", string(load.Payload(64)), "-H", "Content-Type: application/json", "-H", "X-Auth-Token: t",
		"-H", "X-Project-Id: p", "-t", "10s", "-l", "-p", "r", "-o", "j"}, args...)
	out, cpu := runChild(b, bin, append(args, load.InvocationURL(url, "p", urn))...)
	var rep struct {
		Result struct {
			TimeTakenSeconds                       float64
			Req1xx, Req2xx, Req3xx, Req4xx, Req5xx int64
			Others                                 int64
			Latency                                struct {
				Max         float64
				Percentiles map[string]float64
			}
		}
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		b.Fatalf("bombardier output: %v: %s", err, out)
	}
	r := rep.Result
	t := toolRun{ok: r.Req2xx, requests: r.Req1xx + r.Req2xx + r.Req3xx + r.Req4xx + r.Req5xx + r.Others, cpu: cpu,
		p50: r.Latency.Percentiles["50"], p90: r.Latency.Percentiles["90"], p99: r.Latency.Percentiles["99"], max: r.Latency.Max}
	if r.TimeTakenSeconds > 0 {
		t.rps = float64(t.requests) / r.TimeTakenSeconds
	}
	return t
}

// runFGH runs `fgh load sync-invoke` against url with args and reads its report.json.
func runFGH(b *testing.B, bin, url string, args ...string) toolRun {
	b.Helper()
	dir := b.TempDir()
	args = append([]string{"load", "sync-invoke", "--target", url, "--project-id", "p", "--token", "t", "--function", urn,
		"--payload-size", "64B", "--timeout", "10s", "--progress", "none", "--out", dir}, args...)
	_, cpu := runChild(b, bin, args...)
	rep, err := reports.ReadReport(dir)
	if err != nil {
		b.Fatalf("fgh load: %v", err)
	}
	return toolRun{requests: rep.Requests + rep.DroppedRequests, ok: rep.Successes, rps: rep.AchievedRPS, cpu: cpu,
		p50: 1000 * rep.Latency.P50, p90: 1000 * rep.Latency.P90, p99: 1000 * rep.Latency.P99, max: 1000 * rep.Latency.Max,
		serviceP50: 1000 * rep.ServiceTime.P50, serviceP99: 1000 * rep.ServiceTime.P99,
		latePct: 100 * float64(rep.LateRequests) / float64(max(1, rep.Requests+rep.DroppedRequests))}
}
