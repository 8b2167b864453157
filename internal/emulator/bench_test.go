package emulator

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkInvokeVsBare compares sync invocation of the default echo
// function (token auth) with a bare net/http handler answering a body of
// the same size, both driven by the same load generator in the same run.
// ns/op is the emulator's; "ratio" is emulator req/s over bare req/s, the
// median over alternating rounds (the goal is at least 0.6).
func BenchmarkInvokeVsBare(b *testing.B) {
	l, err := StartLocal(context.Background(), DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(context.Background())
	event := []byte(`{"message":"hello from the benchmark","n":12345}`)
	cfg := l.Config
	fnURN := "urn:fss:" + cfg.Region + ":" + cfg.ProjectID + ":function:default:bench:latest"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	defer client.CloseIdleConnections()
	create := `{"func_name":"bench","package":"default","runtime":"Go1.x","timeout":30,"handler":"main.handler","memory_size":128}`
	if status, _ := post(client, l.URL+"/v2/"+cfg.ProjectID+"/fgs/functions", cfg.Token, []byte(create)); status != 200 {
		b.Fatalf("create function: %d", status)
	}
	invokeURL := l.URL + "/v2/" + cfg.ProjectID + "/fgs/functions/" + esc(fnURN) + "/invocations"
	status, sample := post(client, invokeURL, cfg.Token, event)
	if status != 200 {
		b.Fatalf("invoke: %d %s", status, sample)
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(sample)
	}))
	defer bare.Close()

	// Short rounds, alternating which side goes first, and the median of the
	// per-round ratios: on a shared machine the background load drifts, and
	// two long back-to-back measurements would compare different machines.
	workers := 4 * runtime.GOMAXPROCS(0)
	const rounds, perRound = 7, 1500
	var ratios, bareRates, emuRates []float64
	for i := range rounds {
		var bareRate, emuRate float64
		if i%2 == 0 {
			bareRate = loadRate(client, bare.URL+"/", cfg.Token, event, workers, perRound)
			emuRate = loadRate(client, invokeURL, cfg.Token, event, workers, perRound)
		} else {
			emuRate = loadRate(client, invokeURL, cfg.Token, event, workers, perRound)
			bareRate = loadRate(client, bare.URL+"/", cfg.Token, event, workers, perRound)
		}
		ratios, bareRates, emuRates = append(ratios, emuRate/bareRate), append(bareRates, bareRate), append(emuRates, emuRate)
	}

	b.ResetTimer()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if s, _ := post(client, invokeURL, cfg.Token, event); s != 200 {
				b.Errorf("invoke: %d", s)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(median(emuRates), "emulator-req/s")
	b.ReportMetric(median(bareRates), "bare-req/s")
	b.ReportMetric(median(ratios), "ratio")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// loadRate sends n requests from workers goroutines and returns requests per second.
func loadRate(client *http.Client, url, token string, body []byte, workers, n int) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				post(client, url, token, body)
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

func post(client *http.Client, url, token string, body []byte) (int, []byte) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, got
}
