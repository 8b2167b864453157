// Package httpguard holds the defences the emulator's HTTP servers share against hostile clients: timeouts, a connection cap, capped body reads and net/http's own plain-text answers rewritten as the documented JSON Error body.
package httpguard

import (
	"bytes"
	"container/list"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fgharness/fgharness/internal/fgs"
)

// MaxHeaderBytes bounds a request's headers; net/http answers 431 beyond it.
const MaxHeaderBytes = 64 << 10

// Documented error codes of the answers written here.
const (
	codeBadRequest  = "FSS.0400"
	codeUnavailable = "FSS.0503"
)

// Defaults for the zero timeouts of a Config: every server guarded here
// (the emulator, its Extension API, the proxy) cuts off slow clients alike.
const (
	DefaultHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout   = 30 * time.Second
	DefaultIdleTimeout   = time.Minute
)

// Config configures a Guard and the server it builds; zero timeouts take
// the defaults above.
type Config struct {
	Name          string        // who serves, for the 503 message and logs ("emulator")
	MaxConns      int           // open connections at most
	HeaderTimeout time.Duration // a request's headers must arrive within this
	BodyTimeout   time.Duration // a request's body must arrive within this once its headers have
	IdleTimeout   time.Duration // a keep-alive connection with no request is closed after this
	Logger        *slog.Logger  // nil: discard
	// Refused counts the connections the cap closed, by reason
	// (quiet_replaced, shed_503); nil: not counted.
	Refused *prometheus.CounterVec
}

// Guard caps a server's open connections (Config.MaxConns). A connection
// is "quiet" while it waits for a request's headers or trickles a body, and
// "busy" while a handler works for it. At the cap a new connection takes
// the place of the oldest quiet one, so that idle or slow-loris clients
// cannot lock out a health check or a real client; when every connection
// is busy the new one is answered 503 FSS.0503 and closed. Both are
// logged, at most once a second.
type Guard struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	open    int
	quiet   list.List // *guardedConn, oldest first
	evicted int       // since the last log line
	shed    int
	logged  time.Time

	shedders chan struct{} // bounds the goroutines answering shed connections
}

// New builds a Guard; it starts nothing until Serve.
func New(cfg Config) *Guard {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&cfg.HeaderTimeout, DefaultHeaderTimeout}, {&cfg.BodyTimeout, DefaultBodyTimeout}, {&cfg.IdleTimeout, DefaultIdleTimeout}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	return &Guard{cfg: cfg, log: log, shedders: make(chan struct{}, 64)}
}

// Counts are the connections the guard counts now, and how many of them
// are quiet.
func (g *Guard) Counts() (open, quiet int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open, g.quiet.Len()
}

// Server is an http.Server for h with the guard's timeouts and hooks; serve
// it with Serve. The header timeout covers slow headers; the read timeout,
// from the request's start, a body that trickles (ReadBody lifts it once
// the body is in); the idle timeout, keep-alive connections.
func (g *Guard) Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: g.cfg.HeaderTimeout,
		ReadTimeout:       g.cfg.HeaderTimeout + g.cfg.BodyTimeout,
		IdleTimeout:       g.cfg.IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ConnState:         g.connState,
		ConnContext:       connContext,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelDebug),
	}
}

// Serve runs srv (from Server) on ln with the connection cap.
func (g *Guard) Serve(srv *http.Server, ln net.Listener) error {
	return srv.Serve(guardListener{Listener: ln, g: g})
}

// guardedConn is a connection the guard counts. Its Write also turns the
// plain-text answers net/http writes by itself into the Error body.
type guardedConn struct {
	net.Conn
	g      *Guard
	elem   *list.Element // in g.quiet while quiet; guarded by g.mu
	closed bool          // no longer counted; guarded by g.mu
}

