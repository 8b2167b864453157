// Package httpguardtest holds the hostile-client helpers the tests of guarded servers share: a raw connection that writes any bytes, and a check of the documented Error body.
package httpguardtest

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Conn is a hostile client: it writes whatever bytes it is given to a
// server's port and reads the answer without net/http's client.
type Conn struct {
	t *testing.T
	net.Conn
	r *bufio.Reader
}

// Dial connects to addr ("host:port" or "http://host:port"); the
// connection closes when the test ends.
func Dial(t *testing.T, addr string) *Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(addr, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &Conn{t: t, Conn: c, r: bufio.NewReader(c)}
}

// Send writes s or fails the test.
func (c *Conn) Send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Answer reads one response within wait; an error means none came.
func (c *Conn) Answer(wait time.Duration) (status int, contentType string, body []byte, err error) {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), body, err
}

// ErrorBody checks an answer is the documented Error body with code.
func ErrorBody(t *testing.T, what string, status, wantStatus int, contentType string, body []byte, wantCode string) {
	t.Helper()
	var e struct {
		Code string `json:"error_code"`
		Msg  string `json:"error_msg"`
	}
	if status != wantStatus || contentType != "application/json" || json.Unmarshal(body, &e) != nil || e.Code != wantCode || len(e.Msg) < 2 {
		t.Errorf("%s: %d %s %q, want %d with an Error body coded %s", what, status, contentType, body, wantStatus, wantCode)
	}
}

// Reader is what the server sent and Answer has not read.
func (c *Conn) Reader() io.Reader { return c.r }

// Trickle writes one space every interval until the returned stop is
// called or a write fails: a body that arrives too slowly.
func (c *Conn) Trickle(every time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(every):
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	return func() { close(done) }
}
