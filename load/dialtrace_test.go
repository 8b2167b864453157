package load

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"
)

// TestDialTraceOrphans checks that a connection is counted whole once it is
// open (after its TLS handshake), with the next request when it opens after
// its own was recorded; that a failed handshake still counts the connect, as
// on the fast path; and that a refused connect counts nothing.
func TestDialTraceOrphans(t *testing.T) {
	var orphans orphanDials
	fill := func(dt *dialTrace) Result {
		var res Result
		dt.fill(&res)
		return res
	}
	connect := func(dt *dialTrace, addr string, err error) {
		dt.connectStart("tcp", addr)
		dt.connectDone("tcp", addr, err)
	}

	_, first := withDialTrace(context.Background(), &orphans, true)
	connect(first, "127.0.0.1:1", nil)
	connect(first, "127.0.0.1:2", errors.New("refused"))
	if res := fill(first); res.Opened != 0 || res.Connect != 0 {
		t.Fatalf("recorded before its handshake finished: %d opened, %v", res.Opened, res.Connect)
	}
	first.tlsStart()
	first.tlsDone(tls.ConnectionState{}, nil)

	_, second := withDialTrace(context.Background(), &orphans, true)
	connect(second, "127.0.0.1:1", nil)
	second.tlsStart()
	second.tlsDone(tls.ConnectionState{}, errors.New("bad certificate"))
	if res := fill(second); res.Opened != 2 || res.Connect <= 0 || res.Handshake <= 0 {
		t.Fatalf("next request: %d opened, connect %v, handshake %v; want its own connect (failed handshake) and the orphaned connection", res.Opened, res.Connect, res.Handshake)
	}

	_, plain := withDialTrace(context.Background(), &orphans, false)
	connect(plain, "127.0.0.1:1", nil)
	if res := fill(plain); res.Opened != 1 || res.Handshake != 0 {
		t.Fatalf("plain connection: %d opened, handshake %v; want 1 without a handshake (and the orphan counted once)", res.Opened, res.Handshake)
	}
}