type guardListener struct {
	net.Listener
	g *Guard
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

func (g *Guard) refused(reason string) {
	if g.cfg.Refused != nil {
		g.cfg.Refused.WithLabelValues(reason).Inc()
	}
}

// admit counts a new connection, making room by closing the oldest quiet
// one at the cap; nil means it was shed.
func (g *Guard) admit(c net.Conn) *guardedConn {
	g.mu.Lock()
	var victim *guardedConn
	if g.open >= g.cfg.MaxConns {
		if front := g.quiet.Front(); front != nil {
			victim = front.Value.(*guardedConn)
			g.forget(victim)
			g.evicted++
		} else {
			g.shed++
		}
	}
	admitted := g.open < g.cfg.MaxConns
	var gc *guardedConn
	if admitted {
		gc = &guardedConn{Conn: c, g: g}
		gc.elem = g.quiet.PushBack(gc)
		g.open++
	}
	g.noteLocked()
	g.mu.Unlock()
	if victim != nil {
		g.refused("quiet_replaced")
		_ = victim.Conn.Close()
	}
	if !admitted {
		g.refused("shed_503")
		g.shedConn(c)
	}
	return gc
}

// forget stops counting c. Caller holds g.mu.
func (g *Guard) forget(c *guardedConn) {
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
func (g *Guard) noteLocked() {
	if g.evicted+g.shed == 0 || time.Since(g.logged) < time.Second {
		return
	}
	g.log.Warn("connection limit reached: closed the oldest quiet connections and answered 503 where none was quiet",
		"server", g.cfg.Name, "max_conns", g.cfg.MaxConns, "closed_quiet", g.evicted, "shed_503", g.shed)
	g.evicted, g.shed, g.logged = 0, 0, time.Now()
}

// setQuiet moves c to the quiet end of the list or takes it out.
func (g *Guard) setQuiet(c *guardedConn, quiet bool) {
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
func (g *Guard) connState(c net.Conn, s http.ConnState) {
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
func (g *Guard) shedConn(c net.Conn) {
	select {
	case g.shedders <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-g.shedders }()
		defer c.Close()
		body := ErrorBody(codeUnavailable, "Service unavailable: the "+g.cfg.Name+" has "+
			strconv.Itoa(g.cfg.MaxConns)+" connections open, its limit; retry later")
		_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = c.Write(plainResponse(http.StatusServiceUnavailable, body))
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}()
}

// ErrorBody is the documented Error body with code and msg; msg is cut to
// what the Error schema allows (512).
func ErrorBody(code, msg string) []byte {
	if len(msg) > 500 {
		msg = msg[:497] + "..."
	}
	b, _ := json.Marshal(fgs.ErrorBody{ErrorCode: code, ErrorMsg: msg}) // two strings always encode
	return b
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
// 505). A response of a guarded server never has it: net/http writes a
// handler's headers sorted, Connection before Content-Type, and no body
// those servers write (JSON, or the metrics text) holds a raw CR LF, so no
// write that starts inside a body can look like it either.
const goPlainError = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *guardedConn) Write(b []byte) (int, error) {
	if jb, ok := rewriteGoError(b, c.g.cfg.Name); ok {
		if _, err := c.Conn.Write(jb); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return c.Conn.Write(b)
}

// rewriteGoError turns one of net/http's own plain-text answers into the
// documented Error body with the same status. The 417 for an Expect other
// than 100-continue has no body; no guarded handler answers 417. name is
// the server's, as in Config.Name.
func rewriteGoError(b []byte, name string) ([]byte, bool) {
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
		msg = "Expectation failed: the only Expect the " + name + " honours is 100-continue"
	default:
		return nil, false
	}
	return plainResponse(status, ErrorBody(codeBadRequest, msg)), true
}

func goErrorMessage(status int, text string) string {
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		return "Request header fields too large: the headers exceed " + strconv.Itoa(MaxHeaderBytes>>10) + " KB"
	case http.StatusNotImplemented:
		return "Invalid parameter: unsupported Transfer-Encoding (only chunked is understood)"
	}
	// net/http's text is "400 Bad Request" or "400 Bad Request: what".
	if _, detail, ok := strings.Cut(text, ": "); ok {
		return "Invalid request: " + detail
	}
	return "Invalid request: the request line, a header or Content-Length could not be parsed"
}
