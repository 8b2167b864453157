package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/fgharness/fgharness/internal/extsink"
)

// ExtensionSink is one extension's HTTP server (internal/extsink): it
// reports the traceId of every well-formed /extension/invoke event to the
// fan-out account, stamped on arrival.
type ExtensionSink struct {
	Index   int
	Name    string
	Address string // host:port it listens on, as registered

	srv *extsink.Server
}

// StartExtensionSinks starts k sinks on 127.0.0.1, ports basePort, basePort+1, …
// (basePort 0 picks free ports, for tests). received is called for every event.
func StartExtensionSinks(k, basePort int, received func(ext int, traceID string, at time.Time)) ([]*ExtensionSink, error) {
	sinks := make([]*ExtensionSink, 0, k)
	for i := range k {
		addr := "127.0.0.1:0"
		if basePort > 0 {
			addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(basePort+i))
		}
		s := &ExtensionSink{Index: i, Name: fmt.Sprintf("fgh-sink-%d", i+1)}
		srv, err := extsink.Start(addr, func(d extsink.Delivery) {
			if d.Err == nil {
				received(s.Index, d.Event.TraceID, d.At)
			}
		})
		if err != nil {
			CloseExtensionSinks(sinks)
			return nil, fmt.Errorf("extension sink %d: listen on %s (pass another --extension-port): %w", i+1, addr, err)
		}
		s.srv, s.Address = srv, srv.Address
		sinks = append(sinks, s)
	}
	return sinks, nil
}

// CloseExtensionSinks stops every sink.
func CloseExtensionSinks(sinks []*ExtensionSink) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range sinks {
		_ = s.srv.Close(ctx)
	}
}

var errNoExtensionAPI = errors.New("no Extension API address: pass --extension-api host:port (the function's EXTENSION_API_ADDR)")
