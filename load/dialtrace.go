package load

import (
	"context"
	"crypto/tls"
	"net/http/httptrace"
	"sync"
	"time"
)

// dialTrace times the connections net/http opens for one request (TCP
// connect and TLS handshake, through httptrace), so requests sent through
// net/http (--http2, sampled validations) fill the same connection figures
// as the fast path. A connection is recorded whole, once it is open (after
// its TLS handshake for https): net/http dials on a goroutine of its own
// that may outlive the request, and a connection that finishes opening after
// its request has been recorded is handed to orphans and counted with a
// later request.
type dialTrace struct {
	mu      sync.Mutex
	tls     bool // a TLS handshake follows each connect
	taken   bool // the request's result has its figures; later dials go to orphans
	times   dialTimes
	connect []pendingConnect // connects in progress (several with Happy Eyeballs)
	tlsFrom time.Time
	opening dialTimes // a connect waiting for its TLS handshake
	orphans *orphanDials
}

type pendingConnect struct {
	addr  string
	began time.Time
}

// orphanDials collects connections opened after the request that started
// them was recorded; the next request through the hitter takes them over.
type orphanDials struct {
	mu    sync.Mutex
	times dialTimes
}

func (o *orphanDials) add(t dialTimes) {
	o.mu.Lock()
	o.times.add(t)
	o.mu.Unlock()
}

// take returns what was collected and starts over.
func (o *orphanDials) take() dialTimes {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.times
	o.times = dialTimes{}
	return t
}

// withDialTrace returns ctx with a trace that times the connections opened
// for its request; tls tells that each connection gets a TLS handshake.
func withDialTrace(ctx context.Context, orphans *orphanDials, tls bool) (context.Context, *dialTrace) {
	dt := &dialTrace{orphans: orphans, tls: tls}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		ConnectStart:      dt.connectStart,
		ConnectDone:       dt.connectDone,
		TLSHandshakeStart: dt.tlsStart,
		TLSHandshakeDone:  dt.tlsDone,
	}), dt
}

func (dt *dialTrace) connectStart(_, addr string) {
	dt.mu.Lock()
	dt.connect = append(dt.connect, pendingConnect{addr, time.Now()})
	dt.mu.Unlock()
}

// connectDone counts a connection once its TCP connect succeeded, as the
// fast path does (for https when its handshake is over, failed or not).
func (dt *dialTrace) connectDone(_, addr string, err error) {
	now := time.Now()
	dt.mu.Lock()
	defer dt.mu.Unlock()
	for i, c := range dt.connect {
		if c.addr != addr {
			continue
		}
		dt.connect = append(dt.connect[:i], dt.connect[i+1:]...)
		switch {
		case err != nil:
		case dt.tls:
			dt.opening = dialTimes{connect: now.Sub(c.began), opened: 1}
		default:
			dt.record(dialTimes{connect: now.Sub(c.began), opened: 1})
		}
		return
	}
}

func (dt *dialTrace) tlsStart() {
	dt.mu.Lock()
	dt.tlsFrom = time.Now()
	dt.mu.Unlock()
}

func (dt *dialTrace) tlsDone(_ tls.ConnectionState, err error) {
	now := time.Now()
	dt.mu.Lock()
	defer dt.mu.Unlock()
	t := dt.opening
	if err == nil && !dt.tlsFrom.IsZero() {
		t.handshake = now.Sub(dt.tlsFrom)
	}
	dt.record(t)
	dt.tlsFrom, dt.opening = time.Time{}, dialTimes{}
}

// record adds t to the request's figures, or to the orphans once they were taken; dt.mu is held.
func (dt *dialTrace) record(t dialTimes) {
	if dt.taken {
		dt.orphans.add(t)
		return
	}
	dt.times.add(t)
}

// fill writes the connections opened for the request (and any orphans) into res; later dials become orphans.
func (dt *dialTrace) fill(res *Result) {
	dt.mu.Lock()
	t := dt.times
	dt.taken = true
	dt.mu.Unlock()
	t.add(dt.orphans.take())
	t.fill(res)
}

func (t *dialTimes) add(o dialTimes) {
	t.connect += o.connect
	t.handshake += o.handshake
	t.opened += o.opened
}

// fill writes the connection figures of one request into its result.
func (t dialTimes) fill(res *Result) {
	res.Connect, res.Handshake, res.Opened = t.connect, t.handshake, uint8(min(t.opened, 255))
}
