package emulator

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The hostile-clients benchmark runs the emulator and the attackers as
// child processes of the test binary (one process cannot hold 20,000
// client sockets and the server's under a 20,000 file limit, and the
// emulator's RSS must be its own). hostileRole tells a child what it is.
const hostileRole = "FGH_HOSTILE_ROLE"

// hostileScenario is one attack: conns connections held by the attackers
// (half idle, half trickling an invocation body at 1 byte per trickle),
// rounds of announced bodies, for dur, with a health check every 100 ms.
type hostileScenario struct {
	conns     int
	attackers int
	announced int   // connections announcing a body of announce bytes, per round
	announce  int64 // bytes
	rounds    int
	trickle   time.Duration
	dur       time.Duration
}

type hostileResult struct {
	peakRSS     int64 // bytes, the emulator's VmHWM
	healthMax   time.Duration
	healthP99   time.Duration
	healthOK    int
	healthFail  int
	openAtPeak  int64 // attacker connections open at once, at most
	firstFailed string
}

// BenchmarkHostileClients is the issue-13 goal: 20,000 idle and trickling
// connections and 40 bodies announced as 64 MB (three rounds) leave the
// emulator under 200 MB RSS with health answering within 100 ms. It reports
// peak_rss_MB, health_max_ms and health_p99_ms; it fails when RSS goes over
// 200 MB or a health check gets no answer within a second.
func BenchmarkHostileClients(b *testing.B) {
	if testing.Short() {
		b.Skip("20,000 connections: not in -short")
	}
	for range b.N {
		res := runHostile(b, hostileScenario{conns: 20000, attackers: 2, announced: 40, announce: 64 << 20, rounds: 3, trickle: 2 * time.Second, dur: 40 * time.Second})
		b.ReportMetric(float64(res.peakRSS)/(1<<20), "peak_rss_MB")
		b.ReportMetric(float64(res.healthMax.Microseconds())/1000, "health_max_ms")
		b.ReportMetric(float64(res.healthP99.Microseconds())/1000, "health_p99_ms")
		b.ReportMetric(float64(res.openAtPeak), "attacker_conns_open_peak")
		b.Logf("peak RSS %d MB; health %d answered, %d failed (%s), p99 %v, max %v; attacker connections open at once: %d",
			res.peakRSS>>20, res.healthOK, res.healthFail, res.firstFailed, res.healthP99, res.healthMax, res.openAtPeak)
		if res.peakRSS > 200<<20 || res.healthFail > 0 {
			b.Errorf("goal missed: peak RSS %d MB (goal < 200), %d health checks unanswered", res.peakRSS>>20, res.healthFail)
		}
	}
}

// TestHostileClientsSmall is the benchmark's small version for make test:
// 1,000 connections and 40 announced 64 MB bodies for a few seconds; the
// bounds are generous (RSS under 200 MB, every health check answered
// within a second).
func TestHostileClientsSmall(t *testing.T) {
	res := runHostile(t, hostileScenario{conns: 1000, attackers: 1, announced: 40, announce: 64 << 20, rounds: 2, trickle: 200 * time.Millisecond, dur: 4 * time.Second})
	t.Logf("peak RSS %d MB; health %d answered, p99 %v, max %v", res.peakRSS>>20, res.healthOK, res.healthP99, res.healthMax)
	if raceEnabled {
		t.Log("the race detector multiplies memory: RSS is not checked")
		res.peakRSS = 0
	}
	if res.peakRSS > 200<<20 || res.healthFail > 0 || res.healthOK == 0 {
		t.Errorf("peak RSS %d MB, health %d answered and %d not (%s)", res.peakRSS>>20, res.healthOK, res.healthFail, res.firstFailed)
	}
}

// TestHostileChild is not a test: it is the body of the child processes.
func TestHostileChild(t *testing.T) {
	switch os.Getenv(hostileRole) {
	case "":
		t.Skip("runs only as a child of the hostile-clients benchmark")
	case "emulator":
		hostileEmulator(t)
	case "attacker":
		hostileAttacker(t)
	}
}

