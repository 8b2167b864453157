// Package extapi serves the FunctionGraph Extension API of emulated functions and fans invocations out to their extensions.
package extapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/httpguard"
)

// ErrClosed is returned by Endpoint once the hub is closed.
var ErrClosed = errors.New("extension hub is closed")

// Defaults for zero HubConfig fields; the port range and the extension
// limit default to the documented ones in package fgs.
const (
	DefaultHost            = "127.0.0.1"
	DefaultListenHost      = "127.0.0.1"
	DefaultDeliveryTimeout = 3 * time.Second
	DefaultMaxInFlight     = 1024
	DefaultMaxConns        = 256 // open connections per hub, all its functions' endpoints together
)

// removeGrace bounds how long Remove waits for registrations being answered.
const removeGrace = 2 * time.Second

// HubConfig configures a Hub; zero fields take the defaults above.
type HubConfig struct {
	Host             string        // host extensions must put in FunctionGraph-Extension-Address
	PortMin, PortMax int           // port range extensions may listen on
	MaxExtensions    int           // extensions per function
	ListenHost       string        // where each function's Extension API listens (random port)
	DeliveryTimeout  time.Duration // per /extension/invoke POST, injected delay included
	MaxInFlight      int           // concurrent deliveries per hub; beyond it deliveries are dropped and counted
	// The endpoints' defences against hostile clients (see httpguard): open
	// connections of all endpoints together, and how long a request's
	// headers, then its body, and an idle keep-alive connection may take.
	MaxConns                                int
	HeaderTimeout, BodyTimeout, IdleTimeout time.Duration // zero: httpguard's defaults
	Logger                                  *slog.Logger  // nil: discard
	// Registerer receives the hub's metrics; nil: not registered. Hubs sharing
	// a Registerer share their metrics.
	Registerer prometheus.Registerer
	Client     *http.Client // delivery client; nil: one sized for MaxInFlight loopback connections
}

