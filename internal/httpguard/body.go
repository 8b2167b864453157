package httpguard

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// TooLargeError is a body over its route's limit, announced or actual.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the request body is too large: at most %d bytes", e.Limit)
}

// ReadBody appends r's body to buf, which grows as bytes arrive, never
// from what Content-Length announces, and refuses a body over limit
// (announced or actual) with a *TooLargeError. The connection's read
// deadline (Config.HeaderTimeout+BodyTimeout from the request's start, see
// Server) bounds a body that trickles: its error then wraps
// os.ErrDeadlineExceeded. Once the body is in, the deadline is lifted so
// that a long handler is not cut off by it. What was read is returned even
// on error, for the caller to reuse the buffer.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64, buf []byte) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		liftReadDeadline(w)
		return buf, nil
	}
	if r.ContentLength > limit {
		return buf, &TooLargeError{Limit: limit}
	}
	b := buf
	start := len(b)
	lr := io.LimitReader(r.Body, limit+1)
	for reads, waiting := 0, false; ; reads++ {
		if reads > 0 && !waiting && (r.ContentLength < 0 || int64(len(b)-start) < r.ContentLength) {
			// The body did not come in one piece: the connection now waits
			// for the client, and may make room for another at the cap.
			waiting = true
			defer quietWhile(r.Context())()
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return b, fmt.Errorf("read request body: %w", err)
		}
	}
	if int64(len(b)-start) > limit {
		return b, &TooLargeError{Limit: limit}
	}
	liftReadDeadline(w)
	return b, nil
}

// IsTooLarge reports whether err is a *TooLargeError.
func IsTooLarge(err error) bool {
	var tl *TooLargeError
	return errors.As(err, &tl)
}

// liftReadDeadline clears the read deadline once the request is in, so net/http's
// background read (which cancels the request's context when it fails) does not time out under a long handler.
func liftReadDeadline(w http.ResponseWriter) {
	if w != nil {
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	}
}
