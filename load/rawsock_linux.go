package load

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

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
}

// socketIO returns the reader and writer of the hot path for conn, and
// the raw connection peerClosed probes (nil when conn has none).
func socketIO(conn net.Conn) (io.Reader, io.Writer, syscall.RawConn) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return conn, conn, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return conn, conn, nil
	}
	s := &rawSocket{rc: rc}
	s.readFn, s.wrtFn = s.readOnce, s.writeAll
	return s, s, rc
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
	n, e := rawRead(fd, s.rbuf)
	if e == syscall.EAGAIN {
		return false
	}
	s.rn, s.rerrno = n, e
	return true
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
