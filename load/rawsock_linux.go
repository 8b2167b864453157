package load

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rideLowat is the receive low-water mark while a worker waits for the
// pacer's tick: below it an arriving answer does not make the socket
// readable, so it does not wake the process (see tickBoard). A larger
// answer wakes it as before.
const rideLowat = 32 << 10

// rawSocket reads and writes a TCP connection with raw system calls inside
// the runtime's poller (syscall.RawConn): the socket is non-blocking, so a
// call never blocks, and a raw call skips the scheduler's syscall
// bookkeeping. That bookkeeping wakes the runtime's monitor thread (sysmon)
// from its idle sleep on the first system call after the process has been
// idle, and the monitor then polls every 20 µs for a while; at a few
// thousand requests per second the process idles between almost every
// request, and at 5,000 req/s the monitor alone took about a quarter of the
// generator's CPU. Waiting (EAGAIN) and deadlines still go through the
// poller as for any net.Conn.
type rawSocket struct {
	rc syscall.RawConn
	// The read and the write in progress, kept here so that the callbacks
	// handed to rc are bound once and a call allocates nothing. Separate
	// state for each direction: a read and a write may overlap.
	rbuf, wbuf     []byte
	rn, wn         int
	rerrno, werrno syscall.Errno
	readFn, wrtFn  func(fd uintptr) bool
	tryFn          func(fd uintptr) bool

	// Kernel receive timestamps (SO_TIMESTAMPNS): stamps when enabled,
	// rxWall the wall-clock arrival (ns) of the last bytes read since the
	// last write, 0 when unknown.
	stamps bool
	rxWall int64
	msg    unix.Msghdr
	iov    unix.Iovec
	oob    [64]byte
	// ride: plain HTTP with timestamps, so an answer may be read at the
	// pacer's next tick; lowat: the low-water mark is rideLowat now;
	// awaiting: a request was written and its answer not read yet.
	ride, lowat, awaiting bool
	// ticks: the board of the run whose request the socket carries now
	// (set per request by rideOn; nil: never wait for a tick).
	ticks *tickBoard
}

// socketIO returns the reader and writer of the hot path for conn, and
// the raw connection peerClosed probes (nil when conn has none). ride: the
// caller reads whole answers itself (plain HTTP), so a first read may wait
// for the pacer's tick.
func socketIO(conn net.Conn, ride bool) (io.Reader, io.Writer, syscall.RawConn) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return conn, conn, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return conn, conn, nil
	}
	s := &rawSocket{rc: rc}
	s.readFn, s.wrtFn, s.tryFn = s.readOnce, s.writeAll, s.readTry
	rc.Control(func(fd uintptr) {
		s.stamps = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1) == nil
	})
	s.ride = ride && s.stamps
	return s, s, rc
}

// rideOn makes the next request written to r, when r is a riding raw
// socket, wait for b's ticks for its answer (see tickBoard). A connection
// may outlive a run, so its run is set with each request.
func rideOn(r io.Reader, b *tickBoard) {
	if s, ok := r.(*rawSocket); ok {
		s.ticks = b
	}
}

// arrival is the wall-clock time (ns) at which the kernel received the
// last bytes read from r since its last write; 0 when unknown.
func arrival(r io.Reader) int64 {
	if s, ok := r.(*rawSocket); ok {
		return s.rxWall
	}
	return 0
}

// setLowat sets the socket's receive low-water mark.
func (s *rawSocket) setLowat(n int) {
	v := int32(n)
	// Raw: through the scheduler it would wake the monitor thread (see above).
	s.rc.Control(func(fd uintptr) {
		syscall.RawSyscall6(syscall.SYS_SETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_RCVLOWAT,
			uintptr(unsafe.Pointer(&v)), 4, 0)
	})
}

// peerClosed tells, without blocking, whether an idle kept-alive
// connection can no longer carry a request: the peer closed or reset it, or
// sent bytes nobody asked for (a TLS close_notify, a stray answer). Checking
// before the write is what makes a retry safe: a request is re-sent only
// when it provably never left.
func peerClosed(rc syscall.RawConn) bool {
	if rc == nil {
		return false
	}
	closed := false
	err := rc.Read(func(fd uintptr) bool {
		var b [1]byte
		for {
			_, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
				syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
			if e == syscall.EINTR {
				continue
			}
			// EOF, a reset or a stray byte all mean the connection is done.
			closed = e != syscall.EAGAIN
			return true
		}
	})
	return closed || err != nil
}

