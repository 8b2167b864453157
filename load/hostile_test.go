package load

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// Misbehaving loopback servers the generator must account for honestly.

// listen opens a loopback listener closed with the test.
func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// serveConns runs handle on every accepted connection until the listener closes.
func serveConns(ln net.Listener, handle func(net.Conn)) {
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
}

// serveRequests reads request after request on every accepted connection
// and hands each to answer, until answer returns false: then the
// connection closes.
func serveRequests(ln net.Listener, answer func(c net.Conn, req *http.Request) bool) {
	serveConns(ln, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil || !answer(c, req) {
				return
			}
		}
	})
}

// closeEveryNthServer keeps connections alive and answers 200, except that
// every n-th invocation it receives (read whole) is met by closing the
// connection without a byte of answer. received counts every invocation read.
func closeEveryNthServer(t testing.TB, n int64) (url string, received, unanswered *atomic.Int64) {
	ln := listen(t)
	received, unanswered = new(atomic.Int64), new(atomic.Int64)
	serveRequests(ln, func(c net.Conn, req *http.Request) bool {
		io.Copy(io.Discard, req.Body)
		if received.Add(1)%n == 0 {
			unanswered.Add(1)
			return false
		}
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"result\":\"ok\"}")
		return true
	})
	return "http://" + ln.Addr().String(), received, unanswered
}

// early413Server answers 413 and closes as soon as it has read the headers
// of a request whose body is over limit, without reading the body (so the
// client is still writing when the connection goes).
func early413Server(t testing.TB, limit int64) string {
	ln := listen(t)
	serveRequests(ln, func(c net.Conn, req *http.Request) bool {
		if req.ContentLength > limit {
			body := `{"error_code":"FSS.0413","error_msg":"request body too large"}`
			fmt.Fprintf(c, "HTTP/1.1 413 Request Entity Too Large\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			return false
		}
		io.Copy(io.Discard, req.Body)
		fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
		return true
	})
	return "http://" + ln.Addr().String()
}

// frozenServer is a listener nobody accepts on, like a stopped process: the
// kernel completes connections into the backlog and buffers what is sent,
// and nothing ever answers.
func frozenServer(t testing.TB) string {
	return "http://" + listen(t).Addr().String()
}
