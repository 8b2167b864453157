package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
)

// lenientQuery lists query parameters whose out-of-range values the
// documents say are normalised rather than refused.
var lenientQuery = map[string]map[string]bool{
	// "limit over 200 counts as 200, offset under 0 counts as 0"
	fgs.OpListWorkflows: {"limit": true, "offset": true},
}

// fieldCodes maps the first body field a violation names to the documented
// specific code; anything else is FSS.0400.
var fieldCodes = map[string]string{
	"func_name":           codeBadFuncName,
	"handler":             codeBadHandler,
	"initializer_handler": codeBadHandler,
	"pre_stop_handler":    codeBadHandler,
	"package":             codeBadPackage,
	"runtime":             codeBadRuntime,
	"code_type":           codeBadCodeType,
	"memory_size":         codeBadMemory,
	"timeout":             codeBadTimeout,
	"user_data":           codeBadUserData,
	"code_url":            codeBadURL,
	"func_code":           codeBadCode,
}

// validateRequest runs the spec's request validator (management operations
// only) and turns the first violation into the documented error.
func (e *Emulator) validateRequest(c *call) *apiError {
	if len(c.body) > 0 {
		if err := checkJSON(c.body); err != nil {
			return inDocument(c.rt, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: the request body is not valid JSON: %s", shorten(err.Error())))
		}
	}
	for _, v := range e.spec.ValidateRequest(c.r, c.body) {
		if ignoredViolation(c.rt, v) {
			continue
		}
		return inDocument(c.rt, violationError(v))
	}
	return nil
}

// inDocument gives an IAM operation's refusal IAM's code: the IAM document
// uses IAM.xxxx codes, never FunctionGraph's FSS ones.
func inDocument(rt *route, err *apiError) *apiError {
	if rt.op.Document == spec.IAM && err.status == http.StatusBadRequest {
		err.code = codeIAMBadRequest
	}
	return err
}

// ignoredViolation skips what the emulator checks itself (credentials) and
// what the documents normalise.
func ignoredViolation(rt *route, v spec.Violation) bool {
	loc := v.Location
	switch {
	case strings.HasPrefix(loc, "header X-Auth-Token"), strings.HasPrefix(loc, "header Authorization"):
		return true
	case strings.HasPrefix(loc, "query "):
		name, _, _ := strings.Cut(strings.TrimPrefix(loc, "query "), " ")
		return rt.lenient[name]
	}
	return false
}

func violationError(v spec.Violation) *apiError {
	code := codeBadRequest
	loc := v.Location
	switch {
	case strings.HasPrefix(loc, "query "):
		code = codeBadQuery
	case strings.HasPrefix(loc, "body /"):
		field, _, _ := strings.Cut(strings.TrimPrefix(loc, "body /"), "/")
		if c, ok := fieldCodes[field]; ok {
			code = c
		}
	}
	msg := "Invalid parameter: " + loc
	if v.Expected != "" {
		msg += ": expected " + v.Expected
		if v.Actual != "" {
			msg += ", got " + v.Actual
		}
	} else if v.Message != "" {
		msg += ": " + v.Message
	}
	return newError(http.StatusBadRequest, code, "%s", msg)
}

// checkJSON accepts one JSON value with no duplicate member names and valid
// UTF-8 (RFC 7493). A duplicate would let the validator and the decoder
// each read a different member.
func checkJSON(body []byte) error {
	d := jsontext.NewDecoder(bytes.NewReader(body))
	if _, err := d.ReadValue(); err != nil {
		return err
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return errors.New("more than one JSON value")
	}
	return nil
}

// decodeBody decodes a JSON request body into what the handler uses. It
// matches member names exactly as the spec validator saw them: a member
// named in another case ("FUNC_NAME", "Memory_Size") is not func_name or
// memory_size, so it is ignored like any unknown member instead of
// overriding a validated one, and duplicate names are refused. The
// validator has already checked types, so an error here is a shape the
// schema allows but the emulator cannot use.
func decodeBody(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: the request body is empty")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SemanticError
		if errors.As(err, &se) && se.JSONPointer != "" && se.JSONKind != 0 {
			return newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter %s: a JSON %s cannot be used here", strings.TrimPrefix(string(se.JSONPointer), "/"), se.JSONKind)
		}
		return newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: %s", shorten(strings.TrimPrefix(err.Error(), "json: ")))
	}
	return nil
}

func shorten(s string) string {
	if len(s) > 200 {
		return s[:197] + "..."
	}
	return s
}

// badField is a 400 with a field-specific code.
func badField(code, field, format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, code, "Invalid parameter %s: %s", field, fmt.Sprintf(format, args...))
}
