package load

import (
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// preciseTimers tells whether this platform has preciseWaiter.
const preciseTimers = true

// Tuning of preciseWaiter.
const (
	// coarseMargin: waits longer than this start on a Go timer, which may
	// wake a millisecond or so late, aimed this far ahead of the deadline.
	coarseMargin = 2 * time.Millisecond
	// The kernel timer's wake-up delay is learnt (an average) and the sleep
	// aimed that much early; the rest is spun. Bounds of the estimate:
	minWakeDelay, maxWakeDelay = 2 * time.Microsecond, 15 * time.Microsecond
)

// preciseWaiter sleeps on the kernel's high-resolution timer:
// clock_nanosleep on an absolute CLOCK_MONOTONIC deadline, from a thread of
// its own whose timer slack is 1 ns (the default 50 µs lets the kernel
// batch wake-ups), then spins the last few microseconds. The sleep is a raw
// system call, so the pacer keeps its scheduler slot (P) while it sleeps;
// Runner.Run adds one P for it, so workers never wait behind it. A stop or a
// garbage-collection pause interrupts it (EINTR) within the signal's latency.
type preciseWaiter struct {
	coarse    *goWaiter
	mono0     int64         // CLOCK_MONOTONIC at elapsed0 of the attack, ns
	elapsed0  time.Duration // attack offset when mono0 was read
	wakeDelay time.Duration // how late clock_nanosleep returns, on average
}

// newPreciseWaiter must run on the pacer's goroutine: it locks it to its
// thread for good (the thread ends with the goroutine, taking its timer
// slack with it).
func newPreciseWaiter(atk *Attack) (waiter, error) {
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0); err != nil {
		return nil, err
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return nil, err
	}
	return &preciseWaiter{coarse: newGoWaiter(), mono0: ts.Nano(), elapsed0: time.Since(atk.Start), wakeDelay: maxWakeDelay}, nil
}

func (w *preciseWaiter) wait(atk *Attack, intended time.Duration) bool {
	if intended-time.Since(atk.Start) > coarseMargin+time.Millisecond {
		if !w.coarse.wait(atk, intended-coarseMargin) {
			return false
		}
	}
	for {
		left := intended - time.Since(atk.Start)
		if left <= 0 {
			return true
		}
		if left <= w.wakeDelay {
			for time.Since(atk.Start) < intended {
			}
			return true
		}
		aim := intended - w.wakeDelay
		ts := unix.NsecToTimespec(w.mono0 + int64(aim-w.elapsed0))
		_, _, e := syscall.RawSyscall6(unix.SYS_CLOCK_NANOSLEEP, unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME,
			uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		if e == 0 {
			late := time.Since(atk.Start) - aim
			w.wakeDelay += (min(max(late, minWakeDelay), maxWakeDelay) - w.wakeDelay) / 8
		}
		select {
		case <-atk.stop:
			return false
		default:
		}
	}
}
