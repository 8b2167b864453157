package extapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/fgharness/fgharness/internal/fgs"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testClient talks to Extension API endpoints without keeping connections,
// so that no client goroutine outlives a test.
var testClient = &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

// waitLimit bounds every wait for something that must happen; reaching it is a failure.
const waitLimit = 10 * time.Second

func newTestHub(t *testing.T, cfg HubConfig) *Hub {
	t.Helper()
	h := NewHub(cfg)
	t.Cleanup(func() {
		if err := h.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

func mustEndpoint(t *testing.T, h *Hub, key string, info FunctionInfo) string {
	t.Helper()
	addr, err := h.Endpoint(key, info)
	if err != nil {
		t.Fatalf("Endpoint(%q): %v", key, err)
	}
	return addr
}

// call sends one request to an Extension API; an empty header value is
// omitted so that "missing" and "empty" are the same case for callers.
func call(t *testing.T, method, url, name, address string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if name != "" {
		req.Header.Set(fgs.HeaderExtensionName, name)
	}
	if address != "" {
		req.Header.Set(fgs.HeaderExtensionAddress, address)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, body
}

func register(t *testing.T, apiAddr, name, address string) (int, []byte) {
	t.Helper()
	status, _, body := call(t, http.MethodPost, "http://"+apiAddr+fgs.ExtensionRegisterPath, name, address)
	return status, body
}

func mustRegister(t *testing.T, apiAddr, name, address string) fgs.ExtensionRegistration {
	t.Helper()
	status, body := register(t, apiAddr, name, address)
	if status != http.StatusOK {
		t.Fatalf("register %s at %s: status %d, body %s", name, address, status, body)
	}
	var resp fgs.ExtensionRegistration
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("register %s: decode %s: %v", name, body, err)
	}
	return resp
}

// waitFor polls cond until it holds, failing the test after waitLimit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", waitLimit, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// freePorts holds n consecutive free loopback ports, found by probing, and
// returns their listeners; holding them means nobody can take a port between
// the probe and the test server that uses it.
func freePorts(t *testing.T, n int) []net.Listener {
	t.Helper()
	for range 64 {
		base := 20000 + rand.IntN(12000-n) // below Linux's ephemeral range
		lns := make([]net.Listener, 0, n)
		for port := base; port < base+n; port++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				break
			}
			lns = append(lns, ln)
		}
		if len(lns) == n {
			return lns
		}
		for _, ln := range lns {
			ln.Close()
		}
	}
	t.Fatalf("found no %d consecutive free ports on 127.0.0.1", n)
	return nil
}

func portOf(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// sink is an extension's HTTP server in a test: it records invoke events
// and, when blocking, holds every request until released.
type sink struct {
	srv     *httptest.Server
	status  int
	block   bool
	release chan struct{}
	once    sync.Once

	mu     sync.Mutex
	events []fgs.ExtensionInvokeEvent
}

func startSink(t *testing.T, ln net.Listener, status int, block bool) *sink {
	t.Helper()
	s := &sink{status: status, block: block, release: make(chan struct{})}
	s.srv = httptest.NewUnstartedServer(s)
	s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	t.Cleanup(func() {
		s.unblock()
		s.srv.Close()
	})
	return s
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != fgs.ExtensionInvokePath {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	var ev fgs.ExtensionInvokeEvent
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
	if s.block {
		select {
		case <-s.release:
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(s.status)
}

func (s *sink) unblock() { s.once.Do(func() { close(s.release) }) }

func (s *sink) received() []fgs.ExtensionInvokeEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]fgs.ExtensionInvokeEvent(nil), s.events...)
}

func (s *sink) addr() string { return s.srv.Listener.Addr().String() }

// metricValue reads one counter or gauge sample from reg.
func metricValue(t *testing.T, reg *prometheus.Registry, name, labelValue string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelValue != "" && (len(m.GetLabel()) != 1 || m.GetLabel()[0].GetValue() != labelValue) {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

func TestEndpointStartsOncePerKey(t *testing.T) {
	h := newTestHub(t, HubConfig{})
	const callers = 16
	addrs := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			addrs[i], _ = h.Endpoint("fn", FunctionInfo{Name: "fn"})
		})
	}
	wg.Wait()
	for i, a := range addrs {
		if a == "" || a != addrs[0] {
			t.Fatalf("caller %d got %q, caller 0 got %q; want one shared address", i, a, addrs[0])
		}
	}
	if other := mustEndpoint(t, h, "other", FunctionInfo{}); other == addrs[0] {
		t.Fatalf("two keys share endpoint %s", other)
	}
}

func TestEndpointUpdatesFunctionInfo(t *testing.T) {
	h := newTestHub(t, HubConfig{})
	api := mustEndpoint(t, h, "fn", FunctionInfo{Name: "hello"})
	if got := mustRegister(t, api, "a.sh", "127.0.0.1:8081"); got.FunctionVersion != "$LATEST" {
		t.Fatalf("version = %q, want $LATEST", got.FunctionVersion)
	}
	if again := mustEndpoint(t, h, "fn", FunctionInfo{Name: "hello", Version: "v2"}); again != api {
		t.Fatalf("second Endpoint moved from %s to %s", api, again)
	}
	if got := mustRegister(t, api, "a.sh", "127.0.0.1:8081"); got.FunctionVersion != "v2" {
		t.Fatalf("version after update = %q, want v2", got.FunctionVersion)
	}
}

func TestRemoveStopsEndpoint(t *testing.T) {
	h := newTestHub(t, HubConfig{})
	api := mustEndpoint(t, h, "fn", FunctionInfo{Name: "fn"})
	mustRegister(t, api, "a.sh", "127.0.0.1:8081")

	h.Remove("fn")

	conn, err := net.Dial("tcp", api)
	if err == nil {
		conn.Close()
		t.Fatalf("dial %s after Remove succeeded, want connection refused", api)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s after Remove: %v, want connection refused", api, err)
	}
	if got := h.Extensions("fn"); len(got) != 0 {
		t.Fatalf("Extensions after Remove = %v, want none", got)
	}
	h.Remove("fn") // a second Remove is a no-op

	fresh := mustEndpoint(t, h, "fn", FunctionInfo{Name: "fn"})
	if got := h.Stats("fn"); got.Registered != 0 {
		t.Fatalf("endpoint %s started after Remove has %d registrations, want 0", fresh, got.Registered)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	h := NewHub(HubConfig{})
	api := mustEndpoint(t, h, "fn", FunctionInfo{})
	if err := h.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := h.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := net.Dial("tcp", api); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s after Close: %v, want connection refused", api, err)
	}
	if _, err := h.Endpoint("new", FunctionInfo{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Endpoint after Close: %v, want ErrClosed", err)
	}
}

func TestHubsShareARegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := newTestHub(t, HubConfig{Registerer: reg})
	b := newTestHub(t, HubConfig{Registerer: reg})
	for _, h := range []*Hub{a, b} {
		api := mustEndpoint(t, h, "fn", FunctionInfo{})
		mustRegister(t, api, "a.sh", "127.0.0.1:8081")
	}
	if got := metricValue(t, reg, "fgharness_extapi_registrations_total", outcomeAccepted); got != 2 {
		t.Fatalf("accepted registrations = %v over two hubs, want 2", got)
	}
}
