package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// tickBoard lets a worker that has written a request wait for its run's
// pacer to wake next instead of parking on its connection: at a few
// thousand requests per second the answer is usually there by then, so the
// process wakes once per request (the pacer's timer) instead of twice (the
// timer's and the answer's), and on this VM a wake-up is most of a
// request's CPU. The answer's arrival time comes from the kernel's receive
// timestamp, so reading it late does not make it look late (see rawSocket).
//
// Each run has its own board, fired by its own pacer only (see
// preciseWaiter), and its requests carry it in their context (withTicks):
// two runs in one process never release, hold or steer each other's
// workers. The pacer's state alone says whether a waiter will be released
// soon; a worker that waited on another run's pacer could be held while
// that pacer blocks on its own busy workers.
//
// A worker may wait only while the pacer is awake or asleep until a tick
// that is soon; the pacer releases every waiter whenever it wakes, before
// it sleeps longer than soon, and when it stops, so a waiter is never held
// longer than the pacer's next tick. Blocked on busy workers (at the cap),
// the pacer releases every waiter and no tick is soon until it has a
// worker: a worker waiting meanwhile might be the one it waits for.
type tickBoard struct {
	mu      sync.Mutex
	running bool // the run's precise pacer has started and not stopped
	soon    bool // it is awake or will wake soon
	ch      chan struct{}
	// worth: the pacer's interval is one at which riding pays: long
	// enough for most answers to be there at the next tick, short enough
	// that the tick is soon. Below it (tens of thousands per second) a
	// missed answer costs two more system calls and the process rarely
	// sleeps anyway.
	worth atomic.Bool
}

// ticksKey is the request-context key of a run's tick board.
type ticksKey struct{}

// withTicks makes requests under ctx wait on b for their answers.
func withTicks(ctx context.Context, b *tickBoard) context.Context {
	return context.WithValue(ctx, ticksKey{}, b)
}

// ticksOf is the tick board requests under ctx wait on; nil outside a run
// (a hitter called directly): then they never wait for a tick.
func ticksOf(ctx context.Context) *tickBoard {
	b, _ := ctx.Value(ticksKey{}).(*tickBoard)
	return b
}

// Intervals at which workers wait for the pacer's tick.
const (
	minRideInterval = 100 * time.Microsecond
	maxRideInterval = time.Millisecond
)

// interval tells the board the pacer's current request interval.
func (b *tickBoard) interval(d time.Duration) {
	worth := d >= minRideInterval && d <= maxRideInterval
	if b.worth.Load() != worth {
		b.worth.Store(worth)
	}
}

// tickSoon: a worker waits for a tick only when it is due within this.
const tickSoon = maxRideInterval

func (b *tickBoard) start() {
	b.mu.Lock()
	b.running = true
	b.soon = true
	b.mu.Unlock()
}

func (b *tickBoard) stop() {
	b.mu.Lock()
	b.running = false
	b.mu.Unlock()
	b.fire(false)
}

// sleeping tells the board the pacer goes to sleep, soon or not.
func (b *tickBoard) sleeping(soon bool) {
	if !soon {
		b.fire(false)
		return
	}
	b.mu.Lock()
	b.soon = b.running
	b.mu.Unlock()
}

// fire releases every waiter; awake tells whether the pacer keeps running.
func (b *tickBoard) fire(awake bool) {
	b.mu.Lock()
	ch := b.ch
	b.ch = nil
	b.soon = awake && b.running
	b.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}

// wait parks the caller until the next tick; false, at once, when no tick
// is due soon.
func (b *tickBoard) wait() bool {
	b.mu.Lock()
	if !b.soon || !b.running {
		b.mu.Unlock()
		return false
	}
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	ch := b.ch
	b.mu.Unlock()
	<-ch
	return true
}
