package load

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/reports"
)

// countingServer answers 200 after delay and counts what it served.
func countingServer(t testing.TB, delay time.Duration) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if delay > 0 {
			time.Sleep(delay)
		}
		w.Header().Set("X-Cff-Request-Id", "req")
		w.Write([]byte(`{"status":200,"result":"ok"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func testHitter(t testing.TB, base string, connections int) *InvokeHitter {
	t.Helper()
	h, err := NewInvokeHitter(Invocation{BaseURL: base, ProjectID: "p", FunctionURN: "urn:fss:r:p:function:default:f:latest", Auth: client.Target{Token: "t"}.Credentials(), Body: Payload(64), Connections: connections, Timeout: 5 * time.Second},
		NewHTTPClient(connections))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRunSendsExactlyTheSchedule(t *testing.T) {
	srv, served := countingServer(t, 0)
	r := NewRunner(testHitter(t, srv.URL, 20))
	atk, err := r.Run(context.Background(), perSecond(200), time.Second, "t")
	if err != nil {
		t.Fatal(err)
	}
	var rep reports.Report
	atk.rec.fillReport(&rep)
	if rep.Requests != 200 || served.Load() != 200 {
		t.Fatalf("requests = %d, served = %d; want 200 each", rep.Requests, served.Load())
	}
	if rep.Successes != 200 || rep.StatusCodes["200"] != 200 {
		t.Fatalf("successes = %d codes = %v", rep.Successes, rep.StatusCodes)
	}
	if len(rep.Series) == 0 || rep.Series[0].AskedRPS != 200 || rep.Series[0].Count != 200 {
		t.Fatalf("series = %+v", rep.Series)
	}
}

// TestNoCoordinatedOmission freezes the server for one second in the middle
// of a 3-second run, with only 10 workers and with the default (Little's law)
// cap. A request due at time s inside the freeze cannot be answered before
// the freeze ends, so the true latency distribution is known analytically:
// to−s for the requests due in the freeze, about zero for the rest. The
// reported p90/p99 must be within 5% of it. (BenchmarkFreeze runs the
// 1,000 req/s × 6 s version.)
func TestNoCoordinatedOmission(t *testing.T) {
	for _, workers := range []int{10, 0} {
		t.Run(fmt.Sprintf("max-workers=%d", workers), func(t *testing.T) { testFreeze(t, workers) })
	}
}

func testFreeze(t *testing.T, workers int) {
	const rate = 50
	var freezeFrom, freezeTo atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UnixNano()
		if from, to := freezeFrom.Load(), freezeTo.Load(); from != 0 && now >= from && now < to {
			time.Sleep(time.Duration(to - now))
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()

	r := NewRunner(testHitter(t, srv.URL, 10), MaxWorkers(workers), Workers(workers),
		OnStart(func(a *Attack) {
			freezeTo.Store(a.Start.Add(2 * time.Second).UnixNano())
			freezeFrom.Store(a.Start.Add(time.Second).UnixNano())
		}))
	atk, err := r.Run(context.Background(), vegeta.Rate{Freq: rate, Per: time.Second}, 3*time.Second, "freeze")
	if err != nil {
		t.Fatal(err)
	}
	var rep reports.Report
	atk.rec.fillReport(&rep)
	if rep.Requests != 3*rate {
		t.Fatalf("requests = %d, want %d", rep.Requests, 3*rate)
	}
	p90, p99 := analyticFreeze(rate, 3*time.Second, time.Second, 2*time.Second)
	within := func(name string, got, want float64) {
		if math.Abs(got-want)/want > 0.05 {
			t.Errorf("%s = %.1f ms, want %.0f ms ± 5%%", name, got, want)
		}
	}
	within("p90", rep.Latency.P90, p90)
	within("p99", rep.Latency.P99, p99)
	if workers > 0 {
		// The freeze held every worker, so most requests of the frozen second left late.
		if rep.LateRequests < rate-15 {
			t.Errorf("late_requests = %d, want most of the %d frozen-second requests", rep.LateRequests, rate)
		}
		// Service time only sees the 10 requests that were inside the server.
		if rep.ServiceTime.P90 > 100 {
			t.Errorf("service p90 = %.1f ms: the backlog should not show on the service clock", rep.ServiceTime.P90)
		}
	} else if rep.ServiceTime.P90 < 0.5*p90 {
		// With enough workers every frozen request was inside the server: both clocks see the freeze.
		t.Errorf("service p90 = %.1f ms with unbounded workers, want near %.0f ms", rep.ServiceTime.P90, p90)
	}
	t.Logf("latency p50/p90/p99 = %.1f/%.1f/%.1f ms; service p90/p99 = %.1f/%.1f ms; late %d",
		rep.Latency.P50, rep.Latency.P90, rep.Latency.P99, rep.ServiceTime.P90, rep.ServiceTime.P99, rep.LateRequests)
}

// analyticFreeze is the p90 and p99 (ms) of a constant-rate schedule against a
// server frozen over [from, to): a request due at s in the freeze waits to−s.
func analyticFreeze(rate int, d, from, to time.Duration) (p90, p99 float64) {
	n := int(d.Seconds()) * rate
	lat := make([]float64, n)
	for i := range lat {
		s := time.Duration(i) * time.Second / time.Duration(rate)
		if s >= from && s < to {
			lat[i] = float64(to-s) / float64(time.Millisecond)
		}
	}
	sort.Float64s(lat)
	at := func(q float64) float64 { return lat[int(math.Ceil(q*float64(n)))-1] }
	return at(0.90), at(0.99)
}
