package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/load"
	"github.com/fgharness/fgharness/reports"
)

const (
	serverEnv = "FGH_BENCH_BARE_SERVER"
	tlsEnv    = "FGH_BENCH_BARE_TLS"
)

// TestMain turns the test binary into the bare server when asked, so the
// generator's CPU is measured without the server's in the same process.
func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "1" {
		serveBare()
		return
	}
	os.Exit(m.Run())
}

// serveBare answers every request like a sync invocation, prints its address,
// counts requests and exits when stdin closes, printing the count.
func serveBare() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var n atomic.Int64
	body := []byte(`{"request_id":"r","result":"ok","status":200}`)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Cff-Request-Id", "r")
		w.Write(body)
	})
	if os.Getenv(tlsEnv) == "1" {
		// httptest's self-signed certificate; HTTP/2 offered, as a real endpoint would.
		srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: handler}, EnableHTTP2: true}
		srv.StartTLS()
	} else {
		go http.Serve(ln, handler)
	}
	fmt.Println(ln.Addr().String())
	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadString('\n')
		if strings.TrimSpace(line) == "count" {
			fmt.Println(n.Swap(0))
		}
		if err != nil {
			return
		}
	}
}

// bareServer is the child process.
type bareServer struct {
	URL   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

func startBareServer(b *testing.B) *bareServer { return startServer(b, false) }

// startServer starts the bare server, over TLS when https.
func startServer(b *testing.B, https bool) *bareServer {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	if https {
		cmd.Env = append(cmd.Env, tlsEnv+"=1")
	}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &bareServer{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	addr, err := s.out.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	s.URL = map[bool]string{false: "http://", true: "https://"}[https] + strings.TrimSpace(addr)
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	return s
}

// count returns and resets the requests the server answered.
func (s *bareServer) count() int64 {
	fmt.Fprintln(s.stdin, "count")
	line, _ := s.out.ReadString('\n')
	n, _ := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	return n
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// contextSwitches is how often this process's threads gave up a CPU: each is
// a sleep and a later wake-up, the main per-request cost at low rates.
func contextSwitches() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Nvcsw + ru.Nivcsw
}

func peakRSSMB() float64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

const urn = "urn:fss:cn-north-4:p:function:default:bench:latest"

// fghRun runs the harness at rate for d against url with no files.
func fghRun(b *testing.B, url string, rate int, d time.Duration, opts ...func(*load.Runner)) *reports.Report {
	b.Helper()
	conns := load.WorkerCap(float64(rate), 10*time.Second)
	h, err := load.NewInvokeHitter(load.Invocation{BaseURL: url, ProjectID: "p", FunctionURN: urn, Auth: client.Target{Token: "t"}.Credentials(), Body: load.Payload(64),
		Connections: conns, Timeout: 10 * time.Second}, load.NewHTTPClient(conns))
	if err != nil {
		b.Fatal(err)
	}
	r := load.NewRunner(h, append([]func(*load.Runner){load.Timeout(10 * time.Second)}, opts...)...)
	atk, err := r.Run(context.Background(), vegeta.Rate{Freq: rate, Per: time.Second}, d, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return atk.Report(load.Pacing{Rate: vegeta.Rate{Freq: rate, Per: time.Second}}, d)
}

// vegetaRun is the stock Vegeta pipeline: library attacker, Metrics as the reporter.
func vegetaRun(url string, rate int, d time.Duration, opts ...func(*vegeta.Attacker)) vegeta.Metrics {
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "POST", URL: load.InvocationURL(url, "p", urn),
		Body: load.Payload(64), Header: http.Header{"Content-Type": {"application/json"}, "X-Auth-Token": {"t"}}})
	atk := vegeta.NewAttacker(append([]func(*vegeta.Attacker){vegeta.Timeout(10 * time.Second)}, opts...)...)
	var m vegeta.Metrics
	for res := range atk.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, "vegeta") {
		m.Add(res)
	}
	m.Close()
	return m
}