func hostileChild(tb testing.TB, role string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), hostileRole+"="+role), env...)
	cmd.Stderr = os.Stderr
	return cmd
}

// hostileEmulator serves with the default configuration, prints its URL
// and stops when stdin closes.
func hostileEmulator(t *testing.T) {
	if path := os.Getenv("FGH_HOSTILE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	l, err := StartLocal(context.Background(), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(l.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.Close(ctx)
}

// hostileAttacker holds FGH_HOSTILE_CONNS connections to FGH_HOSTILE_ADDR
// until FGH_HOSTILE_UNTIL (Unix ms): even ones idle, odd ones trickling an
// invocation body one byte per FGH_HOSTILE_TRICKLE. A connection the
// emulator closes is opened again a second later. It prints the most
// connections it had open at once.
func hostileAttacker(t *testing.T) {
	addr := os.Getenv("FGH_HOSTILE_ADDR")
	n, _ := strconv.Atoi(os.Getenv("FGH_HOSTILE_CONNS"))
	ms, _ := strconv.ParseInt(os.Getenv("FGH_HOSTILE_UNTIL"), 10, 64)
	trickle, _ := time.ParseDuration(os.Getenv("FGH_HOSTILE_TRICKLE"))
	head := os.Getenv("FGH_HOSTILE_HEAD")
	until := time.UnixMilli(ms)
	var open, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// A ramp over two seconds: a real client pool, not a SYN flood
			// (which the kernel's accept queue, not the emulator, refuses).
			time.Sleep(time.Duration(i) * 2 * time.Second / time.Duration(n))
			for time.Now().Before(until) {
				c, err := net.DialTimeout("tcp", addr, 2*time.Second)
				if err != nil {
					time.Sleep(time.Second)
					continue
				}
				cur := open.Add(1)
				for p := peak.Load(); cur > p && !peak.CompareAndSwap(p, cur); p = peak.Load() {
				}
				_ = c.SetDeadline(until)
				if i%2 == 0 {
					_, _ = io.Copy(io.Discard, c) // idle until the emulator closes it
				} else if _, err := io.WriteString(c, head); err == nil {
					for time.Now().Before(until) {
						time.Sleep(trickle)
						if _, err := c.Write([]byte(" ")); err != nil {
							break
						}
					}
				}
				c.Close()
				open.Add(-1)
				time.Sleep(time.Second)
			}
		})
	}
	wg.Wait()
	fmt.Println(peak.Load())
}

