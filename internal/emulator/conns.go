package emulator

import (
	"bytes"
	"container/list"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// connGuard caps the emulator's open connections (Config.MaxConns). A
// connection is "quiet" while it waits for a request's headers or trickles
// a body, and "busy" while a handler works for it. At the cap a new
// connection takes the place of the oldest quiet one, so that idle or
// slow-loris clients cannot lock out a health check or a real client; when
// every connection is busy the new one is answered 503 FSS.0503 and closed.
// Both are logged, at most once a second.
type connGuard struct {
	max    int
	log    *slog.Logger
	closed *prometheus.CounterVec // by reason: quiet_replaced, shed_503

	mu      sync.Mutex
	open    int
	quiet   list.List // *guardedConn, oldest first
	evicted int       // since the last log line
	shed    int
	logged  time.Time

	shedders chan struct{} // bounds the goroutines answering shed connections
}

func newConnGuard(max int, log *slog.Logger, reg prometheus.Registerer) *connGuard {
	g := &connGuard{max: max, log: log, shedders: make(chan struct{}, 64)}
	g.closed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "fgh", Subsystem: "emulator", Name: "connections_refused_total",
		Help: "Connections the cap closed: quiet_replaced (the oldest quiet one, for a newcomer) or shed_503 (a newcomer, every connection busy).",
	}, []string{"reason"})
	open := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "fgh", Subsystem: "emulator", Name: "connections_open",
		Help: "Client connections open now (the cap is Config.MaxConns).",
	}, func() float64 {
		g.mu.Lock()
		defer g.mu.Unlock()
		return float64(g.open)
	})
	reg.MustRegister(g.closed, open)
	return g
}

// guardedConn is a connection the guard counts. Its Write also turns the
// plain-text answers net/http writes by itself into the Error body.
type guardedConn struct {
	net.Conn
	g      *connGuard
	elem   *list.Element // in g.quiet while quiet; guarded by g.mu
	closed bool          // no longer counted; guarded by g.mu
}

type guardListener struct {
	net.Listener
	g *connGuard
}

func (l guardListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if gc := l.g.admit(c); gc != nil {
			return gc, nil
		}
	}
}

// admit counts a new connection, making room by closing the oldest quiet
// one at the cap; nil means it was shed.
func (g *connGuard) admit(c net.Conn) *guardedConn {
	g.mu.Lock()
	var victim *guardedConn
	if g.open >= g.max {
		if front := g.quiet.Front(); front != nil {
			victim = front.Value.(*guardedConn)
			g.forget(victim)
			g.evicted++
		} else {
			g.shed++
		}
	}
	admitted := g.open < g.max
	var gc *guardedConn
	if admitted {
		gc = &guardedConn{Conn: c, g: g}
		gc.elem = g.quiet.PushBack(gc)
		g.open++
	}
	g.noteLocked()
	g.mu.Unlock()
	if victim != nil {
		g.closed.WithLabelValues("quiet_replaced").Inc()
		_ = victim.Conn.Close()
	}
	if !admitted {
		g.closed.WithLabelValues("shed_503").Inc()
		g.shedConn(c)
	}
	return gc
}

// forget stops counting c. Caller holds g.mu.
func (g *connGuard) forget(c *guardedConn) {
	if c.closed {
		return
	}
	c.closed = true
	if c.elem != nil {
		g.quiet.Remove(c.elem)
		c.elem = nil
	}
	g.open--
}

// noteLocked logs what the cap did, at most once a second. Caller holds g.mu.
func (g *connGuard) noteLocked() {
	if g.evicted+g.shed == 0 || time.Since(g.logged) < time.Second {
		return
	}
	g.log.Warn("connection limit reached: closed the oldest quiet connections and answered 503 where none was quiet",
		"max_conns", g.max, "closed_quiet", g.evicted, "shed_503", g.shed)
	g.evicted, g.shed, g.logged = 0, 0, time.Now()
}

// setQuiet moves c to the quiet end of the list or takes it out.
func (g *connGuard) setQuiet(c *guardedConn, quiet bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.closed {
		return
	}
	switch {
	case quiet && c.elem == nil:
		c.elem = g.quiet.PushBack(c)
	case !quiet && c.elem != nil:
		g.quiet.Remove(c.elem)
		c.elem = nil
	}
}

