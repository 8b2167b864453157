package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// http1Client sends requests over plain-HTTP/1.1 keep-alive connections it
// owns, without net/http's two goroutines and channel hand-offs per
// connection: one write and usually one read system call per request, on the
// worker's own goroutine. It serves the hot path of http:// targets; https
// targets and sampled validations go through net/http.
type http1Client struct {
	addr    string
	tls     *tls.Config // nil for http://
	timeout time.Duration
	idle    chan *http1Conn
	slots   chan struct{} // one per connection allowed
	dialer  net.Dialer

	mu     sync.Mutex
	open   map[*http1Conn]struct{}
	closed bool
}

type http1Conn struct {
	c      net.Conn
	r      io.Reader // c, or its raw socket (see rawSocket)
	w      io.Writer
	br     *bufio.Reader
	rc     syscall.RawConn // for peerClosed; nil where it cannot probe
	buf    []byte          // request bytes when they are built per request (AK/SK)
	body   []byte          // a successful answer's body, while it is checked
	reused bool
}

func newHTTP1Client(u *url.URL, connections int, timeout time.Duration, tlsConf *tls.Config) *http1Client {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[bool]string{true: "443", false: "80"}[tlsConf != nil])
	}
	if tlsConf != nil && tlsConf.ServerName == "" {
		tlsConf = tlsConf.Clone()
		tlsConf.ServerName = u.Hostname()
	}
	return &http1Client{
		addr:    host,
		tls:     tlsConf,
		timeout: timeout,
		idle:    make(chan *http1Conn, connections),
		slots:   make(chan struct{}, connections),
		dialer:  net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second},
		open:    make(map[*http1Conn]struct{}),
	}
}

// errConnectionWait is a request that timed out waiting for one of its connections.
var errConnectionWait = fmt.Errorf("no connection free within the request timeout: %w", context.DeadlineExceeded)

// dialTimes is what opening a connection took, for the connection figures of the report.
type dialTimes struct {
	connect, handshake time.Duration
	opened             int
}

// get returns an idle connection, dials a new one while under the limit, or waits for one until deadline.
func (c *http1Client) get(ctx context.Context, deadline time.Time, dt *dialTimes) (*http1Conn, error) {
	select {
	case hc := <-c.idle:
		return hc, nil
	default:
	}
	wait := time.NewTimer(time.Until(deadline))
	defer wait.Stop()
	select {
	case <-wait.C:
		return nil, errConnectionWait
	case hc := <-c.idle:
		return hc, nil
	case c.slots <- struct{}{}:
		hc, err := c.dial(ctx, deadline, dt)
		if err != nil {
			<-c.slots
			return nil, err
		}
		conn := hc.c
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			conn.Close()
			<-c.slots
			return nil, context.Canceled
		}
		c.open[hc] = struct{}{}
		c.mu.Unlock()
		return hc, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// dial opens a connection (TCP, then TLS for https://), timing each step.
func (c *http1Client) dial(ctx context.Context, deadline time.Time, dt *dialTimes) (*http1Conn, error) {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	began := time.Now()
	conn, err := c.dialer.DialContext(dctx, "tcp", c.addr)
	if err != nil {
		return nil, err
	}
	dt.connect += time.Since(began)
	dt.opened++
	r, w, rc := socketIO(conn, c.tls == nil)
	if c.tls != nil {
		began = time.Now()
		// TLS reads and writes through the raw socket too (see rawSocket).
		tc := tls.Client(rawNetConn{conn, r, w}, c.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("TLS handshake with %s: %w", c.addr, err)
		}
		dt.handshake += time.Since(began)
		conn, r, w = tc, tc, tc
	}
	return &http1Conn{c: conn, r: r, w: w, rc: rc, br: bufio.NewReaderSize(r, 16<<10)}, nil
}

// rawNetConn is a connection whose reads and writes go through r and w.
type rawNetConn struct {
	net.Conn
	r io.Reader
	w io.Writer
}

func (c rawNetConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c rawNetConn) Write(p []byte) (int, error) { return c.w.Write(p) }

func (c *http1Client) put(hc *http1Conn) {
	hc.reused = true
	c.idle <- hc
}

func (c *http1Client) discard(hc *http1Conn) {
	hc.c.Close()
	c.mu.Lock()
	delete(c.open, hc)
	c.mu.Unlock()
	<-c.slots
}

// abort unblocks every request in flight (interrupt after the drain grace) and refuses new connections.
func (c *http1Client) abort() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for hc := range c.open {
		hc.c.SetDeadline(time.Unix(1, 0))
	}
}

// close closes the idle connections.
func (c *http1Client) close() {
	for {
		select {
		case hc := <-c.idle:
			c.discard(hc)
		default:
			return
		}
	}
}

// http1Response is what the hot path keeps of an answer.
type http1Response struct {
	status    int
	bytesIn   int64
	requestID string
	body      []byte // only for failed answers (error_code), at most 4 KB
	// invalidJSON: a 2xx whose body is neither JSON nor declared text.
	invalidJSON bool
	// received: the wall-clock time (ns) the kernel received the
	// answer's last bytes, 0 when unknown (see tickBoard).
	received int64
}

