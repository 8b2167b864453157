package framework

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fgharness/fgharness/internal/client"
)

// deadAfter consecutive calls without an answer end the run: past that,
// every remaining spec would only wait out its timeout and fail the same way.
const deadAfter = 3

// targetHealth notices a target that stopped answering mid-run.
type targetHealth struct {
	mu          sync.Mutex
	consecutive int
	last        error
}

func (h *targetHealth) failed(err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, client.ErrResponseTooLarge) {
		return // an interrupt, or an answer that did come
	}
	h.mu.Lock()
	h.consecutive++
	h.last = err
	h.mu.Unlock()
}

func (h *targetHealth) answered() {
	h.mu.Lock()
	h.consecutive = 0
	h.mu.Unlock()
}

// lost is the reason the target counts as gone, or nil.
func (h *targetHealth) lost() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.consecutive < deadAfter {
		return nil
	}
	return fmt.Errorf("%w: %d calls in a row got no answer (last: %v)", ErrUnreachable, h.consecutive, redactError(h.last))
}

// TargetLost is the reason the run stopped early because the target went
// silent, or nil; the CLI turns it into exit status 2.
func (f *Framework) TargetLost() error { return f.health.lost() }

// describeTransportError says in words why a call got no answer.
func describeTransportError(err error, timeout time.Duration) error {
	if isTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s (--request-timeout): %w", timeout, redactError(err))
	}
	return redactError(err)
}
