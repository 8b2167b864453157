package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestConcurrencyLimitAndDisabled(t *testing.T) {
	te := startTest(t)
	te.createSleeper("slow", "400ms")
	u := esc(te.fnURN("slow"))
	r := te.do("PUT", te.path("/fgs/functions/"+u+"/config"), map[string]any{"func_name": "slow", "runtime": "Python3.9", "timeout": 30,
		"handler": "index.handler", "memory_size": 128, "user_data": `{"FGH_HANDLER":"sleep","FGH_SLEEP":"400ms"}`,
		"strategy_config": map[string]any{"concurrency": 1, "concurrent_num": 1}})
	if r.status != 200 {
		t.Fatalf("update: %s", r.body)
	}
	var wg sync.WaitGroup
	var ok, throttled atomic.Int32
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := te.do("POST", te.path("/fgs/functions/"+u+"/invocations"), `{}`)
			switch r.status {
			case 200:
				ok.Add(1)
			case 429:
				if r.errorCode(t) == codeTooManyRequests {
					throttled.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || throttled.Load() != 3 {
		t.Fatalf("concurrency 1: %d ok, %d throttled", ok.Load(), throttled.Load())
	}
	te.do("PUT", te.path("/fgs/functions/"+u+"/config"), map[string]any{"func_name": "slow", "runtime": "Python3.9", "timeout": 30,
		"handler": "index.handler", "memory_size": 128, "strategy_config": map[string]any{"concurrency": 0}})
	if r := te.do("POST", te.path("/fgs/functions/"+u+"/invocations"), `{}`); r.status != 403 {
		t.Fatalf("disabled function: %d %s", r.status, r.body)
	}
}

func TestTimeoutLargeResultAndVersions(t *testing.T) {
	te := startTest(t)
	te.createFunction("sleepy", map[string]any{"timeout": 3, "user_data": `{"FGH_HANDLER":"sleep","FGH_SLEEP":"10s"}`})
	start := time.Now()
	r := te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN("sleepy"))+"/invocations"), `{}`)
	if took := time.Since(start); took > 5*time.Second || r.header.Get("X-Func-Err-Code") != "FSS.0408" || !strings.Contains(string(r.body), "TimeoutError") {
		t.Fatalf("timeout after %v: %d %s %v", took, r.status, r.body, r.header)
	}
	te.createFunction("big", map[string]any{"user_data": `{"FGH_HANDLER":"large","FGH_RESULT_BYTES":"100000"}`})
	r = te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN("big"))+"/invocations"), `{}`)
	var inv struct{ Result string }
	r.decode(t, &inv)
	if len(inv.Result) != 100000 {
		t.Fatalf("large result is %d bytes", len(inv.Result))
	}
}

func TestRequestVersionV0AnswersText(t *testing.T) {
	te := startTest(t)
	te.strict = false // the spec documents only the JSON (v1) body
	te.createFunction("txt", nil)
	r := te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN("txt"))+"/invocations"), `{"a":1}`, "X-CFF-Request-Version", "v0")
	if r.status != 200 || string(r.body) != `{"a":1}` || r.header.Get("X-Cff-Response-Version") != "v0" || r.header.Get("X-Cff-Request-Id") == "" {
		t.Fatalf("v0: %d %q %v", r.status, r.body, r.header)
	}
}

func TestColdStartAndFaults(t *testing.T) {
	te := startTest(t, func(c *Config) { c.ColdStart = 300 * time.Millisecond })
	te.createFunction("cold", nil)
	u := te.path("/fgs/functions/" + esc(te.fnURN("cold")) + "/invocations")
	start := time.Now()
	te.do("POST", u, `{}`)
	if time.Since(start) < 300*time.Millisecond {
		t.Fatal("first call was not a cold start")
	}
	start = time.Now()
	te.do("POST", u, `{}`)
	if time.Since(start) > 250*time.Millisecond {
		t.Fatal("second call was cold too")
	}

	r := te.do("PUT", "/_fgh/v1/faults", `{"error_rate":1,"error_statuses":[503],"latency":{"distribution":"fixed","value":"50ms"}}`, adminTokenHeader, DefaultAdmin)
	if r.status != 200 {
		t.Fatalf("set faults: %s", r.body)
	}
	start = time.Now()
	r = te.do("POST", u, `{}`)
	if r.status != 503 || r.errorCode(t) != "FSS.0503" || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("injected fault: %d %s", r.status, r.body)
	}
	r = te.do("GET", "/_fgh/v1/faults", nil)
	var f Faults
	r.decode(t, &f)
	if f.ErrorRate != 1 || time.Duration(f.Latency.Value) != 50*time.Millisecond {
		t.Fatalf("faults read back: %s", r.body)
	}
	te.do("PUT", "/_fgh/v1/faults", `{}`, adminTokenHeader, DefaultAdmin)
	if r := te.do("POST", u, `{}`); r.status != 200 {
		t.Fatalf("faults off: %d", r.status)
	}
	for _, dist := range []string{`{"distribution":"uniform","min":"1ms","max":"2ms"}`, `{"distribution":"normal","mean":"1ms","stddev":"1ms"}`, `{"distribution":"lognormal","mu":0,"sigma":0.1}`} {
		f, err := parseFaults([]byte(`{"latency":` + dist + `}`))
		if err != nil || f.Latency.sample() < 0 || f.Latency.sample() > time.Second {
			t.Errorf("%s: %v", dist, err)
		}
	}
}