// BenchmarkGeneratorCPU is the generator's CPU per paced request (user+system
// time of this process, the server running in a child) at 2,000, 5,000 and
// 20,000 req/s, for fgharness, for Vegeta's library and for the kernel's
// floor (see kernelFloor) on the same server, in the same minute. System
// time includes the kernel's loopback TCP work done on the sender's behalf,
// and at low rates the per-request goroutine wake-ups dominate; both make the
// figure depend on how idle the machine is. csw/req counts the process's
// context switches per request, the best single predictor of that cost.
func BenchmarkGeneratorCPU(b *testing.B) {
	srv := startBareServer(b)
	const d = 3 * time.Second
	for _, rate := range []int{2000, 5000, 20000} {
		b.Run(fmt.Sprintf("fgharness-%d", rate), func(b *testing.B) {
			// As fgh load does against a --target: scheduler threads sized to the rate.
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(load.GeneratorProcs(float64(rate), runtime.GOMAXPROCS(0))))
			for range b.N {
				runtime.GC()
				c0, s0 := cpuTime(), contextSwitches()
				rep := fghRun(b, srv.URL, rate, d)
				c1, s1 := cpuTime(), contextSwitches()
				b.ReportMetric(float64((c1-c0).Microseconds())/float64(rep.Requests), "cpu-µs/req")
				b.ReportMetric(float64(s1-s0)/float64(rep.Requests), "csw/req")
				b.ReportMetric(rep.AchievedRPS, "achieved-rps")
			}
		})
		b.Run(fmt.Sprintf("vegeta-%d", rate), func(b *testing.B) {
			for range b.N {
				runtime.GC()
				c0, s0 := cpuTime(), contextSwitches()
				m := vegetaRun(srv.URL, rate, d)
				c1, s1 := cpuTime(), contextSwitches()
				b.ReportMetric(float64((c1-c0).Microseconds())/float64(m.Requests), "cpu-µs/req")
				b.ReportMetric(float64(s1-s0)/float64(m.Requests), "csw/req")
				b.ReportMetric(m.Rate, "achieved-rps")
			}
		})
		b.Run(fmt.Sprintf("floor-%d", rate), func(b *testing.B) { kernelFloor(b, srv.URL, rate, d) })
	}
}

// BenchmarkHighRate holds 20,000 req/s for 3 s and reports the achieved
// rate, late requests, the server's count and the goroutine peak.
func BenchmarkHighRate(b *testing.B) {
	srv := startBareServer(b)
	for _, rate := range []int{10_000, 20_000} {
		b.Run(strconv.Itoa(rate), func(b *testing.B) {
			for range b.N {
				srv.count()
				var peak atomic.Int64
				done := make(chan struct{})
				go func() {
					t := time.NewTicker(50 * time.Millisecond)
					defer t.Stop()
					for {
						select {
						case <-done:
							return
						case <-t.C:
							if n := int64(runtime.NumGoroutine()); n > peak.Load() {
								peak.Store(n)
							}
						}
					}
				}()
				rep := fghRun(b, srv.URL, rate, 3*time.Second)
				close(done)
				b.ReportMetric(rep.AchievedRPS, "achieved-rps")
				b.ReportMetric(100*rep.AchievedRPS/float64(rate), "achieved-%")
				b.ReportMetric(float64(rep.LateRequests), "late")
				b.ReportMetric(float64(srv.count()), "served")
				b.ReportMetric(float64(rep.Requests), "requests")
				b.ReportMetric(float64(peak.Load()), "goroutines-peak")
				b.ReportMetric(rep.Latency.P99, "p99-ms")
			}
		})
	}
}

// sustains tells whether a run held its asked rate: achieved within 1%, every request answered and on time.
func sustains(asked, achieved float64, requests, ok, late int64) bool {
	return achieved >= 0.99*asked && ok == requests && float64(late) <= 0.01*float64(requests)
}

// climb returns the highest of rates that held, stopping at the first that did not.
func climb(rates []int, held func(rate int) bool) int {
	best := 0
	for _, r := range rates {
		if !held(r) {
			break
		}
		best = r
	}
	return best
}

// BenchmarkMaxSustainedRate climbs the rate in 2-second steps for the
// harness, stock Vegeta's library and — when FGH_VEGETA names the vegeta
// binary (`load/bench/compare.sh vegeta` installs it) — the stock
// `vegeta attack | vegeta report` pipeline, all against the same bare server
// in the same run. Every generator is judged alike (achieved rate within 1%,
// every due request sent and answered 2xx); fgh-on-time-max-rps also requires
// at most 1% late requests, which Vegeta cannot see in itself.
func BenchmarkMaxSustainedRate(b *testing.B) {
	srv := startBareServer(b)
	rates := []int{2000, 4000, 6000, 8000, 10000, 12000, 14000, 16000, 18000, 20000, 22000, 24000, 27000, 30000, 34000, 38000, 42000, 46000, 50000, 55000, 60000}
	const d = 2 * time.Second
	cli := os.Getenv("FGH_VEGETA")
	for range b.N {
		onTime := 0
		fghMax := climb(rates, func(r int) bool {
			rep := fghRun(b, srv.URL, r, d)
			held := vegetaSustains(r, d, rep.AchievedRPS, uint64(rep.Requests), float64(rep.Successes)/float64(max(1, rep.Requests)))
			if held && sustains(float64(r), rep.AchievedRPS, rep.Requests, rep.Successes, rep.LateRequests) {
				onTime = r
			}
			return held
		})
		libMax := climb(rates, func(r int) bool {
			m := vegetaRun(srv.URL, r, d)
			return vegetaSustains(r, d, m.Rate, m.Requests, m.Success)
		})
		b.ReportMetric(float64(fghMax), "fgh-max-rps")
		b.ReportMetric(float64(onTime), "fgh-on-time-max-rps")
		b.ReportMetric(float64(libMax), "vegeta-lib-max-rps")
		if libMax > 0 {
			b.ReportMetric(float64(fghMax)/float64(libMax), "ratio-lib")
		}
		if cli != "" {
			cliMax := climb(rates, func(r int) bool {
				m := vegetaCLIRun(b, cli, srv.URL, r, d)
				return vegetaSustains(r, d, m.Rate, m.Requests, m.Success)
			})
			b.ReportMetric(float64(cliMax), "vegeta-cli-max-rps")
			if cliMax > 0 {
				b.ReportMetric(float64(fghMax)/float64(cliMax), "ratio-cli")
			}
		}
	}
}

