package load

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"
)

// TestDialTraceOrphans checks that a connection net/http finishes opening
// after its request was recorded is counted with the next request, and that
// failed connects and handshakes count nothing.
func TestDialTraceOrphans(t *testing.T) {
	var orphans orphanDials
	_, first := withDialTrace(context.Background(), &orphans)
	first.connectStart("tcp", "127.0.0.1:1")
	first.connectStart("tcp", "127.0.0.1:2")
	first.connectDone("tcp", "127.0.0.1:2", errors.New("refused"))
	var res Result
	first.fill(&res)
	if res.Opened != 0 || res.Connect != 0 {
		t.Fatalf("recorded before any connect finished: %d opened, %v", res.Opened, res.Connect)
	}
	first.connectDone("tcp", "127.0.0.1:1", nil)
	first.tlsStart()
	first.tlsDone(tls.ConnectionState{}, nil)

	_, second := withDialTrace(context.Background(), &orphans)
	second.tlsStart()
	second.tlsDone(tls.ConnectionState{}, errors.New("bad certificate"))
	res = Result{}
	second.fill(&res)
	if res.Opened != 1 || res.Connect <= 0 || res.Handshake <= 0 {
		t.Fatalf("next request: %d opened, connect %v, handshake %v; want the orphaned connection with both times", res.Opened, res.Connect, res.Handshake)
	}
	_, third := withDialTrace(context.Background(), &orphans)
	res = Result{}
	third.fill(&res)
	if res.Opened != 0 {
		t.Fatalf("the orphan was counted twice")
	}
}
