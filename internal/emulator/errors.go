package emulator

import (
	"fmt"
	"net/http"
	"strconv"
)

// apiError is an answer in the documented Error body. Codes come from the
// FunctionGraph "Error Codes" table: the generic FSS.0xxx codes map one to
// one onto HTTP statuses, the FSS.1xxx codes refine 400.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func newError(status int, code, format string, args ...any) *apiError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	if len(msg) > 500 { // the Error schema allows 512
		msg = msg[:497] + "..."
	}
	if len(msg) < 2 {
		msg = http.StatusText(status)
	}
	return &apiError{status: status, code: code, msg: msg}
}

// Documented error codes the emulator answers with.
const (
	codeBadRequest       = "FSS.0400" // Invalid parameter.
	codeUnauthorized     = "FSS.0401" // Unauthorized access.
	codeForbidden        = "FSS.0403" // Forbidden
	codeNotFound         = "FSS.0404" // The specified resource was not found.
	codeNotAcceptable    = "FSS.0406" // Not acceptable (body not the required JSON).
	codeTimeout          = "FSS.0408" // Request timeout.
	codeConflict         = "FSS.0409" // The specified resource already exists.
	codeTooLarge         = "FSS.0413" // The request body is too large.
	codeBadDependency    = "FSS.0424" // Invalid dependency.
	codePrecondition     = "FSS.0428" // The preconditions have not been met.
	codeTooManyRequests  = "FSS.0429" // Too many requests.
	codeInternal         = "FSS.0500" // Internal server error.
	codeUnavailable      = "FSS.0503" // Service unavailable.
	codeBadQuery         = "FSS.1001" // Invalid query parameter.
	codeBadFuncName      = "FSS.1002" // Invalid function name.
	codeBadHandler       = "FSS.1003" // Invalid function handler.
	codeBadPackage       = "FSS.1004" // Invalid package.
	codeBadRuntime       = "FSS.1005" // Invalid runtime.
	codeBadCodeType      = "FSS.1006" // Invalid function code entry mode.
	codeBadMemory        = "FSS.1007" // Invalid function memory.
	codeBadTimeout       = "FSS.1008" // Invalid function timeout.
	codeBadUserData      = "FSS.1009" // Invalid function UserData.
	codeBadURL           = "FSS.1010" // Invalid URL.
	codeBadCode          = "FSS.1011" // Invalid function code.
	codeCodeMissing      = "FSS.1012" // The function code must be configured.
	codeBadAlias         = "FSS.1014" // Invalid function alias.
	codeBadVersion       = "FSS.1015" // Invalid function version.
	codeTooManyUserData  = "FSS.1017" // More than 20 environment variables.
	codeFunctionNotFound = "FSS.1051" // Not found the function.
	codeIAMBadRequest    = "IAM.0011" // Request body is invalid.
	codeIAMUnauthorized  = "IAM.0401" // wrong user name, password or account (IAM documents no code)
	codeIAMNotFound      = "IAM.0404" // the scope's project does not exist (IAM documents no code)
)

func errFunctionNotFound(what string) *apiError {
	return newError(http.StatusNotFound, codeFunctionNotFound, "Not found the function: %s", what)
}

// appendError writes the Error body; requestID may be empty.
func appendError(b []byte, e *apiError, requestID string) []byte {
	b = append(b, `{"error_code":`...)
	b = appendJSONString(b, e.code)
	b = append(b, `,"error_msg":`...)
	b = appendJSONString(b, e.msg)
	if requestID != "" {
		b = append(b, `,"request_id":`...)
		b = appendJSONString(b, requestID)
	}
	return append(b, '}')
}

func writeError(w http.ResponseWriter, e *apiError, requestID string) {
	buf := getBuf()
	defer putBuf(buf)
	*buf = appendError((*buf)[:0], e, requestID)
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Content-Length"] = []string{strconv.Itoa(len(*buf))}
	if requestID != "" {
		h["X-Request-Id"] = []string{requestID}
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(*buf)
}
