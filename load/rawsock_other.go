//go:build !linux

package load

import (
	"io"
	"net"
	"syscall"
)

// socketIO returns the reader and writer of the hot path for conn: the
// connection itself outside Linux (see rawsock_linux.go).
func socketIO(conn net.Conn, _ bool) (io.Reader, io.Writer, syscall.RawConn) {
	return conn, conn, nil
}

// rideOn: no riding raw sockets here.
func rideOn(io.Reader, *tickBoard) {}

// arrival: no kernel receive timestamps here.
func arrival(io.Reader) int64 { return 0 }

// peerClosed cannot probe a connection here: a reused connection is
// trusted, and a request it fails after being written is not re-sent.
func peerClosed(syscall.RawConn) bool { return false }
