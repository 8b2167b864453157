// Package emulator is an in-memory FunctionGraph endpoint: the operations of spec/, served from a store, with built-in function behaviours, real auth checks, extension fan-out and injectable faults.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fgharness/fgharness/internal/extapi"
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
	e.srv = &http.Server{
		Handler:           e.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelDebug),
	}
	srv := e.srv
	e.srvMu.Unlock()
	e.log.Info("fgh emulator serving", "address", ln.Addr().String())
	return srv.Serve(ln)
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
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("emulator: listen on a loopback port: %w", err)
	}
	l := &Local{URL: "http://" + ln.Addr().String(), Config: e.cfg, Emulator: e, served: make(chan error, 1)}
	go func() { l.served <- e.Serve(ln) }()
	return l, nil
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

// route is one operation's handler with what the middleware needs to know.
type route struct {
	op       spec.Operation
	handle   func(*call)
	public   bool // no authentication (IAM token issuing)
	invoke   bool // invocation: MaxInvokeBody, no generic validation
	lenient  map[string]bool
	observer prometheus.Observer
}

// call is one request on its way through a route; it is also the
// ResponseWriter handlers write to, so the status is recorded for metrics.
type call struct {
	e      *Emulator
	rt     *route
	w      http.ResponseWriter
	r      *http.Request
	body   []byte
	buf    *[]byte
	status int
}

func (c *call) Header() http.Header         { return c.w.Header() }
func (c *call) Write(b []byte) (int, error) { return c.w.Write(b) }
func (c *call) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.w.WriteHeader(status)
}

func (c *call) fail(err *apiError)       { writeError(c, err, "") }
func (c *call) json(status int, v any)   { writeJSON(c, status, v) }
func (c *call) noContent()               { c.WriteHeader(http.StatusNoContent) }
func (c *call) param(name string) string { return c.r.PathValue(name) }
func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }
func (c *call) decode(v any) *apiError   { return decodeBody(c.body, v) }
func (c *call) projectMismatch() bool    { return c.param("project_id") != c.e.cfg.ProjectID }

var callPool = sync.Pool{New: func() any { return new(call) }}

// buildRouter maps every functiongraph and iam operation of the spec to its
// handler through http.ServeMux patterns made from the spec's paths.
func (e *Emulator) buildRouter() http.Handler {
	mux := http.NewServeMux()
	handlers := operationHandlers()
	e.routes = map[string]*route{}
	for _, op := range e.spec.Operations() {
		if op.Document != spec.FunctionGraph && op.Document != spec.IAM {
			continue // the Extension API is served by the hub, per function
		}
		h, ok := handlers[op.ID]
		if !ok {
			id := op.ID
			e.log.Warn("spec operation has no emulator handler; it answers 503", "operation", id)
			h = func(c *call) {
				c.fail(newError(http.StatusServiceUnavailable, codeUnavailable, "operation %s is not emulated", id))
			}
		}
		rt := &route{
			op: op, handle: h,
			public:   op.Raw().Security != nil && len(*op.Raw().Security) == 0,
			invoke:   op.ID == opInvoke || op.ID == opAsyncInvoke,
			lenient:  lenientQuery[op.ID],
			observer: e.metrics.latency.WithLabelValues(op.ID),
		}
		e.routes[op.ID] = rt
		mux.Handle(op.Method+" "+op.Path, e.serveRoute(rt))
	}
	e.registerAdmin(mux)
	mux.HandleFunc("/", e.serveUnknown)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bad := uncleanPath(r.URL.EscapedPath()); bad != "" {
			e.metrics.count("unknown", http.StatusBadRequest)
			writeError(w, newError(http.StatusBadRequest, codeBadRequest, "path %s", bad), "")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// uncleanPath explains why a path is refused before routing; ServeMux would
// otherwise answer such paths with a redirect instead of an Error body.
func uncleanPath(p string) string {
	switch {
	case p == "" || p[0] != '/':
		return "must start with /"
	case strings.Contains(p, "//"):
		return "contains an empty segment (//)"
	case strings.Contains(p, "/./"), strings.Contains(p, "/../"), strings.HasSuffix(p, "/."), strings.HasSuffix(p, "/.."):
		return "contains a dot segment (/./ or /../)"
	}
	return ""
}

// serveUnknown answers what no operation matches: 404 FSS.0404 for an
// unknown path or an unsupported method (the error table has no 405).
func (e *Emulator) serveUnknown(w http.ResponseWriter, r *http.Request) {
	e.metrics.count("unknown", http.StatusNotFound)
	_, _, err := e.spec.FindRoute(r)
	msg := "no FunctionGraph operation has the path " + r.URL.EscapedPath()
	if errors.Is(err, spec.ErrMethodNotAllowed) {
		msg = "the path " + r.URL.EscapedPath() + " does not support method " + r.Method
	}
	writeError(w, newError(http.StatusNotFound, codeNotFound, "%s", msg), "")
}

func (e *Emulator) serveRoute(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c := callPool.Get().(*call)
		*c = call{e: e, rt: rt, w: w, r: r}
		defer func() {
			status := c.status
			if status == 0 {
				status = http.StatusOK
			}
			rt.observer.Observe(time.Since(start).Seconds())
			e.metrics.count(rt.op.ID, status)
			if c.buf != nil {
				putBuf(c.buf)
			}
			*c = call{}
			callPool.Put(c)
		}()
		if err := e.admit(c); err != nil {
			c.fail(err)
			return
		}
		rt.handle(c)
	})
}

