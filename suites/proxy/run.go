package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fgharness/fgharness/internal/httpguard"
)

// Result is how a proxy run ended.
type Result struct {
	Summary Summary
	// Abandoned is set when exchanges were still in flight as the drain
	// ended (its timeout, or a second SIGINT/SIGTERM): the reports lack them.
	Abandoned bool
}

// Run serves the proxy on opts.Listen until ctx is done (fgh proxy cancels
// it on SIGINT or SIGTERM), rewriting the reports every opts.ReportEvery
// when set. Then it stops accepting, lets the exchanges in flight finish
// within opts.DrainTimeout (a second signal cuts that short) and writes
// the reports. ready, when set, gets the address it listens on.
func Run(ctx context.Context, opts Options, ready func(addr string)) (Result, error) {
	p, err := New(opts)
	if err != nil {
		return Result{}, err
	}
	o := p.opts
	if o.OutDir != "" {
		if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
			return Result{}, fmt.Errorf("%w: --out %s: %v", ErrUsage, o.OutDir, err)
		}
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return Result{}, fmt.Errorf("%w: listen on %s: %v", ErrUsage, o.Listen, err)
	}
	guard := httpguard.New(httpguard.Config{
		Name: "fgh proxy", MaxConns: o.MaxConns, Logger: p.log,
		HeaderTimeout: o.HeaderTimeout, BodyTimeout: o.BodyTimeout, IdleTimeout: o.IdleTimeout,
	})
	srv := guard.Server(p)
	served := make(chan error, 1)
	go func() { served <- guard.Serve(srv, ln) }()
	p.log.Info("fgh proxy listening", "address", ln.Addr().String(), "upstream", p.upstream.String(), "resign", p.resign != nil)
	if ready != nil {
		ready(ln.Addr().String())
	}
	var tick <-chan time.Time
	if o.ReportEvery > 0 {
		t := time.NewTicker(o.ReportEvery)
		defer t.Stop()
		tick = t.C
	}
	for running := true; running; {
		select {
		case err := <-served:
			sum, werr := p.WriteReports(o.OutDir)
			return Result{Summary: sum}, errors.Join(fmt.Errorf("proxy stopped serving: %w", err), werr)
		case <-tick:
			if _, err := p.WriteReports(o.OutDir); err != nil {
				p.log.Error("fgh proxy: periodic report", "error", err)
			}
		case <-ctx.Done():
			running = false
		}
	}
	abandoned := p.drain(srv, o.DrainTimeout)
	<-served
	sum, err := p.WriteReports(o.OutDir)
	return Result{Summary: sum, Abandoned: abandoned}, err
}

// drain stops accepting and waits for the exchanges in flight, at most
// timeout or until a second SIGINT/SIGTERM; it tells whether some were cut.
func (p *Proxy) drain(srv *http.Server, timeout time.Duration) bool {
	p.log.Info("fgh proxy stopping: draining exchanges in flight", "timeout", timeout)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	go func() {
		select {
		case <-again:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
		return true
	}
	return false
}
