// Package emulator is an in-memory FunctionGraph endpoint: the operations of spec/, served from a store, with built-in function behaviours, real auth checks, extension fan-out and injectable faults.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fgharness/fgharness/internal/emulator/extapi"
	"github.com/fgharness/fgharness/internal/httpguard"
	"github.com/fgharness/fgharness/spec"
)

// Emulator is one in-memory FunctionGraph endpoint. It is safe for
// concurrent use; Shutdown stops it for good.
type Emulator struct {
	cfg     Config
	spec    *spec.Spec
	log     *slog.Logger
	handler http.Handler
	routes  map[string]*route // by operationId
	reg     *prometheus.Registry
	metrics *serverMetrics
	hub     *extapi.Hub
	store   *store
	faults  atomic.Pointer[faultState]
	tokens  sync.Map // IAM-issued token → expiry (time.Time)

	bgMu     sync.RWMutex
	bgClosed bool           // no new background work once Shutdown began
	bg       sync.WaitGroup // async invocations and timer triggers
	asyncSem chan struct{}
	pending  atomic.Int64 // async invocations accepted and not finished
	done     chan struct{}
	closing  atomic.Bool

	srvMu sync.Mutex
	srv   *http.Server
	conns *httpguard.Guard // the connection cap and timeouts Serve applies
}

// New builds an emulator from cfg (unset tunables take DefaultConfig's
// values). It starts no goroutine and opens no port until Serve, timer
// triggers or the first Extension API endpoint need one.
func New(cfg Config) (*Emulator, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("emulator config: %w", err)
	}
	sp, err := spec.Load()
	if err != nil {
		return nil, fmt.Errorf("emulator: load spec: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Emulator{
		cfg:      cfg,
		spec:     sp,
		log:      log,
		reg:      prometheus.NewRegistry(),
		store:    newStore(),
		asyncSem: make(chan struct{}, cfg.AsyncConcurrency),
		done:     make(chan struct{}),
	}
	e.metrics = newServerMetrics(e.reg)
	e.conns = newConnGuard(cfg, log, e.reg)
	e.registerRuntimeMetrics()
	e.hub = extapi.NewHub(extapi.HubConfig{
		Host: cfg.ExtensionHost, PortMin: cfg.ExtensionPortMin, PortMax: cfg.ExtensionPortMax,
		MaxExtensions: cfg.MaxExtensions, ListenHost: cfg.ExtensionHost,
		DeliveryTimeout: cfg.ExtensionDeliveryTimeout, Logger: log, Registerer: e.reg,
		HeaderTimeout: cfg.HeaderTimeout, BodyTimeout: cfg.BodyTimeout, IdleTimeout: cfg.ConnIdleTimeout,
	})
	if err := e.setFaults(cfg.Faults); err != nil {
		return nil, err
	}
	seedDependencies(e.store, cfg)
	e.handler = e.buildRouter()
	return e, nil
}

// Handler is the emulator's whole HTTP surface: the FunctionGraph and IAM
// operations, /_fgh/v1/ admin endpoints and /metrics.
func (e *Emulator) Handler() http.Handler { return e.handler }

// Serve answers on ln until Shutdown. It returns http.ErrServerClosed after
// a clean Shutdown, like http.Server.Serve.
func (e *Emulator) Serve(ln net.Listener) error {
	e.srvMu.Lock()
	if e.closing.Load() {
		e.srvMu.Unlock()
		return http.ErrServerClosed
	}
	if e.srv != nil {
		e.srvMu.Unlock()
		return errors.New("emulator: Serve called twice")
	}
	e.srv = e.conns.Server(e.handler)
	srv := e.srv
	e.srvMu.Unlock()
	e.log.Info("fgh emulator serving", "address", ln.Addr().String(), "max_conns", e.cfg.MaxConns)
	return e.conns.Serve(srv, ln)
}

// Shutdown stops accepting requests, waits for in-flight requests, async
// invocations and extension deliveries, stops timer triggers and closes
// every Extension API endpoint. When ctx ends first it cuts the rest off
// and returns ctx's error.
func (e *Emulator) Shutdown(ctx context.Context) error {
	if !e.closing.CompareAndSwap(false, true) {
		return nil
	}
	var errs []error
	e.srvMu.Lock()
	srv := e.srv
	e.srvMu.Unlock()
	if srv != nil {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop HTTP server: %w", err))
			_ = srv.Close()
		}
	}
	e.bgMu.Lock()
	e.bgClosed = true
	e.bgMu.Unlock()
	close(e.done) // timer triggers stop; queued async invocations still run
	waited := make(chan struct{})
	go func() { e.bg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("drain async invocations: %w", ctx.Err()))
		<-waited // each one ends at its function timeout at the latest
	}
	if err := e.hub.Close(ctx); err != nil {
		errs = append(errs, err)
	}
	e.log.Info("fgh emulator stopped")
	return errors.Join(errs...)
}

// Local is an emulator listening on a loopback port of its own.
type Local struct {
	URL      string // http://127.0.0.1:PORT
	Config   Config // the effective configuration, credentials included
	Emulator *Emulator

	served chan error
}

// StartLocal starts an emulator on 127.0.0.1 with a random port. ctx bounds
// the start only; stop it with Close.
func StartLocal(ctx context.Context, cfg Config) (*Local, error) {
	return StartTarget(ctx, cfg, nil)
}

// Close shuts the emulator down (see Emulator.Shutdown) and waits for its
// server goroutine.
func (l *Local) Close(ctx context.Context) error {
	err := l.Emulator.Shutdown(ctx)
	if serr := <-l.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// newConnGuard is the emulator's connection cap and timeouts, with its
// metrics in reg.
func newConnGuard(cfg Config, log *slog.Logger, reg prometheus.Registerer) *httpguard.Guard {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "fgh", Subsystem: "emulator", Name: "connections_refused_total",
		Help: "Connections the cap closed: quiet_replaced (the oldest quiet one, for a newcomer) or shed_503 (a newcomer, every connection busy).",
	}, []string{"reason"})
	g := httpguard.New(httpguard.Config{
		Name: "emulator", MaxConns: cfg.MaxConns, Logger: log, Refused: refused,
		HeaderTimeout: cfg.HeaderTimeout, BodyTimeout: cfg.BodyTimeout, IdleTimeout: cfg.ConnIdleTimeout,
	})
	open := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "fgh", Subsystem: "emulator", Name: "connections_open",
		Help: "Client connections open now (the cap is Config.MaxConns).",
	}, func() float64 { open, _ := g.Counts(); return float64(open) })
	reg.MustRegister(refused, open)
	return g
}