// admit runs the checks every operation shares: credentials, body size,
// project, and (outside the invoke path) the spec's request validation.
func (e *Emulator) admit(c *call) *apiError {
	tokenOK := false
	if !c.rt.public {
		ok, err := e.checkToken(c.r)
		if err != nil {
			return err
		}
		tokenOK = ok
	}
	limit := e.cfg.MaxBody
	if c.rt.invoke {
		limit = e.cfg.MaxInvokeBody
	}
	if err := c.readBody(limit); err != nil {
		return err
	}
	if !c.rt.public && !tokenOK {
		if err := e.checkSignature(c.r, c.body); err != nil {
			return err
		}
	}
	if !c.rt.public {
		if c.projectMismatch() {
			return newError(http.StatusForbidden, codeForbidden, "project %s is not this endpoint's project", c.param("project_id"))
		}
		if p := c.r.Header.Get("X-Project-Id"); p != "" && p != e.cfg.ProjectID {
			return newError(http.StatusForbidden, codeForbidden, "X-Project-Id %s is not this endpoint's project", p)
		}
	}
	if !c.rt.invoke {
		return e.validateRequest(c)
	}
	return nil
}

// readBody reads at most limit bytes into a pooled buffer.
func (c *call) readBody(limit int64) *apiError {
	if c.r.Body == nil || c.r.Body == http.NoBody {
		return nil
	}
	if c.r.ContentLength > limit {
		return newError(http.StatusRequestEntityTooLarge, codeTooLarge, "The request body is too large: %d bytes, the limit is %d", c.r.ContentLength, limit)
	}
	c.buf = getBuf()
	b := (*c.buf)[:0]
	if c.r.ContentLength > 0 && int64(cap(b)) < c.r.ContentLength {
		b = make([]byte, 0, c.r.ContentLength+1)
	}
	lr := io.LimitReader(c.r.Body, limit+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*c.buf = b
			return newError(http.StatusBadRequest, codeBadRequest, "read request body: %v", err)
		}
	}
	*c.buf = b
	if int64(len(b)) > limit {
		return newError(http.StatusRequestEntityTooLarge, codeTooLarge, "The request body is too large: over %d bytes", limit)
	}
	c.body = b
	return nil
}
