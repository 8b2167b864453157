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
	conns *connGuard // the connection cap Serve applies
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
	e.conns = newConnGuard(cfg.MaxConns, log, e.reg)
	e.registerRuntimeMetrics()
	e.hub = extapi.NewHub(extapi.HubConfig{
		Host: cfg.ExtensionHost, PortMin: cfg.ExtensionPortMin, PortMax: cfg.ExtensionPortMax,
		MaxExtensions: cfg.MaxExtensions, ListenHost: cfg.ExtensionHost,
		DeliveryTimeout: cfg.ExtensionDeliveryTimeout, Logger: log, Registerer: e.reg,
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
	guard := e.conns
	e.srv = &http.Server{
		Handler: e.handler,
		// The header timeout covers slow headers; the read timeout, from the
		// request's start, a body that trickles (readLimited lifts it once
		// the body is in); the idle timeout, keep-alive connections.
		ReadHeaderTimeout: e.cfg.HeaderTimeout,
		ReadTimeout:       e.cfg.HeaderTimeout + e.cfg.BodyTimeout,
		IdleTimeout:       e.cfg.ConnIdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         guard.connState,
		ConnContext:       connContext,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelDebug),
	}
	srv := e.srv
	e.srvMu.Unlock()
	e.log.Info("fgh emulator serving", "address", ln.Addr().String(), "max_conns", e.cfg.MaxConns)
	return srv.Serve(guardListener{Listener: ln, g: guard})
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

// maxHeaderBytes bounds a request's headers; net/http answers 431 beyond it.
const maxHeaderBytes = 64 << 10

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
