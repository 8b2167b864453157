package bench

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/load"
)

// BenchmarkClientCPU is the CPU per request of the HTTP/1.1 client alone:
// the generator's own (the fast path of load.InvokeHitter) against
// github.com/valyala/fasthttp (bombardier's client), each sending the same
// invocation in a closed loop from 8 goroutines over 8 kept-alive
// connections to the bare server in a child process, one P. The hand-written
// client stays only while it is at least 20% cheaper (issue 12).
func BenchmarkClientCPU(b *testing.B) {
	srv := startBareServer(b)
	const requests, conns = 40_000, 8
	url := load.InvocationURL(srv.URL, "p", urn)
	body := load.Payload(64)
	run := func(b *testing.B, do func() bool) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		for range b.N {
			runtime.GC()
			var left atomic.Int64
			left.Store(requests)
			var failed atomic.Int64
			var wg sync.WaitGroup
			c0, began := cpuTime(), time.Now()
			for range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for left.Add(-1) >= 0 {
						if !do() {
							failed.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			c1, took := cpuTime(), time.Since(began)
			if failed.Load() > 0 {
				b.Fatalf("%d of %d requests failed", failed.Load(), requests)
			}
			b.ReportMetric(float64((c1-c0).Nanoseconds())/1000/requests, "cpu-µs/req")
			b.ReportMetric(requests/took.Seconds(), "req/s")
		}
	}
	b.Run("fgharness", func(b *testing.B) {
		h, err := load.NewInvokeHitter(load.Invocation{BaseURL: srv.URL, ProjectID: "p", FunctionURN: urn,
			Auth: client.Target{Token: "t"}.Credentials(), Body: body, Connections: conns, Timeout: 10 * time.Second}, load.NewHTTPClient(conns))
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		start := time.Now()
		run(b, func() bool {
			var res load.Result
			h.Hit(context.Background(), start, &res)
			return res.Success()
		})
	})
	b.Run("fasthttp", func(b *testing.B) {
		c := &fasthttp.Client{MaxConnsPerHost: conns, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
		run(b, func() bool {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(url)
			req.Header.SetMethod(http.MethodPost)
			req.Header.SetContentType("application/json")
			req.Header.Set("X-Auth-Token", "t")
			req.Header.Set("X-Project-Id", "p")
			req.SetBodyRaw(body)
			if err := c.DoTimeout(req, resp, 10*time.Second); err != nil {
				return false
			}
			return resp.StatusCode() == http.StatusOK && len(resp.Body()) > 0
		})
	})
}