// connState is the http.Server's ConnState hook.
func (g *connGuard) connState(c net.Conn, s http.ConnState) {
	gc, ok := c.(*guardedConn)
	if !ok {
		return
	}
	switch s {
	case http.StateActive:
		g.setQuiet(gc, false)
	case http.StateIdle:
		g.setQuiet(gc, true)
	case http.StateClosed, http.StateHijacked:
		g.mu.Lock()
		g.forget(gc)
		g.mu.Unlock()
	}
}

type connKey struct{}

// connContext puts the connection in each request's context, for quietWhile.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if gc, ok := c.(*guardedConn); ok {
		return context.WithValue(ctx, connKey{}, gc)
	}
	return ctx
}

// quietWhile marks the request's connection quiet (it waits for the
// client) until the returned function is called.
func quietWhile(ctx context.Context) (busy func()) {
	gc, ok := ctx.Value(connKey{}).(*guardedConn)
	if !ok {
		return func() {}
	}
	gc.g.setQuiet(gc, true)
	return func() { gc.g.setQuiet(gc, false) }
}

// shedConn answers 503 on a connection over the cap and closes it, after
// reading briefly what the client sent so that the close does not reset
// the answer away. With too many such answers under way it just closes.
func (g *connGuard) shedConn(c net.Conn) {
	select {
	case g.shedders <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-g.shedders }()
		defer c.Close()
		body := appendError(nil, newError(http.StatusServiceUnavailable, codeUnavailable,
			"Service unavailable: the emulator has %d connections open, its limit; retry later", g.max), "")
		_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = c.Write(plainResponse(http.StatusServiceUnavailable, body))
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}()
}

// plainResponse is a complete HTTP/1.1 answer that closes the connection.
func plainResponse(status int, body []byte) []byte {
	b := make([]byte, 0, 160+len(body))
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

// goPlainError is what follows the status line of the answers net/http
// writes itself, before any handler runs (malformed request 400, 431, 501,
// 505). A response of the emulator never has it: net/http writes a
// handler's headers sorted, Connection before Content-Type, and no body the
// emulator writes (JSON, or the metrics text) holds a raw CR LF, so no
// write that starts inside a body can look like it either.
const goPlainError = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *guardedConn) Write(b []byte) (int, error) {
	if jb, ok := rewriteGoError(b); ok {
		if _, err := c.Conn.Write(jb); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// rewriteGoError turns one of net/http's own plain-text answers into the
// documented Error body with the same status. The 417 for an Expect other
// than 100-continue has no body; no handler of the emulator answers 417.
func rewriteGoError(b []byte) ([]byte, bool) {
	const prefix = "HTTP/1.1 "
	if len(b) < len(prefix)+3 || string(b[:len(prefix)]) != prefix || (b[len(prefix)] != '4' && b[len(prefix)] != '5') {
		return nil, false
	}
	status, err := strconv.Atoi(string(b[len(prefix) : len(prefix)+3]))
	if err != nil {
		return nil, false
	}
	end := bytes.Index(b, []byte("\r\n"))
	if end < 0 {
		return nil, false
	}
	var msg string
	switch rest := b[end:]; {
	case bytes.HasPrefix(rest, []byte(goPlainError)):
		msg = goErrorMessage(status, string(rest[len(goPlainError):]))
	case status == http.StatusExpectationFailed:
		msg = "Expectation failed: the only Expect the emulator honours is 100-continue"
	default:
		return nil, false
	}
	return plainResponse(status, appendError(nil, newError(status, codeBadRequest, "%s", msg), "")), true
}

func goErrorMessage(status int, text string) string {
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		return "Request header fields too large: the headers exceed " + strconv.Itoa(maxHeaderBytes>>10) + " KB"
	case http.StatusNotImplemented:
		return "Invalid parameter: unsupported Transfer-Encoding (only chunked is understood)"
	}
	// net/http's text is "400 Bad Request" or "400 Bad Request: what".
	if _, detail, ok := strings.Cut(text, ": "); ok {
		return "Invalid request: " + detail
	}
	return "Invalid request: the request line, a header or Content-Length could not be parsed"
}
