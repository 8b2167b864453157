//go:build !linux

package load

import (
	"io"
	"net"
)

// socketIO returns the reader and writer of the hot path for conn: the
// connection itself outside Linux (see rawsock_linux.go).
func socketIO(conn net.Conn) (io.Reader, io.Writer) { return conn, conn }