func (s *rawSocket) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.rbuf, s.rn, s.rerrno = p, 0, 0
	if s.lowat {
		// The first read of an answer waits for the pacer's next tick
		// and takes what is there; with nothing there (or no tick soon),
		// or for any later read, the low-water mark goes back to one
		// byte and the read parks in the poller as always.
		if s.awaiting && s.ticks.wait() {
			s.awaiting = false
			if err := s.rc.Read(s.tryFn); err == nil && s.rerrno != syscall.EAGAIN {
				n, errno := s.rn, s.rerrno
				s.rbuf = nil
				switch {
				case errno != 0:
					return 0, os.NewSyscallError("read", errno)
				case n == 0:
					return 0, io.EOF
				}
				return n, nil
			}
			s.rn, s.rerrno = 0, 0
		}
		s.awaiting = false
		s.lowat = false
		s.setLowat(1)
	}
	err := s.rc.Read(s.readFn)
	n, errno := s.rn, s.rerrno
	s.rbuf = nil
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, os.NewSyscallError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// readOnce reads what is there; false asks the poller to wait for more.
func (s *rawSocket) readOnce(fd uintptr) bool {
	n, e := s.recv(fd, s.rbuf)
	if e == syscall.EAGAIN {
		return false
	}
	s.rn, s.rerrno = n, e
	return true
}

// readTry reads what is there, never waiting (EAGAIN when nothing is).
func (s *rawSocket) readTry(fd uintptr) bool {
	s.rn, s.rerrno = s.recv(fd, s.rbuf)
	return true
}

// recv reads p with the kernel's receive timestamp when it is enabled.
func (s *rawSocket) recv(fd uintptr, p []byte) (int, syscall.Errno) {
	if !s.stamps {
		return rawRead(fd, p)
	}
	s.iov.Base = &p[0]
	s.iov.SetLen(len(p))
	s.msg.Iov = &s.iov
	s.msg.Iovlen = 1
	s.msg.Control = &s.oob[0]
	s.msg.SetControllen(len(s.oob))
	s.msg.Flags = 0
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&s.msg)), unix.MSG_DONTWAIT)
		if e == syscall.EINTR {
			continue
		}
		s.iov.Base = nil // keep no reference to the caller's buffer
		if e == 0 && r > 0 {
			s.stamp()
		}
		return int(r), e
	}
}

// stamp keeps the receive timestamp of the control message, if any.
func (s *rawSocket) stamp() {
	hdr := unix.CmsgLen(0)
	if int(s.msg.Controllen) < unix.CmsgLen(16) {
		return
	}
	h := (*unix.Cmsghdr)(unsafe.Pointer(&s.oob[0]))
	if h.Level != unix.SOL_SOCKET || h.Type != unix.SCM_TIMESTAMPNS {
		return
	}
	ts := (*unix.Timespec)(unsafe.Pointer(&s.oob[hdr]))
	s.rxWall = ts.Nano()
}

// rawRead is read(2) without the scheduler's system-call bookkeeping,
// retried when a signal interrupts it.
func rawRead(fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e != syscall.EINTR {
			return int(r), e
		}
	}
}

func (s *rawSocket) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.wbuf, s.wn, s.werrno = p, 0, 0
	s.rxWall = 0
	if s.ride && s.ticks != nil && s.ticks.worth.Load() {
		if !s.lowat {
			s.lowat = true
			s.setLowat(rideLowat)
		}
		s.awaiting = true
	}
	err := s.rc.Write(s.wrtFn)
	n, errno := s.wn, s.werrno
	s.wbuf = nil
	if err != nil {
		return n, err
	}
	if errno != 0 {
		return n, os.NewSyscallError("write", errno)
	}
	return n, nil
}

// writeAll writes all of s.wbuf; false asks the poller to wait for room.
func (s *rawSocket) writeAll(fd uintptr) bool {
	for s.wn < len(s.wbuf) {
		rest := s.wbuf[s.wn:]
		r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&rest[0])), uintptr(len(rest)))
		switch e {
		case 0:
			s.wn += int(r)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			s.werrno = e
			return true
		}
	}
	return true
}
