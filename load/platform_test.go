package load

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/internal/client"
)

// fakePlatform is a loopback stand-in for a FunctionGraph endpoint: it
// answers invocations, serves an Extension API and fans every invocation out
// to the registered extensions (optionally dropping or duplicating some).
type fakePlatform struct {
	srv     *httptest.Server
	extAPI  *httptest.Server
	invoked atomic.Int64
	seq     atomic.Int64

	mu    sync.Mutex
	exts  []string
	drop  func(n int64, ext int) bool
	dup   func(n int64, ext int) bool
	delay time.Duration
	hc    *http.Client
}

func newFakePlatform(t testing.TB) *fakePlatform {
	t.Helper()
	p := &fakePlatform{hc: NewHTTPClient(64)}
	p.srv = httptest.NewServer(http.HandlerFunc(p.invoke))
	p.extAPI = httptest.NewServer(http.HandlerFunc(p.register))
	t.Cleanup(func() {
		p.srv.Close()
		p.extAPI.Close()
		p.hc.CloseIdleConnections()
	})
	return p
}

// perSecond is the rate of n requests a second.
func perSecond(n int) vegeta.Rate { return vegeta.Rate{Freq: n, Per: time.Second} }

// baseOptions is a sync-invoke run of 2 s at 200/s against p, writing to dir.
func baseOptions(p *fakePlatform, dir string) Options {
	return Options{
		Scenario: ScenarioSyncInvoke,
		Target:   p.target(),
		Function: "urn:fss:cn-north-4:p1:function:default:f:latest",
		Pacing:   Pacing{Rate: perSecond(200)},
		Duration: 2 * time.Second,
		OutDir:   dir,
		Endpoint: p.endpoint(),
	}
}

// fakeRun is baseOptions for a run of d against a new fake platform,
// writing to a temporary directory.
func fakeRun(t testing.TB, d time.Duration) (*fakePlatform, Options) {
	t.Helper()
	p := newFakePlatform(t)
	o := baseOptions(p, t.TempDir())
	o.Duration = d
	return p, o
}

// fakeFanoutRun is a fan-out run of d at 50/s to the given numbers of
// extensions, each on a free port.
func fakeFanoutRun(t testing.TB, d time.Duration, extensions ...int) (*fakePlatform, Options) {
	t.Helper()
	p, o := fakeRun(t, d)
	o.Scenario = ScenarioFanout
	o.Fanout = extensions
	o.ExtensionPort = -1
	o.FanoutGrace = 200 * time.Millisecond
	o.Pacing.Rate = perSecond(50)
	return p, o
}

func (p *fakePlatform) endpoint() *fakeEndpoint {
	api, err := newAPIEndpoint(p.target())
	if err != nil {
		panic(err) // the fake's own target is always complete
	}
	return &fakeEndpoint{apiEndpoint: api.(*apiEndpoint), extAPI: p.extAPI.URL}
}

func (p *fakePlatform) target() client.Target {
	return client.Target{BaseURL: p.srv.URL, ProjectID: "p1", Token: "secret-token"}
}

func (p *fakePlatform) register(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.exts = append(p.exts, r.Header.Get("FunctionGraph-Extension-Address"))
	p.mu.Unlock()
	w.Write([]byte(`{"functionName":"f","functionVersion":"latest"}`))
}

func (p *fakePlatform) invoke(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/invocations") || r.Header.Get("X-Auth-Token") != "secret-token" {
		http.Error(w, `{"error_code":"FSS.0401"}`, http.StatusUnauthorized)
		return
	}
	n := p.invoked.Add(1)
	id := fmt.Sprintf("req-%d", p.seq.Add(1))
	p.mu.Lock()
	exts := append([]string(nil), p.exts...)
	p.mu.Unlock()
	var wg sync.WaitGroup
	for i, addr := range exts {
		if p.drop != nil && p.drop(n, i) {
			continue
		}
		times := 1
		if p.dup != nil && p.dup(n, i) {
			times = 2
		}
		for range times {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"traceId":%q,"invokedFunctionUrn":"urn"}`, id)
				resp, err := p.hc.Post("http://"+addr+"/extension/invoke", "application/json", bytes.NewReader([]byte(body)))
				if err == nil {
					resp.Body.Close()
				}
			}()
		}
	}
	wg.Wait()
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	w.Header().Set("X-Cff-Request-Id", id)
	fmt.Fprintf(w, `{"request_id":%q,"result":"ok","status":200}`, id)
}

// fakeEndpoint prepares nothing: the fake platform needs no function. It
// registers extensions through the client, as a run against the API does.
type fakeEndpoint struct {
	*apiEndpoint
	extAPI  string
	created atomic.Int64
	deleted atomic.Int64
}

func (e *fakeEndpoint) CreateFunction(context.Context, string) (string, error) {
	e.created.Add(1)
	return "urn:fss:cn-north-4:p1:function:default:tmp:latest", nil
}
func (e *fakeEndpoint) DeleteFunction(context.Context, string) error { e.deleted.Add(1); return nil }
func (e *fakeEndpoint) ExtensionAPI(context.Context, string) (string, error) {
	return strings.TrimPrefix(e.extAPI, "http://"), nil
}
