package extapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fgharness/fgharness/internal/fgs"
)

const testURN = "urn:fss:cn-north-4:0123456789abcdef:function:default:hello:latest"

// extensionSet is a function with one sink per probed port; the hub accepts
// exactly the probed range.
type extensionSet struct {
	hub   *Hub
	reg   *prometheus.Registry
	api   string
	lns   []net.Listener
	sinks []*sink // nil where the test left the port dead
}

// newExtensionSet probes n free ports and returns a hub allowing just those.
func newExtensionSet(t *testing.T, n int, cfg HubConfig) *extensionSet {
	t.Helper()
	lns := freePorts(t, n)
	reg := prometheus.NewRegistry()
	cfg.PortMin, cfg.PortMax, cfg.Registerer = portOf(lns[0]), portOf(lns[n-1]), reg
	h := newTestHub(t, cfg)
	t.Cleanup(func() {
		for _, ln := range lns {
			ln.Close() // the ones no sink took over; closing twice is harmless
		}
	})
	return &extensionSet{hub: h, reg: reg, api: mustEndpoint(t, h, "fn", FunctionInfo{Name: "hello"}), lns: lns, sinks: make([]*sink, n)}
}

// serve starts a sink on port i and registers it.
func (s *extensionSet) serve(t *testing.T, i, status int, block bool) *sink {
	t.Helper()
	s.sinks[i] = startSink(t, s.lns[i], status, block)
	mustRegister(t, s.api, fmt.Sprintf("ext%d.sh", i), s.sinks[i].addr())
	return s.sinks[i]
}

// dead registers port i with nothing listening on it.
func (s *extensionSet) dead(t *testing.T, i int) {
	t.Helper()
	addr := s.lns[i].Addr().String()
	s.lns[i].Close()
	mustRegister(t, s.api, fmt.Sprintf("ext%d.sh", i), addr)
}

func (s *extensionSet) stats() Stats { return s.hub.Stats("fn") }

// fanOut calls FanOut n times and fails if that does not return promptly:
// FanOut must never wait for an extension.
func (s *extensionSet) fanOut(t *testing.T, n int) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			s.hub.FanOut("fn", traceID(i), testURN)
		}
	}()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatalf("%d FanOut calls still running after %s", n, waitLimit)
	}
}

func traceID(i int) string { return fmt.Sprintf("trace-%04d", i) }

// checkEvents asserts that s received trace-0000..trace-(n-1) exactly once each.
func checkEvents(t *testing.T, name string, s *sink, n int) {
	t.Helper()
	events := s.received()
	seen := make(map[string]int, len(events))
	for _, ev := range events {
		if ev.InvokedFunctionURN != testURN {
			t.Errorf("%s: invokedFunctionUrn = %q, want %q", name, ev.InvokedFunctionURN, testURN)
		}
		seen[ev.TraceID]++
	}
	for i := range n {
		if seen[traceID(i)] != 1 {
			t.Errorf("%s received %s %d times, want once", name, traceID(i), seen[traceID(i)])
		}
	}
	if len(events) != n {
		t.Errorf("%s received %d events, want %d", name, len(events), n)
	}
}

func TestFanOutDeliversOnceToEachExtension(t *testing.T) {
	const exts, invocations = fgs.MaxExtensions, 50
	set := newExtensionSet(t, exts, HubConfig{DeliveryTimeout: time.Hour}) // no clock in the outcome
	for i := range exts {
		set.serve(t, i, http.StatusOK, false)
	}

	set.fanOut(t, invocations)

	waitFor(t, "all deliveries to finish", func() bool {
		st := set.stats()
		return st.Delivered+st.Failed+st.Dropped == exts*invocations && st.InFlight == 0
	})
	st := set.stats()
	if st.Registered != exts || st.Delivered != exts*invocations || st.Failed != 0 || st.Dropped != 0 {
		t.Fatalf("Stats = %+v, want %d registered and %d delivered", st, exts, exts*invocations)
	}
	for i, s := range set.sinks {
		checkEvents(t, fmt.Sprintf("ext%d", i), s, invocations)
		if pe := st.PerExtension[i]; pe.Name != fmt.Sprintf("ext%d.sh", i) || pe.Address != s.addr() || pe.Delivered != invocations || pe.Failed != 0 {
			t.Errorf("PerExtension[%d] = %+v, want ext%d.sh at %s with %d delivered", i, pe, i, s.addr(), invocations)
		}
	}
	if got := metricValue(t, set.reg, "fgharness_extapi_deliveries_total", "delivered"); got != exts*invocations {
		t.Errorf("delivered metric = %v, want %d", got, exts*invocations)
	}
	if got := metricValue(t, set.reg, "fgharness_extapi_delivery_duration_seconds", "delivered"); got != exts*invocations {
		t.Errorf("latency samples = %v, want %d", got, exts*invocations)
	}
	if got := metricValue(t, set.reg, "fgharness_extapi_registrations_total", outcomeAccepted); got != exts {
		t.Errorf("accepted registrations metric = %v, want %d", got, exts)
	}
}

