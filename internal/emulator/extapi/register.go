package extapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/httpguard"
)

// Error codes of refused Extension API requests; each mirrors its HTTP status.
const (
	CodeInvalidParameter = "FSS.0400" // bad or missing header, address outside the rules or taken, limit reached
	CodeNotFound         = "FSS.0404" // path other than /extension/register
	CodeMethodNotAllowed = "FSS.0405" // method other than POST
	CodeTimeout          = "FSS.0408" // the body did not arrive within HubConfig.BodyTimeout
	CodeTooLarge         = "FSS.0413" // a body over maxRegisterBody
)

// maxRegisterBody bounds a registration's body. FunctionGraph ignores it (a
// real extension sends none or "{}"), so it is read, to know the request
// is whole before the registry changes, and dropped; the bound keeps a
// client from making the endpoint read megabytes for nothing.
const maxRegisterBody = 64 << 10

// maxNameBytes bounds FunctionGraph-Extension-Name: it is a file name.
const maxNameBytes = 255

const latestVersion = "$LATEST"

// Registration is one extension registered with a function's Extension API.
type Registration struct {
	Name, Address string
	RegisteredAt  time.Time
}

// refusal is a registration the rules turn down.
type refusal struct {
	status int
	code   string
	msg    string
}

func invalid(format string, args ...any) *refusal {
	return &refusal{status: http.StatusBadRequest, code: CodeInvalidParameter, msg: fmt.Sprintf(format, args...)}
}

// Registration outcomes, also the values of the registrations metric's label.
const (
	outcomeAccepted = "accepted" // a new extension
	outcomeRepeated = "repeated" // same name and address again: nothing changes
	outcomeMoved    = "moved"    // same name, new address: the address is replaced
	outcomeRejected = "rejected"
)

// ServeHTTP serves one function's Extension API.
func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != fgs.ExtensionRegisterPath {
		writeJSON(w, http.StatusNotFound, fgs.ErrorBody{ErrorCode: CodeNotFound,
			ErrorMsg: fmt.Sprintf("no Extension API path %s; extensions register with POST %s", r.URL.Path, fgs.ExtensionRegisterPath)})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, fgs.ErrorBody{ErrorCode: CodeMethodNotAllowed,
			ErrorMsg: fmt.Sprintf("method %s is not allowed on %s; use POST", r.Method, fgs.ExtensionRegisterPath)})
		return
	}
	if ref := readBody(w, r); ref != nil {
		writeJSON(w, ref.status, fgs.ErrorBody{ErrorCode: ref.code, ErrorMsg: ref.msg})
		return
	}
	name, address := r.Header.Get(fgs.HeaderExtensionName), r.Header.Get(fgs.HeaderExtensionAddress)
	resp, outcome, ref := e.register(name, address)
	e.hub.metrics.registrations.WithLabelValues(outcome).Inc()
	if ref != nil {
		e.hub.log.Info("extension registration refused", "function", e.key,
			"extension", name, "address", address, "error_code", ref.code, "reason", ref.msg)
		writeJSON(w, ref.status, fgs.ErrorBody{ErrorCode: ref.code, ErrorMsg: ref.msg})
		return
	}
	if outcome != outcomeRepeated {
		e.hub.log.Info("extension registered", "function", e.key,
			"extension", name, "address", address, "outcome", outcome)
	}
	writeJSON(w, http.StatusOK, resp)
}

// readBody reads and drops the request's body within maxRegisterBody and
// HubConfig.BodyTimeout.
func readBody(w http.ResponseWriter, r *http.Request) *refusal {
	_, err := httpguard.ReadBody(w, r, maxRegisterBody, nil)
	switch {
	case err == nil:
		return nil
	case httpguard.IsTooLarge(err):
		return &refusal{status: http.StatusRequestEntityTooLarge, code: CodeTooLarge,
			msg: fmt.Sprintf("The request body is too large: %s takes at most %d bytes (it is ignored)", fgs.ExtensionRegisterPath, maxRegisterBody)}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &refusal{status: http.StatusRequestTimeout, code: CodeTimeout, msg: "Request timeout: the request body did not arrive in time"}
	}
	return invalid("%v", err)
}

// register applies the registration rules. Re-registering a name with the
// same address changes nothing; with a different (free, valid) address it
// moves the extension there, keeping its counters, because an extension that
// restarts may come back on another port and must not lose its slot.
func (e *endpoint) register(name, address string) (fgs.ExtensionRegistration, string, *refusal) {
	if name == "" {
		return fgs.ExtensionRegistration{}, outcomeRejected, invalid("header %s is required and must not be empty", fgs.HeaderExtensionName)
	}
	if len(name) > maxNameBytes {
		return fgs.ExtensionRegistration{}, outcomeRejected, invalid("header %s is %d bytes; at most %d are allowed", fgs.HeaderExtensionName, len(name), maxNameBytes)
	}
	if address == "" {
		return fgs.ExtensionRegistration{}, outcomeRejected, invalid("header %s is required and must not be empty; want %s", fgs.HeaderExtensionAddress, e.hub.rule)
	}
	port, err := e.hub.rule.port(address)
	if err != nil {
		return fgs.ExtensionRegistration{}, outcomeRejected, invalid("header %s: %v", fgs.HeaderExtensionAddress, err)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	var byName, byPort *extension
	for _, x := range e.exts {
		if x.name == name {
			byName = x
		}
		if x.port == port {
			byPort = x
		}
	}
	switch {
	case byName != nil && byName == byPort:
		return e.responseLocked(), outcomeRepeated, nil
	case byPort != nil:
		// The spec answers a reused port with 400, like the limit: both break the page's rules.
		return fgs.ExtensionRegistration{}, outcomeRejected, invalid("header %s: port %d is already registered by extension %q; each extension needs its own port", fgs.HeaderExtensionAddress, port, byPort.name)
	case byName != nil:
		byName.address, byName.port, byName.registeredAt = address, port, time.Now()
		return e.responseLocked(), outcomeMoved, nil
	case len(e.exts) >= e.hub.cfg.MaxExtensions:
		return fgs.ExtensionRegistration{}, outcomeRejected, invalid("at most %d extensions may register with one function; %q was not registered", e.hub.cfg.MaxExtensions, name)
	}
	e.exts = append(e.exts, &extension{name: name, address: address, port: port, registeredAt: time.Now()})
	return e.responseLocked(), outcomeAccepted, nil
}

func (e *endpoint) responseLocked() fgs.ExtensionRegistration {
	version := e.info.Version
	if version == "" {
		version = latestVersion
	}
	return fgs.ExtensionRegistration{FunctionName: e.info.Name, FunctionVersion: version}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status line is already out; a failed write only means the client left.
	_ = json.NewEncoder(w).Encode(body)
}