func vegetaSustains(rate int, d time.Duration, achieved float64, requests uint64, success float64) bool {
	due := float64(rate) * d.Seconds()
	return sustains(float64(rate), achieved, int64(requests), int64(math.Round(float64(requests)*success)), 0) && float64(requests) >= 0.99*due
}

// vegetaCLIRun is the stock pipeline, `vegeta attack | vegeta report -type json`,
// with the same request as fghRun and Vegeta's default workers.
func vegetaCLIRun(b *testing.B, vegetaBin, url string, rate int, d time.Duration) vegeta.Metrics {
	b.Helper()
	dir := b.TempDir()
	body := filepath.Join(dir, "body.json")
	targets := filepath.Join(dir, "targets.txt")
	if err := os.WriteFile(body, load.Payload(64), 0o644); err != nil {
		b.Fatal(err)
	}
	t := fmt.Sprintf("POST %s\nContent-Type: application/json\nX-Auth-Token: t\n@%s\n", load.InvocationURL(url, "p", urn), body)
	if err := os.WriteFile(targets, []byte(t), 0o644); err != nil {
		b.Fatal(err)
	}
	pipeline := fmt.Sprintf("%[1]q attack -targets=%[2]q -rate=%[3]d/s -duration=%[4]s -timeout=10s | %[1]q report -type=json", vegetaBin, targets, rate, d)
	out, err := exec.Command("sh", "-c", pipeline).Output()
	if err != nil {
		b.Fatalf("%s: %v", pipeline, err)
	}
	var m vegeta.Metrics
	if err := json.Unmarshal(out, &m); err != nil {
		b.Fatalf("vegeta report: %v: %s", err, out)
	}
	return m
}

// BenchmarkMillionRequests streams 1,000,000 requests (20,000 req/s for 50 s)
// through results.bin and histograms.jsonl and reports the peak RSS. Set
// FGH_BENCH_REQUESTS to run fewer (e.g. 200000) on a busy machine.
func BenchmarkMillionRequests(b *testing.B) {
	total := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("FGH_BENCH_REQUESTS")); err == nil && v > 0 {
		total = v
	}
	srv := startBareServer(b)
	const rate = 20_000
	dir := b.TempDir()
	for range b.N {
		bin, _ := os.Create(dir + "/results.bin")
		hist, _ := os.Create(dir + "/histograms.jsonl")
		rep := fghRun(b, srv.URL, rate, time.Duration(total/rate)*time.Second, load.Output(bin, hist))
		bin.Close()
		hist.Close()
		st, _ := os.Stat(dir + "/results.bin")
		b.ReportMetric(float64(rep.Requests), "requests")
		b.ReportMetric(peakRSSMB(), "peak-rss-MB")
		b.ReportMetric(float64(st.Size())/float64(rep.Requests), "results-bytes/req")
		b.ReportMetric(rep.AchievedRPS, "achieved-rps")
	}
}

// BenchmarkSendLag is how late requests leave (actual minus intended send)
// at 200 and 5,000 req/s against the bare server, pacing on the kernel's
// high-resolution timer (precise, the default on Linux) and on Go timers,
// with the generator's CPU per request for each.
func BenchmarkSendLag(b *testing.B) {
	srv := startBareServer(b)
	const d = 3 * time.Second
	for _, rate := range []int{200, 5000} {
		for _, precise := range []bool{true, false} {
			name := map[bool]string{true: "precise", false: "go-timers"}[precise]
			b.Run(fmt.Sprintf("%s-%d", name, rate), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(load.GeneratorProcs(float64(rate), runtime.GOMAXPROCS(0))))
				for range b.N {
					runtime.GC()
					c0 := cpuTime()
					rep := fghRun(b, srv.URL, rate, d, load.PreciseTimers(precise))
					c1 := cpuTime()
					b.ReportMetric(rep.SendLag.P50*1000, "lag-p50-µs")
					b.ReportMetric(rep.SendLag.P99*1000, "lag-p99-µs")
					b.ReportMetric(rep.SendLag.Max*1000, "lag-max-µs")
					b.ReportMetric(float64((c1-c0).Microseconds())/float64(rep.Requests), "cpu-µs/req")
					b.ReportMetric(float64(rep.LateRequests), "late")
				}
			})
		}
	}
}
