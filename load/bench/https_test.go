package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"runtime"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/load"
)

// BenchmarkHTTPSCPU is the generator's CPU per request over HTTPS at 2,000
// req/s against the bare server with a self-signed certificate: fgharness
// (HTTP/1.1 over TLS on its own client, precise and Go-timer pacing) and
// stock Vegeta's library (its defaults, HTTP/2 when offered), one server,
// one run. The goal: at most 60% of Vegeta's.
func BenchmarkHTTPSCPU(b *testing.B) {
	srv := startServer(b, true)
	const rate, d = 2000, 3 * time.Second
	insecure := &tls.Config{InsecureSkipVerify: true, ClientSessionCache: tls.NewLRUClientSessionCache(64)}
	for _, precise := range []bool{true, false} {
		b.Run(fmt.Sprintf("fgharness-%s", map[bool]string{true: "precise", false: "go-timers"}[precise]), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(load.GeneratorProcs(rate, runtime.GOMAXPROCS(0))))
			conns := load.WorkerCap(rate, 10*time.Second)
			h, err := load.NewInvokeHitter(load.Invocation{BaseURL: srv.URL, ProjectID: "p", FunctionURN: urn, Auth: client.Target{Token: "t"}.Credentials(),
				Body: load.Payload(64), Connections: conns, Timeout: 10 * time.Second, TLS: insecure}, load.NewHTTPClient(conns))
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			for range b.N {
				runtime.GC()
				c0 := cpuTime()
				atk, err := load.NewRunner(h, load.Timeout(10*time.Second), load.PreciseTimers(precise)).Run(context.Background(), vegeta.Rate{Freq: rate, Per: time.Second}, d, "https")
				c1 := cpuTime()
				if err != nil {
					b.Fatal(err)
				}
				rep := atk.Report(load.Pacing{Rate: vegeta.Rate{Freq: rate, Per: time.Second}}, d)
				if rep.Successes != rep.Requests {
					b.Fatalf("%d of %d requests failed: %v", rep.Requests-rep.Successes, rep.Requests, rep.Errors)
				}
				b.ReportMetric(float64((c1-c0).Microseconds())/float64(rep.Requests), "cpu-µs/req")
				b.ReportMetric(rep.SendLag.P50*1000, "lag-p50-µs")
				if rep.Connections != nil {
					b.ReportMetric(float64(rep.Connections.Opened), "conns-opened")
				}
			}
		})
	}
	b.Run("vegeta", func(b *testing.B) {
		for range b.N {
			runtime.GC()
			c0 := cpuTime()
			m := vegetaRun(srv.URL, rate, d, vegeta.TLSConfig(insecure))
			c1 := cpuTime()
			if m.Success < 1 {
				b.Fatalf("success %.3f: %v", m.Success, m.Errors)
			}
			b.ReportMetric(float64((c1-c0).Microseconds())/float64(m.Requests), "cpu-µs/req")
		}
	})
}