// Errors of a request on a kept-alive connection. Only errNotSent is
// retried: an invocation is not idempotent, so a request that may have
// reached the server is a failed request, never a hidden second one.
var (
	errNotSent = errors.New("kept-alive connection found closed before the request was written")
	// errClosedUnanswered: the request was written whole, then the server closed without a byte of answer.
	errClosedUnanswered = errors.New("server closed the connection after the request was sent, without answering (not re-sent: the invocation may have run)")
)

// do writes req (a whole HTTP/1.1 request) and reads the answer. A reused
// connection is probed before the write; found closed, the request goes on
// another connection, since provably nothing of it left. Any failure after
// the first byte was written is final.
func (c *http1Client) do(ctx context.Context, req []byte, build func(dst []byte) []byte, wantID bool, dt *dialTimes) (http1Response, error) {
	deadline := time.Now().Add(c.timeout) // waiting for a connection counts against the timeout too
	ticks := ticksOf(ctx)
	for attempt := 0; ; attempt++ {
		hc, err := c.get(ctx, deadline, dt)
		if err != nil {
			if ctx.Err() != nil {
				err = context.Cause(ctx)
			}
			return http1Response{}, err
		}
		res, err := c.roundTrip(hc, ticks, deadline, req, build, wantID)
		switch {
		case err == nil:
			return res, nil
		case errors.Is(err, errNotSent) && attempt <= cap(c.slots):
			continue // every idle connection may have gone stale at once (a server restart)
		default:
			if ctx.Err() != nil {
				return res, context.Cause(ctx)
			}
			return res, err
		}
	}
}

// roundTrip sends req on hc; the answer waits for ticks (see tickBoard).
func (c *http1Client) roundTrip(hc *http1Conn, ticks *tickBoard, deadline time.Time, req []byte, build func(dst []byte) []byte, wantID bool) (res http1Response, err error) {
	keep := false
	defer func() {
		if keep {
			c.put(hc)
		} else {
			c.discard(hc)
		}
	}()
	if hc.reused && (hc.br.Buffered() > 0 || peerClosed(hc.rc)) {
		return res, errNotSent
	}
	if err = hc.c.SetDeadline(deadline); err != nil {
		return res, err
	}
	if build != nil {
		hc.buf = build(hc.buf[:0])
		req = hc.buf
	}
	// Ride only while another connection is free or may be opened: when
	// this is the last one, the next request (due at the very tick the
	// rider waits for) needs it, and a rider holds it until that tick, so
	// the connections would carry one request a tick — no more than the
	// rate — and every hiccup would queue for good.
	if ticks != nil && len(c.idle) == 0 && len(c.slots) == cap(c.slots) {
		ticks = nil
	}
	rideOn(hc.r, ticks)
	if n, werr := hc.w.Write(req); werr != nil {
		if n == 0 && hc.reused && !isTimeout(werr) {
			return res, errNotSent
		}
		// The server may have answered before reading the whole request
		// (413 for a body too large) and closed: its answer is the result.
		if early, _, rerr := readAnswer(hc.br, &hc.body, wantID); rerr == nil {
			return early, nil
		}
		if isTimeout(werr) {
			return res, werr
		}
		return res, fmt.Errorf("connection broken after %d of %d request bytes were written, no answer (not re-sent): %w", n, len(req), werr)
	}
	res, keep, err = readAnswer(hc.br, &hc.body, wantID)
	res.received = arrival(hc.r)
	return res, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readAnswer reads one answer (skipping 1xx) and its body; keep tells whether the connection may carry another request.
// A 2xx answer's body is read into scratch and checked to be JSON unless the answer says it is text.
func readAnswer(br *bufio.Reader, scratch *[]byte, wantID bool) (res http1Response, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if len(line) == 0 && (err == io.EOF || errors.Is(err, syscall.ECONNRESET)) {
			return res, false, errClosedUnanswered
		}
		return res, false, err
	}
	for {
		var http10 bool
		if res.status, http10, err = parseStatusLine(line); err != nil {
			return res, false, err
		}
		h, herr := readHeaders(br, wantID)
		if herr != nil {
			return res, false, herr
		}
		if res.status >= 100 && res.status < 200 {
			if line, err = br.ReadSlice('\n'); err != nil {
				return res, false, err
			}
			continue
		}
		res.requestID = h.requestID
		closeConn := h.close || (http10 && !h.keepAlive)
		// A failed answer keeps its start, in memory of its own (the result
		// outlives the connection); a successful one is checked in scratch.
		var body []byte
		limit := 0
		switch {
		case res.status < 200 || res.status >= 300:
			limit = keptBodyLimit
		case !h.text:
			body, limit = (*scratch)[:0], checkBodyLimit
		}
		switch {
		case res.status == http.StatusNoContent || res.status == http.StatusNotModified:
		case h.chunked:
			body, res.bytesIn, err = readChunked(br, body, limit)
		case h.length >= 0:
			body, res.bytesIn, err = readN(br, h.length, body, limit)
		default:
			body, res.bytesIn, err = readN(br, -1, body, limit)
			closeConn = true
		}
		if limit == checkBodyLimit {
			*scratch = body
			res.invalidJSON = err == nil && res.bytesIn <= checkBodyLimit && !json.Valid(body)
		} else {
			res.body = body
		}
		return res, err == nil && !closeConn, err
	}
}

