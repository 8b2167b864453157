package emulator

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
)

// Body limits per route are the documented ones (fgs.MaxRequestBytes), each
// a Config field so tests can lower them.
func (e *Emulator) bodyLimit(rt *route) int64 {
	switch {
	case rt.invoke:
		return e.cfg.MaxInvokeBody
	case fgs.CarriesCodePackage(rt.op.ID):
		return e.cfg.MaxCodeBody
	}
	return e.cfg.MaxBody
}

// admit runs the checks every operation shares: credentials (before any
// body byte is read), body size, project, and (outside the invoke path) the
// spec's request validation.
func (e *Emulator) admit(c *call) *apiError {
	signed := false
	if !c.rt.public {
		var err *apiError
		if signed, err = e.authenticate(c.r); err != nil {
			return err
		}
	}
	buf, err := readLimited(c.w, c.r, e.bodyLimit(c.rt))
	c.buf = buf
	if err != nil {
		return err
	}
	c.body = *buf
	if signed {
		if err := e.checkSignature(c.r, c.body); err != nil {
			return err
		}
	}
	if !c.rt.public {
		if c.projectMismatch() {
			return newError(http.StatusForbidden, codeForbidden, "project %s is not this endpoint's project", c.param("project_id"))
		}
		if p := c.r.Header.Get("X-Project-Id"); p != "" && p != e.cfg.ProjectID {
			return newError(http.StatusForbidden, codeForbidden, "X-Project-Id %s is not this endpoint's project", p)
		}
	}
	if !c.rt.invoke {
		return e.validateRequest(c)
	}
	return nil
}

// readLimited reads the request body into a pooled buffer that grows as
// bytes arrive, never from what Content-Length announces, and refuses a
// body over limit (announced or actual). The connection's read deadline
// (Config.HeaderTimeout+BodyTimeout from the request's start, see Serve)
// bounds a body that trickles; once the body is in, the deadline is lifted
// so that a long invocation is not cut off by it. The buffer is returned
// even on error, for the caller to put back.
func readLimited(w http.ResponseWriter, r *http.Request, limit int64) (*[]byte, *apiError) {
	buf := getBuf()
	if r.Body == nil || r.Body == http.NoBody {
		liftReadDeadline(w)
		return buf, nil
	}
	if r.ContentLength > limit {
		return buf, tooLarge(limit)
	}
	b := (*buf)[:0]
	lr := io.LimitReader(r.Body, limit+1)
	for reads, waiting := 0, false; ; reads++ {
		if reads > 0 && !waiting && (r.ContentLength < 0 || int64(len(b)) < r.ContentLength) {
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
			*buf = b
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return buf, newError(http.StatusRequestTimeout, codeTimeout, "Request timeout: the request body did not arrive in time")
			}
			return buf, newError(http.StatusBadRequest, codeBadRequest, "read request body: %v", err)
		}
	}
	*buf = b
	if int64(len(b)) > limit {
		return buf, tooLarge(limit)
	}
	liftReadDeadline(w)
	return buf, nil
}

func tooLarge(limit int64) *apiError {
	return newError(http.StatusRequestEntityTooLarge, codeTooLarge, "The request body is too large: this operation takes at most %d bytes", limit)
}

// liftReadDeadline clears the read deadline once the request is in, so net/http's
// background read (which cancels the request's context when it fails) does not time out under a long handler.
func liftReadDeadline(w http.ResponseWriter) {
	if w != nil {
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	}
}
