package framework

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/extsink"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
)

// ExtensionEvent is one /extension/invoke delivery an extension server received.
type ExtensionEvent struct {
	TraceID            string `json:"traceId"`
	InvokedFunctionURN string `json:"invokedFunctionUrn"`
	Violations         []spec.Violation
}

// ExtensionServer is one extension's HTTP server (internal/extsink), as an
// extension process would start it before registering; every delivery is
// kept and checked against invokeExtension.
type ExtensionServer struct {
	Address string // 127.0.0.1:PORT, the FunctionGraph-Extension-Address

	spec   *spec.Spec
	srv    *extsink.Server
	mu     sync.Mutex
	events []ExtensionEvent
}

// Events returns what the server received so far.
func (s *ExtensionServer) Events() []ExtensionEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ExtensionEvent(nil), s.events...)
}

// EventsFor counts the deliveries with the given trace ID.
func (s *ExtensionServer) EventsFor(traceID string) []ExtensionEvent {
	var out []ExtensionEvent
	for _, e := range s.Events() {
		if e.TraceID == traceID {
			out = append(out, e)
		}
	}
	return out
}

// StartExtensionServers listens on n consecutive ports from the run's
// extension base port and stops them when the current node's scope ends.
// Every event they receive is validated against invokeExtension.
func StartExtensionServers(n int) []*ExtensionServer {
	GinkgoHelper()
	f := Current()
	var out []*ExtensionServer
	for i := range n {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(f.ExtensionBasePort+i))
		s := &ExtensionServer{spec: f.Spec}
		srv, err := extsink.Start(addr, s.record)
		Expect(err).NotTo(HaveOccurred(), "start extension server on %s (choose another range with --extension-port)", addr)
		s.srv, s.Address = srv, srv.Address
		DeferCleanup(func(ctx SpecContext) { _ = s.srv.Close(ctx) })
		out = append(out, s)
	}
	return out
}

func (s *ExtensionServer) record(d extsink.Delivery) {
	ev := ExtensionEvent{TraceID: d.Event.TraceID, InvokedFunctionURN: d.Event.InvokedFunctionURN}
	if err := json.Unmarshal(d.Body, new(fgs.ExtensionInvokeEvent)); err != nil { // the rest is the spec's to judge
		ev.Violations = append(ev.Violations, spec.Violation{Operation: fgs.OpInvokeExtension, Location: "body",
			Expected: "a JSON object", Actual: fmt.Sprintf("%.80q", d.Body), Message: err.Error()})
	}
	r := d.Request.Clone(d.Request.Context())
	r.Body = io.NopCloser(bytes.NewReader(d.Body))
	ev.Violations = append(ev.Violations, s.spec.ValidateRequest(r, d.Body)...)
	s.mu.Lock()
	s.events = append(s.events, ev)
	s.mu.Unlock()
}

// noExtensionAPI is why extension specs skip against a remote endpoint.
const noExtensionAPI = "the Extension API of a FunctionGraph endpoint is reachable only from inside a function instance; pass --extension-api HOST:PORT to test one that is reachable"

// ExtensionAPIReason says why this run has no Extension API to test, or ""
// when it has one: --extension-api was given, or the target is an fgh
// emulator whose admin API hands out each function's endpoint.
func ExtensionAPIReason(ctx context.Context) string { return Current().NoExtensionAPI(ctx) }

// NoExtensionAPI is ExtensionAPIReason outside a spec.
func (f *Framework) NoExtensionAPI(ctx context.Context) string {
	if f.Config.ExtensionAPI != "" || f.servesAdminAPI(ctx) {
		return ""
	}
	return noExtensionAPI
}

// adminProbe remembers whether the target answered the emulator's health
// check, so a run probes at most once.
var adminProbe struct {
	sync.Mutex
	f      *Framework
	served bool
}

// servesAdminAPI tells whether the target is an fgh emulator: the
// in-process one, or one on a loopback address that answers the emulator's
// health check. Only loopback targets are probed, so a cloud endpoint never
// sees a request for a path FunctionGraph does not have.
func (f *Framework) servesAdminAPI(ctx context.Context) bool {
	if f.Local != nil {
		return true
	}
	adminProbe.Lock()
	defer adminProbe.Unlock()
	if adminProbe.f == f {
		return adminProbe.served
	}
	adminProbe.f, adminProbe.served = f, probeEmulatorHealth(ctx, f.Target)
	return adminProbe.served
}

func probeEmulatorHealth(ctx context.Context, target client.Target) bool {
	if !target.IsLoopback() {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.BaseURL+"/_fgh/v1/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := sideChannelHTTP.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var health struct {
		Status string `json:"status"`
	}
	return resp.StatusCode == http.StatusOK && json.NewDecoder(io.LimitReader(resp.Body, 1<<10)).Decode(&health) == nil && health.Status == "ok"
}

// adminAuthenticate puts the credentials the emulator's admin API accepts
// (the same as its FunctionGraph API) on req.
func (f *Framework) adminAuthenticate(req *http.Request) error {
	if f.Local != nil {
		req.Header.Set("X-Auth-Token", f.Local.AdminToken)
		return nil
	}
	return f.Target.Credentials().Apply(req, nil, time.Now())
}
