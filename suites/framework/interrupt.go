package framework

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// On SIGINT or SIGTERM Ginkgo abandons a running node that takes no
// context and goes on to the cleanup nodes. A request such a node still had
// out must not come back into Ginkgo afterwards: its DeferCleanup or Fail
// would run from a node that no longer exists, which ends the whole process
// with a crash instead of the cleanup and the reports. So Call, the helper
// of spec and setup bodies, parks its goroutine for good when an interrupt
// came while its request was out (the process is ending; a node that takes a
// context is given up by Ginkgo after the grace period). Cleanup nodes use Do
// with their SpecContext, never Call, so the deletes after an interrupt run.
type interrupts struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
}

// current is the context the next interrupt ends; nil when not watching.
func (i *interrupts) current() context.Context {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.ctx
}

func (i *interrupts) fire() {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.cancel != nil {
		i.cancel()
	}
	i.ctx, i.cancel = context.WithCancel(context.Background())
}

// WatchInterrupts makes Call in a Ginkgo suite run safe to abandon as
// described above, until the returned function is called. Runs outside
// Ginkgo (fuzzing, sequences, the proxy) handle interrupts themselves and
// do not call it.
func (f *Framework) WatchInterrupts() (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	f.intr.fire() // the first generation
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigs:
				f.intr.fire()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// park blocks the goroutine of an abandoned node until the process exits.
func park() { select {} }
