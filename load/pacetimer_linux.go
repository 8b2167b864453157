package load

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// preciseTimers tells whether this platform has preciseWaiter.
const preciseTimers = true

// Tuning of preciseWaiter's spin.
const (
	// spinShare: the pacer spins at most 1/spinShare of the request
	// interval, so spinning costs at most that share of one CPU.
	spinShare = 128
	// maxWakeDelay bounds the learnt wake-up delay (the spin's length).
	maxWakeDelay = 100 * time.Microsecond
	// minSpinInterval: at shorter intervals (above 1,000 req/s) the pacer
	// does not spin. There the spin covers at most a few microseconds of
	// a wake-up delay of tens, so the send lag hardly moves without it
	// (p50 35–37 µs against 34–35 at 5,000/s), while every request paid
	// for it in CPU (about 3 µs a request at 2,000/s).
	minSpinInterval = time.Millisecond
	// unfiredMargin: far more than the error of mapping the attack's
	// clock to the timer's (two clock readings in a row).
	unfiredMargin = 10 * time.Microsecond
)

// preciseWaiter sleeps on a kernel timer file (timerfd: CLOCK_MONOTONIC,
// an absolute deadline, no timer slack) that sits in the runtime's own
// network poller. The pacer goroutine parks like one waiting on a socket,
// and the thread idling in epoll_wait returns the moment the timer expires,
// however long the runtime itself meant to sleep: Go timers, by contrast,
// wake an idle process in whole milliseconds. No thread or P is set aside
// for the pacer (an earlier pacer slept in clock_nanosleep on a locked
// thread and cost about three more context switches per request, the
// hand-off to a worker on another thread): the due request goes to a worker
// on the same P, which runs next, without waking another thread. A stop
// interrupts the wait through the file's read deadline; a garbage
// collection sees a parked goroutine.
type preciseWaiter struct {
	f         *os.File
	rc        syscall.RawConn
	fd        int
	mono0     int64         // CLOCK_MONOTONIC at elapsed0 of the attack, ns
	elapsed0  time.Duration // attack offset when mono0 was read
	spec      unix.ItimerSpec
	expiry    [8]byte
	atk       *Attack       // the attack it paces: its clock and tick board
	aim       time.Duration // the deadline readExpiry waits for
	first     bool          // readExpiry's first call of a wait
	readFn    func(fd uintptr) bool
	prev      time.Duration // the previous request's intended time
	wakeDelay time.Duration // how late the timer wakes the pacer, on average
	done      chan struct{}
}

func newPreciseWaiter(atk *Attack) (waiter, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("timerfd_create", err)
	}
	// Non-blocking, so os.NewFile puts it in the poller (never call Fd(),
	// which would make it blocking again).
	f := os.NewFile(uintptr(fd), "pacer timerfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		f.Close()
		return nil, err
	}
	w := &preciseWaiter{f: f, rc: rc, fd: fd, mono0: ts.Nano(), elapsed0: time.Since(atk.Start), done: make(chan struct{}), atk: atk}
	w.readFn = w.readExpiry
	w.atk.ticks.start()
	// A stop sets a read deadline in the past: a parked pacer returns at
	// once, and so does every later wait (the deadline stays).
	go func() {
		select {
		case <-atk.stop:
			f.SetReadDeadline(time.Unix(1, 0))
		case <-w.done:
		}
	}()
	return w, nil
}

// wait aims the timer early by the usual wake-up delay, at most a small
// share of the interval, and spins the rest: where the delay is long (an
// idle machine, a low rate) the spin removes it for a fraction of one
// CPU. At a thousand requests a second and more it does not spin.
func (w *preciseWaiter) wait(atk *Attack, intended time.Duration) bool {
	ival := intended - w.prev
	w.atk.ticks.interval(ival)
	early := time.Duration(0)
	if ival >= minSpinInterval {
		early = min(w.wakeDelay, ival/spinShare)
	}
	w.prev = intended
	aim := intended - early
	for {
		now := time.Since(atk.Start)
		if now >= aim {
			w.atk.ticks.fire(true)
			for now < intended {
				now = time.Since(atk.Start)
			}
			return true
		}
		w.spec.Value = unix.NsecToTimespec(w.mono0 + int64(aim-w.elapsed0))
		// Raw: a system call through the scheduler would wake its monitor
		// thread after every idle spell (see rawSocket). Setting the timer
		// also clears an expiry not yet read.
		_, _, e := syscall.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(w.fd), unix.TFD_TIMER_ABSTIME,
			uintptr(unsafe.Pointer(&w.spec)), 0, 0, 0)
		if e != 0 {
			w.atk.ticks.fire(false)
			return newGoWaiter().wait(atk, intended) // not expected: EINVAL, EBADF
		}
		w.atk.ticks.sleeping(aim-now <= tickSoon)
		w.aim, w.first = aim, true
		err := w.rc.Read(w.readFn)
		w.atk.ticks.fire(err == nil)
		if err != nil {
			return false // stopped: the deadline set by Stop
		}
		if late := time.Since(atk.Start) - aim; late >= 0 {
			w.wakeDelay += (min(late, maxWakeDelay) - w.wakeDelay) / 8
		}
	}
}

// readExpiry consumes the timer's expiry count; false (nothing yet) asks
// the poller to park the pacer until the timer fires. The poller forgets a
// readiness it saw before the wait began, so the first call must read if
// the timer may have fired by then. When the clock says the aim is still
// ahead (the timer runs on the same clock and never fires early), the
// expiry is bound to come after the wait began and wake it: no read.
// (A periodic timer, armed once at a steady rate, was tried and dropped:
// it saved the timerfd_settime but the kernel re-arms it in the read, and
// the process switched 0.15 more times per request at 5,000/s.)
func (w *preciseWaiter) readExpiry(fd uintptr) bool {
	if w.first {
		w.first = false
		if time.Since(w.atk.Start) < w.aim-unfiredMargin {
			return false // it cannot have fired: one system call less a request
		}
	}
	_, e := rawRead(fd, w.expiry[:])
	return e != syscall.EAGAIN
}

func (w *preciseWaiter) close() {
	w.atk.ticks.stop()
	close(w.done)
	w.f.Close()
}
