package extapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// endpoint is one function's Extension API: its own listener and its own
// registry, so that no two functions ever see each other's extensions.
type endpoint struct {
	hub    *Hub
	key    string
	addr   string
	srv    *http.Server
	served chan struct{} // closed when Serve returns
	once   sync.Once

	mu   sync.Mutex
	info FunctionInfo
	exts []*extension // in registration order

	delivered, failed, dropped, inFlight atomic.Int64
}

// extension is one registered extension; its address may move on re-registration.
type extension struct {
	name         string
	address      string // guarded by endpoint.mu, like port and registeredAt
	port         int
	registeredAt time.Time

	delivered, failed atomic.Int64
}

// target is where one delivery goes, fixed when FanOut is called.
type target struct {
	ext     *extension
	address string
}

func startEndpoint(h *Hub, key string, info FunctionInfo) (*endpoint, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(h.cfg.ListenHost, "0"))
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", h.cfg.ListenHost, err)
	}
	e := &endpoint{hub: h, key: key, addr: ln.Addr().String(), info: info, served: make(chan struct{})}
	e.srv = h.guard.Server(e)
	go func() {
		defer close(e.served)
		if err := h.guard.Serve(e.srv, ln); !errors.Is(err, http.ErrServerClosed) {
			h.log.Warn("extension API stopped", "function", key, "address", e.addr, "err", err)
		}
	}()
	h.log.Debug("extension API started", "function", key, "address", e.addr)
	return e, nil
}

// stop closes the listener and waits for the server to finish; requests
// still running when ctx ends are cut off. Safe to call more than once.
func (e *endpoint) stop(ctx context.Context) {
	e.once.Do(func() {
		if err := e.srv.Shutdown(ctx); err != nil {
			_ = e.srv.Close() // ctx ended: drop the stragglers rather than wait
		}
		<-e.served
		e.hub.log.Debug("extension API stopped", "function", e.key, "address", e.addr)
	})
}

func (e *endpoint) setInfo(info FunctionInfo) {
	e.mu.Lock()
	e.info = info
	e.mu.Unlock()
}

func (e *endpoint) targets() []target {
	e.mu.Lock()
	defer e.mu.Unlock()
	ts := make([]target, len(e.exts))
	for i, x := range e.exts {
		ts[i] = target{ext: x, address: x.address}
	}
	return ts
}

func (e *endpoint) registrations() []Registration {
	e.mu.Lock()
	defer e.mu.Unlock()
	regs := make([]Registration, len(e.exts))
	for i, x := range e.exts {
		regs[i] = Registration{Name: x.name, Address: x.address, RegisteredAt: x.registeredAt}
	}
	return regs
}

func (e *endpoint) stats() Stats {
	e.mu.Lock()
	per := make([]ExtensionStats, len(e.exts))
	for i, x := range e.exts {
		per[i] = ExtensionStats{Name: x.name, Address: x.address, Delivered: x.delivered.Load(), Failed: x.failed.Load()}
	}
	e.mu.Unlock()
	return Stats{
		Registered:   len(per),
		Delivered:    e.delivered.Load(),
		Failed:       e.failed.Load(),
		Dropped:      e.dropped.Load(),
		InFlight:     e.inFlight.Load(),
		PerExtension: per,
	}
}