func TestSlowAndDeadExtensionsDoNotHoldUpOthers(t *testing.T) {
	const exts, invocations = fgs.MaxExtensions, 20
	// The slow extension is held on a channel, never by the timeout.
	set := newExtensionSet(t, exts, HubConfig{DeliveryTimeout: time.Hour})
	slow := set.serve(t, 0, http.StatusOK, true)
	set.dead(t, 1)
	for i := 2; i < exts; i++ {
		set.serve(t, i, http.StatusOK, false)
	}

	set.fanOut(t, invocations)

	fast := int64((exts - 2) * invocations)
	waitFor(t, "fast deliveries and dead-port failures", func() bool {
		st := set.stats()
		return st.Delivered == fast && st.Failed == invocations && st.InFlight == invocations
	})
	// Everything else is done while the slow extension still holds every one of its events.
	for i := 2; i < exts; i++ {
		checkEvents(t, fmt.Sprintf("ext%d", i), set.sinks[i], invocations)
	}
	st := set.stats()
	if pe := st.PerExtension[0]; pe.Delivered != 0 || pe.Failed != 0 {
		t.Fatalf("slow extension counted %+v before it answered", pe)
	}
	if pe := st.PerExtension[1]; pe.Failed != invocations || pe.Delivered != 0 {
		t.Fatalf("dead extension = %+v, want %d failed", pe, invocations)
	}
	waitFor(t, "slow extension to receive its events", func() bool { return len(slow.received()) == invocations })

	slow.unblock()

	waitFor(t, "slow deliveries", func() bool {
		st := set.stats()
		return st.Delivered == fast+invocations && st.InFlight == 0
	})
	st = set.stats()
	if st.InFlight != 0 || st.Failed != invocations || st.Dropped != 0 || st.PerExtension[0].Delivered != invocations {
		t.Fatalf("Stats after release = %+v", st)
	}
	checkEvents(t, "slow ext0", slow, invocations)
}

func TestFailuresAreCountedPerExtension(t *testing.T) {
	const invocations = 5
	set := newExtensionSet(t, 4, HubConfig{DeliveryTimeout: time.Hour})
	set.serve(t, 0, http.StatusOK, false)
	set.serve(t, 1, http.StatusInternalServerError, false)
	set.serve(t, 2, http.StatusFound, false) // a redirect is not an accepted event
	set.dead(t, 3)

	set.fanOut(t, invocations)

	waitFor(t, "all deliveries to finish", func() bool {
		st := set.stats()
		return st.Delivered+st.Failed == 4*invocations && st.InFlight == 0
	})
	st := set.stats()
	want := []struct{ delivered, failed int64 }{{invocations, 0}, {0, invocations}, {0, invocations}, {0, invocations}}
	for i, w := range want {
		if pe := st.PerExtension[i]; pe.Delivered != w.delivered || pe.Failed != w.failed {
			t.Errorf("PerExtension[%d] = %+v, want %d delivered, %d failed", i, pe, w.delivered, w.failed)
		}
	}
	if st.Delivered != invocations || st.Failed != 3*invocations {
		t.Errorf("Stats = %+v, want %d delivered and %d failed", st, invocations, 3*invocations)
	}
	if got := metricValue(t, set.reg, "fgharness_extapi_deliveries_total", "failed"); got != 3*invocations {
		t.Errorf("failed metric = %v, want %d", got, 3*invocations)
	}
	checkEvents(t, "answering 500", set.sinks[1], invocations)
	checkEvents(t, "answering 302", set.sinks[2], invocations)
}

func TestDeliveryTimeoutCountsAsFailure(t *testing.T) {
	const invocations = 3
	set := newExtensionSet(t, 1, HubConfig{DeliveryTimeout: 20 * time.Millisecond})
	set.serve(t, 0, http.StatusOK, true) // never answers before the timeout

	set.fanOut(t, invocations)

	waitFor(t, "deliveries to time out", func() bool {
		st := set.stats()
		return st.Failed == invocations && st.InFlight == 0
	})
	if st := set.stats(); st.Delivered != 0 || st.InFlight != 0 || st.PerExtension[0].Failed != invocations {
		t.Fatalf("Stats = %+v, want %d failed", st, invocations)
	}
}