func (c HubConfig) withDefaults() HubConfig {
	// A port range starting below zero is left for NewHub to warn about.
	if c.PortMin == 0 {
		c.PortMin = fgs.ExtensionPortMin
	}
	if c.PortMax == 0 {
		c.PortMax = fgs.ExtensionPortMax
	}
	orDefault(&c.Host, DefaultHost)
	orDefault(&c.ListenHost, DefaultListenHost)
	orDefault(&c.MaxExtensions, fgs.MaxExtensions)
	orDefault(&c.DeliveryTimeout, DefaultDeliveryTimeout)
	orDefault(&c.MaxInFlight, DefaultMaxInFlight)
	orDefault(&c.MaxConns, DefaultMaxConns)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// orDefault sets an unset (zero, negative or empty) field to d.
func orDefault[T cmp.Ordered](v *T, d T) {
	var zero T
	if *v <= zero {
		*v = d
	}
}

// FunctionInfo is what a function's 200 register response reports.
type FunctionInfo struct{ Name, Version string }

// Stats counts one function's registrations and deliveries. Every delivery
// FanOut starts ends up Delivered, Failed or Dropped; InFlight ones are on their way.
type Stats struct {
	Registered                 int
	Delivered, Failed, Dropped int64
	InFlight                   int64
	PerExtension               []ExtensionStats // in registration order
}

// ExtensionStats counts the deliveries to one extension.
type ExtensionStats struct {
	Name, Address     string
	Delivered, Failed int64
}

// Hub gives every function (by key) its own Extension API endpoint and
// delivers invocation events to the extensions registered there.
//
// Registration refusals answer {"error_code","error_msg"} with the status the
// code names: FSS.0400 (400) for a missing, empty or too long name, an
// address outside Host:PortMin-PortMax, a port another extension of the
// function holds, or a function already holding MaxExtensions (the spec
// answers all of these 400); FSS.0405 (405) for a method other than POST;
// FSS.0404 (404) for any other path. The same name and address again is answered 200 and changes
// nothing; the same name with another free address moves the extension there.
type Hub struct {
	cfg     HubConfig
	rule    addressRule
	log     *slog.Logger
	metrics *metrics
	guard   *httpguard.Guard // every endpoint's connection cap and timeouts
	client  *http.Client
	owned   *http.Transport // the delivery transport when the hub built it
	slots   chan struct{}   // one token per delivery in flight
	delay   atomic.Int64    // injected delay per delivery, in nanoseconds

	// ctx is cancelled when Close stops waiting, cutting off deliveries.
	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.RWMutex
	closed     bool
	endpoints  map[string]*endpoint
	deliveries sync.WaitGroup // Add only under mu with !closed
}

// NewHub returns a Hub with no endpoints running yet.
func NewHub(cfg HubConfig) *Hub {
	cfg = cfg.withDefaults()
	h := &Hub{
		cfg:       cfg,
		rule:      addressRule{host: cfg.Host, portMin: cfg.PortMin, portMax: cfg.PortMax},
		log:       cfg.Logger,
		metrics:   newMetrics(cfg.Registerer, cfg.Logger),
		client:    cfg.Client,
		slots:     make(chan struct{}, cfg.MaxInFlight),
		endpoints: make(map[string]*endpoint),
	}
	h.guard = httpguard.New(httpguard.Config{
		Name: "extension API", MaxConns: cfg.MaxConns, Logger: cfg.Logger, Refused: h.metrics.connsRefused,
		HeaderTimeout: cfg.HeaderTimeout, BodyTimeout: cfg.BodyTimeout, IdleTimeout: cfg.IdleTimeout,
	})
	if h.client == nil {
		h.owned = newDeliveryTransport(cfg)
		h.client = newDeliveryClient(h.owned)
	}
	if cfg.PortMin > cfg.PortMax {
		h.log.Warn("extension port range is empty: every registration will be refused",
			"port_min", cfg.PortMin, "port_max", cfg.PortMax)
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h
}

// Endpoint returns the host:port of key's Extension API (its
// EXTENSION_API_ADDR), starting it on the first call. Later calls update the
// FunctionInfo that register responses report.
func (h *Hub) Endpoint(key string, info FunctionInfo) (string, error) {
	h.mu.RLock()
	e, closed := h.endpoints[key], h.closed
	h.mu.RUnlock()
	if closed {
		return "", fmt.Errorf("extension API for %q: %w", key, ErrClosed)
	}
	if e != nil {
		e.setInfo(info)
		return e.addr, nil
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return "", fmt.Errorf("extension API for %q: %w", key, ErrClosed)
	}
	if e := h.endpoints[key]; e != nil { // started while we waited for the lock
		e.setInfo(info)
		return e.addr, nil
	}
	e, err := startEndpoint(h, key, info)
	if err != nil {
		return "", fmt.Errorf("start extension API for %q: %w", key, err)
	}
	h.endpoints[key] = e
	return e.addr, nil
}

// Remove stops key's Extension API and forgets its registrations and stats.
// Deliveries already on their way finish; a later Endpoint starts afresh.
func (h *Hub) Remove(key string) {
	h.mu.Lock()
	e := h.endpoints[key]
	delete(h.endpoints, key)
	h.mu.Unlock()
	if e == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), removeGrace)
	defer cancel()
	e.stop(ctx)
}

// Stats returns key's counters; an unknown key has all zero.
func (h *Hub) Stats(key string) Stats {
	if e := h.lookup(key); e != nil {
		return e.stats()
	}
	return Stats{}
}

// Extensions returns key's registrations in registration order.
func (h *Hub) Extensions(key string) []Registration {
	if e := h.lookup(key); e != nil {
		return e.registrations()
	}
	return nil
}

// SetExtensionDelay makes every delivery FanOut starts from now on wait d
// before its POST, as a slow extension would; the wait counts against
// DeliveryTimeout and the latency metric. d <= 0 turns the fault off.
func (h *Hub) SetExtensionDelay(d time.Duration) {
	h.delay.Store(int64(max(d, 0)))
}

// Close stops every endpoint and waits for deliveries in flight. When ctx
// ends first it cuts them off (they count as Failed) and returns ctx's error.
// Stats stay readable afterwards; later FanOuts count as Dropped.
// Only the first call does anything.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	eps := make([]*endpoint, 0, len(h.endpoints))
	for _, e := range h.endpoints {
		eps = append(eps, e)
	}
	h.mu.Unlock()

	for _, e := range eps {
		e.stop(ctx)
	}
	done := make(chan struct{})
	go func() {
		h.deliveries.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("close extension hub: cut off %d deliveries still in flight: %w", len(h.slots), ctx.Err())
		h.cancel()
		<-done // each delivery returns promptly once its context is cancelled
	}
	h.cancel()
	if h.owned != nil {
		h.owned.CloseIdleConnections()
	}
	return err
}

func (h *Hub) lookup(key string) *endpoint {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.endpoints[key]
}