// freePort finds a loopback port for an extension sink.
func freePort(t *testing.T) (net.Listener, int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, ln.Addr().(*net.TCPAddr).Port
}

func TestExtensionFanOut(t *testing.T) {
	ln, port := freePort(t)
	var got atomic.Int32
	var lastURN atomic.Value
	sink := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			TraceID string `json:"traceId"`
			URN     string `json:"invokedFunctionUrn"`
		}
		_ = json.NewDecoder(r.Body).Decode(&ev)
		lastURN.Store(ev.URN)
		got.Add(1)
	})}
	go func() { _ = sink.Serve(ln) }()
	defer sink.Close()

	te := startTest(t, func(c *Config) { c.ExtensionPortMin, c.ExtensionPortMax = port, port })
	te.createFunction("extended", nil)
	r := te.do("GET", "/_fgh/v1/functions/"+esc(te.fnURN("extended"))+"/extension-api", nil)
	var ep struct{ Address string }
	r.decode(t, &ep)
	if r.status != 200 || ep.Address == "" {
		t.Fatalf("extension-api: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest("POST", "http://"+ep.Address+"/extension/register", nil)
	req.Header.Set("FunctionGraph-Extension-Name", "sink.sh")
	req.Header.Set("FunctionGraph-Extension-Address", "127.0.0.1:"+strconv.Itoa(port))
	resp, err := te.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("register: %d %s", resp.StatusCode, body)
	}
	te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN("extended"))+"/invocations"), `{}`)
	deadline := time.Now().Add(3 * time.Second)
	for got.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got.Load() != 1 || lastURN.Load() != te.fnURN("extended") {
		t.Fatalf("deliveries %d, urn %v", got.Load(), lastURN.Load())
	}
	// The sink counts before it answers; the hub counts once it has the answer.
	stats := func() string {
		return string(te.do("GET", "/_fgh/v1/functions/"+esc(te.fnURN("extended"))+"/extensions", nil).body)
	}
	if !waitFor(func() bool { return strings.Contains(stats(), `"delivered":1,`) }) {
		t.Fatalf("stats: %s", stats())
	}
	te.do("DELETE", te.path("/fgs/functions/"+esc(te.fnURN("extended"))), nil)
	if _, err := net.DialTimeout("tcp", ep.Address, time.Second); err == nil {
		t.Fatal("extension API still listening after the function was deleted")
	}
}

func TestNoGoroutineLeftAfterShutdown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := DefaultConfig()
	cfg.TimerSpeedup = 600 // the "1m" timer below fires every 100 ms
	l, err := StartLocal(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{}
	base := l.URL + "/v2/" + l.Config.ProjectID + "/fgs/"
	post(client, base+"functions", l.Config.Token, []byte(`{"func_name":"f","package":"default","runtime":"Go1.x","timeout":30,"handler":"main.h","memory_size":128,"user_data":"{\"FGH_HANDLER\":\"sleep\",\"FGH_SLEEP\":\"200ms\"}"}`))
	u := esc("urn:fss:" + l.Config.Region + ":" + l.Config.ProjectID + ":function:default:f:latest")
	post(client, base+"triggers/"+u, l.Config.Token, []byte(`{"trigger_type_code":"TIMER","event_data":{"name":"t","schedule_type":"Rate","schedule":"1m"}}`))
	for range 5 {
		if s, b := post(client, base+"functions/"+u+"/invocations-async", l.Config.Token, []byte(`{}`)); s != 202 {
			t.Fatalf("async: %d %s", s, b)
		}
	}
	req, _ := http.NewRequest("GET", l.URL+"/_fgh/v1/functions/"+u+"/extension-api", nil)
	req.Header.Set("X-Auth-Token", l.Config.Token)
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
	}
	client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Error("Shutdown did not wait for the queued async invocations")
	}
	var fired int64
	for _, f := range l.Emulator.store.functions {
		fired = f.rt.counts.count.Load()
	}
	if fired < 5 {
		t.Errorf("only %d of 5 async invocations ran before Shutdown returned", fired)
	}
}
