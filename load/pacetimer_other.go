//go:build !linux

package load

import "errors"

// preciseTimers tells whether this platform has preciseWaiter.
const preciseTimers = false

func newPreciseWaiter(*Attack) (waiter, error) {
	return nil, errors.New("precise pacing needs Linux's timerfd")
}