func TestDeliveriesBeyondMaxInFlightAreDropped(t *testing.T) {
	set := newExtensionSet(t, 2, HubConfig{MaxInFlight: 1, DeliveryTimeout: time.Hour})
	held := set.serve(t, 0, http.StatusOK, true)

	set.fanOut(t, 3) // the first takes the only slot, the next two find none

	st := set.stats()
	if st.InFlight != 1 || st.Dropped != 2 {
		t.Fatalf("Stats = %+v, want 1 in flight and 2 dropped", st)
	}
	held.unblock()
	waitFor(t, "the held delivery to free its slot", func() bool {
		st := set.stats()
		return st.Delivered == 1 && st.InFlight == 0
	})

	set.fanOut(t, 1) // the slot is free again
	waitFor(t, "a delivery after the slot freed", func() bool { return set.stats().Delivered == 2 })
	if got := metricValue(t, set.reg, "fgharness_extapi_deliveries_total", "dropped"); got != 2 {
		t.Errorf("dropped metric = %v, want 2", got)
	}
}

func TestFanOutWithoutExtensionsIsNoop(t *testing.T) {
	h := newTestHub(t, HubConfig{})
	h.FanOut("unknown", "t", testURN)
	mustEndpoint(t, h, "empty", FunctionInfo{})
	h.FanOut("empty", "t", testURN)
	for _, key := range []string{"unknown", "empty"} {
		if st := h.Stats(key); st.Delivered+st.Failed+st.Dropped+st.InFlight != 0 {
			t.Errorf("Stats(%q) = %+v, want nothing counted", key, st)
		}
	}
}

func TestFanOutReachesOnlyItsFunction(t *testing.T) {
	set := newExtensionSet(t, 2, HubConfig{DeliveryTimeout: time.Hour})
	mine := set.serve(t, 0, http.StatusOK, false)
	other := startSink(t, set.lns[1], http.StatusOK, false)
	otherAPI := mustEndpoint(t, set.hub, "other", FunctionInfo{Name: "other"})
	mustRegister(t, otherAPI, "ext1.sh", other.addr())

	set.fanOut(t, 3)
	set.hub.FanOut("other", traceID(0), testURN)

	waitFor(t, "deliveries", func() bool {
		return set.stats().Delivered == 3 && set.hub.Stats("other").Delivered == 1
	})
	checkEvents(t, "fn's extension", mine, 3)
	checkEvents(t, "other's extension", other, 1)
}

func TestExtensionDelay(t *testing.T) {
	set := newExtensionSet(t, 1, HubConfig{DeliveryTimeout: 2 * time.Hour})
	s := set.serve(t, 0, http.StatusOK, false)

	set.hub.SetExtensionDelay(time.Hour)
	set.hub.FanOut("fn", "delayed", testURN)
	if st := set.stats(); st.InFlight != 1 {
		t.Fatalf("Stats = %+v, want the delayed delivery in flight", st)
	}
	set.hub.SetExtensionDelay(0)
	set.hub.FanOut("fn", "prompt", testURN)
	waitFor(t, "the undelayed delivery", func() bool { return set.stats().Delivered == 1 })
	if got := s.received(); len(got) != 1 || got[0].TraceID != "prompt" {
		t.Fatalf("extension received %v; want only the undelayed event, the delayed one still waiting", got)
	}

	// Giving up on Close cuts the delayed delivery off and counts it.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := set.hub.Close(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close with a cancelled context = %v, want context.Canceled", err)
	}
	if st := set.stats(); st.InFlight != 0 || st.Failed != 1 || st.Delivered != 1 {
		t.Fatalf("Stats after Close = %+v, want 1 delivered, 1 failed", st)
	}
	if got := len(s.received()); got != 1 {
		t.Fatalf("extension received %d events, want 1", got)
	}
}

func TestCloseWaitsForDeliveriesInFlight(t *testing.T) {
	set := newExtensionSet(t, 1, HubConfig{DeliveryTimeout: time.Hour})
	held := set.serve(t, 0, http.StatusOK, true)
	set.fanOut(t, 1)
	waitFor(t, "the extension to hold the event", func() bool { return len(held.received()) == 1 })

	closed := make(chan error, 1)
	go func() { closed <- set.hub.Close(context.Background()) }()
	// Close cannot finish while the extension holds the event; once the
	// endpoint is gone it has nothing left to do but wait.
	waitFor(t, "Close to stop the endpoint", func() bool {
		c, err := net.Dial("tcp", set.api)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-closed:
		t.Fatalf("Close returned %v while a delivery was in flight", err)
	default:
	}

	held.unblock()

	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatalf("Close still waiting %s after the delivery was released", waitLimit)
	}
	if st := set.stats(); st.Delivered != 1 || st.InFlight != 0 {
		t.Fatalf("Stats after Close = %+v, want the held delivery delivered", st)
	}

	set.hub.FanOut("fn", "after-close", testURN)
	if st := set.stats(); st.Dropped != 1 {
		t.Fatalf("FanOut after Close: Stats = %+v, want it counted as dropped", st)
	}
}
