// Package extsink is an extension's own HTTP server, as an extension process runs it before registering: it receives the platform's POST /extension/invoke and hands every request to a callback (the load runner's fan-out accounting, the contract suites' event checks).
package extsink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
)

// maxEventBytes bounds one event body; a real event is a few hundred bytes.
const maxEventBytes = 1 << 20

// Delivery is one request the server received.
type Delivery struct {
	At      time.Time     // on arrival, before the body is read
	Request *http.Request // its Body is spent; Body holds the bytes
	Body    []byte
	Event   fgs.ExtensionInvokeEvent
	// Err says why the request is not a well-formed invoke event (method,
	// path, a body that is not JSON, no traceId); the server answers it
	// with 4xx, and the callback still sees it.
	Err error
}

// Server is one extension's HTTP server.
type Server struct {
	Address string // host:port it listens on: the FunctionGraph-Extension-Address

	srv      *http.Server
	received func(Delivery)
}

// listenTries rides out a port the previous run closed a moment ago.
const listenTries = 20

// Start listens on addr (host:0 picks a free port) and calls received for
// every request, from the server's goroutines.
func Start(addr string, received func(Delivery)) (*Server, error) {
	var ln net.Listener
	var err error
	for try := range listenTries {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		if try < listenTries-1 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if err != nil {
		return nil, err
	}
	s := &Server{Address: ln.Addr().String(), received: received}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	d := Delivery{At: time.Now(), Request: r}
	var err error
	d.Body, err = io.ReadAll(io.LimitReader(r.Body, maxEventBytes))
	status := http.StatusOK
	switch {
	case r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, fgs.ExtensionInvokePath):
		d.Err, status = fmt.Errorf("%s %s is not POST %s", r.Method, r.URL.Path, fgs.ExtensionInvokePath), http.StatusNotFound
	case err != nil:
		d.Err, status = fmt.Errorf("read the event: %w", err), http.StatusBadRequest
	default:
		if err := json.Unmarshal(d.Body, &d.Event); err != nil {
			d.Err, status = fmt.Errorf("the event is not a JSON object: %w", err), http.StatusBadRequest
		} else if d.Event.TraceID == "" {
			d.Err, status = errors.New("the event has no traceId"), http.StatusBadRequest
		}
	}
	s.received(d)
	if d.Err != nil {
		http.Error(w, d.Err.Error(), status)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Close stops the server, waiting for requests in flight until ctx ends.
func (s *Server) Close(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return errors.Join(err, s.srv.Close())
	}
	return nil
}