// parseStatusLine reads "HTTP/1.x NNN ..."; http10 tells an HTTP/1.0 answer, which closes unless it says keep-alive.
func parseStatusLine(line []byte) (code int, http10 bool, err error) {
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, fmt.Errorf("malformed HTTP status line %q", bytes.TrimSpace(line))
	}
	code, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("malformed HTTP status line %q", bytes.TrimSpace(line))
	}
	return code, line[7] == '0', nil
}

// answerHead is what the hot path needs of an answer's header block.
type answerHead struct {
	length    int64 // Content-Length, or -1
	chunked   bool
	close     bool // "close" among the Connection tokens
	keepAlive bool // "keep-alive" among them (what keeps an HTTP/1.0 connection open)
	text      bool // Content-Type text/*: the bare result (X-CFF-Request-Version v0), not JSON
	requestID string
}

// readHeaders reads the header block.
func readHeaders(br *bufio.Reader, wantID bool) (h answerHead, err error) {
	h.length = -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return h, errors.New("HTTP header line over 16 KB")
			}
			return h, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return h, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "content-length"):
			if h.length, err = strconv.ParseInt(string(value), 10, 64); err != nil || h.length < 0 {
				return h, fmt.Errorf("bad Content-Length %q", value)
			}
		case asciiEqualFold(name, "transfer-encoding"):
			h.chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case asciiEqualFold(name, "connection"):
			for tok := range bytes.SplitSeq(value, []byte(",")) {
				tok = bytes.TrimSpace(tok)
				h.close = h.close || asciiEqualFold(tok, "close")
				h.keepAlive = h.keepAlive || asciiEqualFold(tok, "keep-alive")
			}
		case asciiEqualFold(name, "content-type"):
			h.text = len(value) >= 5 && asciiEqualFold(value[:5], "text/")
		case wantID && asciiEqualFold(name, "x-cff-request-id"):
			h.requestID = string(value)
		}
	}
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// Body bytes kept of an answer: the start of a failed one (for its
// error_code), all of a successful one up to the largest synchronous answer
// (to check it is the documented JSON).
const (
	keptBodyLimit  = 4 << 10
	checkBodyLimit = 8 << 20
)

// readN reads n body bytes (all until EOF when n < 0), appending the first
// limit - len(dst) of them to dst. It allocates nothing beyond dst's growth.
func readN(br *bufio.Reader, n int64, dst []byte, limit int) ([]byte, int64, error) {
	if limit <= len(dst) && n >= 0 {
		d, err := br.Discard(int(n))
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return dst, int64(d), err
	}
	var total int64
	for n < 0 || total < n {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				if n < 0 && err == io.EOF {
					return dst, total, nil
				}
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return dst, total, err
			}
		}
		k := br.Buffered()
		if n >= 0 {
			k = int(min(int64(k), n-total))
		}
		b, _ := br.Peek(k)
		if room := limit - len(dst); room > 0 {
			dst = append(dst, b[:min(room, len(b))]...)
		}
		br.Discard(k)
		total += int64(k)
	}
	return dst, total, nil
}

func readChunked(br *bufio.Reader, dst []byte, limit int) ([]byte, int64, error) {
	var total int64
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return dst, total, err
		}
		sizeStr, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
		size, err := strconv.ParseInt(string(sizeStr), 16, 64)
		if err != nil || size < 0 {
			return dst, total, fmt.Errorf("bad chunk size %q", sizeStr)
		}
		if size == 0 {
			for { // trailers
				line, err := br.ReadSlice('\n')
				if err != nil {
					return dst, total, err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return dst, total, nil
				}
			}
		}
		var m int64
		dst, m, err = readN(br, size, dst, limit)
		total += m
		if err != nil {
			return dst, total, err
		}
		crlf, err := br.Peek(2)
		if err != nil {
			return dst, total, err
		}
		if crlf[0] != '\r' || crlf[1] != '\n' {
			return dst, total, fmt.Errorf("chunk of %d bytes not followed by CRLF", size)
		}
		br.Discard(2)
	}
}

// appendRequest serializes r (headers as given) and body into dst as an HTTP/1.1 request.
func appendRequest(dst []byte, r *http.Request, body []byte) []byte {
	dst = append(dst, r.Method...)
	dst = append(dst, ' ')
	dst = append(dst, r.URL.RequestURI()...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, r.URL.Host...)
	dst = append(dst, "\r\n"...)
	for k, vs := range r.Header {
		for _, v := range vs {
			dst = append(dst, k...)
			dst = append(dst, ": "...)
			dst = append(dst, v...)
			dst = append(dst, "\r\n"...)
		}
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...)
}