func runHostile(tb testing.TB, sc hostileScenario) hostileResult {
	tb.Helper()
	emu := hostileChild(tb, "emulator")
	stdin, err := emu.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := emu.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := emu.Start(); err != nil {
		tb.Fatal(err)
	}
	defer func() { stdin.Close(); _ = emu.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://127.0.0.1:") {
		tb.Fatalf("emulator child: %q %v", line, err)
	}
	base := strings.TrimSpace(line)
	addr := strings.TrimPrefix(base, "http://")
	cfg := DefaultConfig()
	client := &http.Client{Timeout: 5 * time.Second}
	create := `{"func_name":"target","package":"default","runtime":"Python3.9","timeout":30,"handler":"index.handler","memory_size":128,"code_type":"inline","func_code":{"file":"aW1wb3J0IGpzb24K"}}`
	if status, body := post(client, base+"/v2/"+cfg.ProjectID+"/fgs/functions", cfg.Token, []byte(create)); status != 200 {
		tb.Fatalf("create function: %d %s", status, body)
	}
	client.CloseIdleConnections()
	invoke := "/v2/" + cfg.ProjectID + "/fgs/functions/" + esc("urn:fss:"+cfg.Region+":"+cfg.ProjectID+":function:default:target:latest") + "/invocations"

	start := time.Now()
	until := start.Add(sc.dur)
	var res hostileResult
	var rssMu sync.Mutex
	sample := func() {
		if hwm := procStatusBytes(emu.Process.Pid, "VmHWM:"); hwm > 0 {
			rssMu.Lock()
			res.peakRSS = max(res.peakRSS, hwm)
			rssMu.Unlock()
		}
	}

	var attackers []*exec.Cmd
	var peaks []io.Reader
	for range sc.attackers {
		a := hostileChild(tb, "attacker",
			"FGH_HOSTILE_ADDR="+addr, "FGH_HOSTILE_CONNS="+strconv.Itoa(sc.conns/sc.attackers),
			"FGH_HOSTILE_UNTIL="+strconv.FormatInt(until.UnixMilli(), 10), "FGH_HOSTILE_TRICKLE="+sc.trickle.String(),
			"FGH_HOSTILE_HEAD=POST "+invoke+" HTTP/1.1\r\nHost: x\r\nX-Auth-Token: "+cfg.Token+"\r\nContent-Length: 100000\r\n\r\n{")
		out, err := a.StdoutPipe()
		if err != nil {
			tb.Fatal(err)
		}
		if err := a.Start(); err != nil {
			tb.Fatal(err)
		}
		// The attackers stand in for other machines: at the lowest
		// priority they do not take the emulator's CPU on a small box.
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, a.Process.Pid, 19)
		attackers = append(attackers, a)
		peaks = append(peaks, out)
	}

	// Announced bodies: half on the IAM token route, half with a junk
	// Authorization on invocation, headers only, held open.
	var announced sync.WaitGroup
	announced.Go(func() {
		for round := range sc.rounds {
			var conns []net.Conn
			for i := range sc.announced {
				c, err := net.DialTimeout("tcp", addr, 2*time.Second)
				if err != nil {
					continue
				}
				path, auth := "/v3/auth/tokens", ""
				if i%2 == 1 {
					path, auth = invoke, "Authorization: junk\r\n"
				}
				_, _ = fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n\r\n{", path, auth, sc.announce)
				conns = append(conns, c)
			}
			time.Sleep(sc.dur / time.Duration(2*sc.rounds))
			for _, c := range conns {
				c.Close()
			}
			_ = round
		}
	})

	var lat []time.Duration
	for time.Now().Before(until) {
		sample()
		t0 := time.Now()
		err := healthOnce(base)
		took := time.Since(t0)
		if os.Getenv("FGH_HOSTILE_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "health at %v: %v %v\n", time.Since(start).Round(time.Millisecond), took.Round(time.Microsecond), err)
		}
		if err != nil {
			res.healthFail++
			if res.firstFailed == "" {
				res.firstFailed = fmt.Sprintf("at %v: %v", time.Since(start).Round(time.Millisecond), err)
			}
		} else {
			res.healthOK++
			lat = append(lat, took)
		}
		time.Sleep(max(0, 100*time.Millisecond-took))
	}
	announced.Wait()
	for i, a := range attackers {
		out, _ := io.ReadAll(peaks[i])
		_ = a.Wait()
		res.openAtPeak += lastNumber(string(out))
	}
	sample()
	if len(lat) > 0 {
		slices.Sort(lat)
		res.healthMax = lat[len(lat)-1]
		res.healthP99 = lat[(len(lat)*99)/100]
	}
	return res
}

// healthOnce asks healthz on a fresh connection, as a load balancer does,
// and wants an answer within a second.
func healthOnce(base string) error {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: time.Second}
	resp, err := c.Get(base + "/_fgh/v1/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// procStatusBytes reads a "kB" field of /proc/PID/status, in bytes.
func procStatusBytes(pid int, field string) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for l := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(l, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// lastNumber is the last line of a child's output that is a number (the
// test binary prints PASS after it).
func lastNumber(s string) int64 {
	var n int64
	for l := range strings.Lines(s) {
		if v, err := strconv.ParseInt(strings.TrimSpace(l), 10, 64); err == nil {
			n = v
		}
	}
	return n
}
