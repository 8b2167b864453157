package emulator

import (
	"errors"
	"net/http"
	"os"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/httpguard"
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

// readLimited reads the request body into a pooled buffer (see
// httpguard.ReadBody) and turns its failures into Error answers. The
// buffer is returned even on error, for the caller to put back.
func readLimited(w http.ResponseWriter, r *http.Request, limit int64) (*[]byte, *apiError) {
	buf := getBuf()
	b, err := httpguard.ReadBody(w, r, limit, (*buf)[:0])
	*buf = b
	switch {
	case err == nil:
		return buf, nil
	case httpguard.IsTooLarge(err):
		return buf, tooLarge(limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return buf, newError(http.StatusRequestTimeout, codeTimeout, "Request timeout: the request body did not arrive in time")
	}
	return buf, newError(http.StatusBadRequest, codeBadRequest, "%v", err)
}

func tooLarge(limit int64) *apiError {
	return newError(http.StatusRequestEntityTooLarge, codeTooLarge, "The request body is too large: this operation takes at most %d bytes", limit)
}
