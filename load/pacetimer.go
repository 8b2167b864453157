package load

import "time"

// waiter puts the pacer to sleep until a request's intended time.
type waiter interface {
	// wait returns false when the attack stopped first.
	wait(atk *Attack, intended time.Duration) bool
	close()
}

// goWaiter sleeps on a Go timer. When the process is mostly idle the
// runtime waits for timers in whole milliseconds (epoll), so a request may
// leave up to about a millisecond late: the choice with --go-timers, and
// the fallback where preciseWaiter is not available.
type goWaiter struct{ timer *time.Timer }

func newGoWaiter() goWaiter {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return goWaiter{timer: t}
}

func (w goWaiter) wait(atk *Attack, intended time.Duration) bool {
	d := intended - time.Since(atk.Start)
	if d <= 0 {
		return true
	}
	w.timer.Reset(d)
	select {
	case <-w.timer.C:
		return true
	case <-atk.stop:
		w.timer.Stop()
		return false
	}
}

func (w goWaiter) close() { w.timer.Stop() }
