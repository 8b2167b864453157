package extapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Paths and headers of the Extension API, as the FunctionGraph documents name them.
const (
	RegisterPath  = "/extension/register"
	InvokePath    = "/extension/invoke"
	NameHeader    = "FunctionGraph-Extension-Name"
	AddressHeader = "FunctionGraph-Extension-Address"
)

// Error codes of refused Extension API requests; each mirrors its HTTP status.
const (
	CodeInvalidParameter = "FSS.0400" // bad or missing header, address outside the rules or taken, limit reached
	CodeNotFound         = "FSS.0404" // path other than /extension/register
	CodeMethodNotAllowed = "FSS.0405" // method other than POST
)

// maxNameBytes bounds FunctionGraph-Extension-Name: it is a file name.
const maxNameBytes = 255

const latestVersion = "$LATEST"

// Registration is one extension registered with a function's Extension API.
type Registration struct {
	Name, Address string
	RegisteredAt  time.Time
}

// RegisterResponse is the 200 body of POST /extension/register.
type RegisterResponse struct {
	FunctionName    string    `json:"functionName"`
	FunctionVersion string    `json:"functionVersion"`
	ErrorInfo       ErrorInfo `json:"errorInfo"`
}

// ErrorInfo is the (always empty on success) errorInfo of a RegisterResponse.
type ErrorInfo struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

// ErrorBody is the body of every refused Extension API request.
type ErrorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

// InvokeEvent is the body POSTed to an extension's /extension/invoke.
type InvokeEvent struct {
	TraceID            string `json:"traceId"`
	InvokedFunctionURN string `json:"invokedFunctionUrn"`
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
	if r.URL.Path != RegisterPath {
		writeJSON(w, http.StatusNotFound, ErrorBody{CodeNotFound,
			fmt.Sprintf("no Extension API path %s; extensions register with POST %s", r.URL.Path, RegisterPath)})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, ErrorBody{CodeMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed on %s; use POST", r.Method, RegisterPath)})
		return
	}
	name, address := r.Header.Get(NameHeader), r.Header.Get(AddressHeader)
	resp, outcome, ref := e.register(name, address)
	e.hub.metrics.registrations.WithLabelValues(outcome).Inc()
	if ref != nil {
		e.hub.log.Info("extension registration refused", "function", e.key,
			"extension", name, "address", address, "error_code", ref.code, "reason", ref.msg)
		writeJSON(w, ref.status, ErrorBody{ref.code, ref.msg})
		return
	}
	if outcome != outcomeRepeated {
		e.hub.log.Info("extension registered", "function", e.key,
			"extension", name, "address", address, "outcome", outcome)
	}
	writeJSON(w, http.StatusOK, resp)
}

// register applies the registration rules. Re-registering a name with the
// same address changes nothing; with a different (free, valid) address it
// moves the extension there, keeping its counters, because an extension that
// restarts may come back on another port and must not lose its slot.
func (e *endpoint) register(name, address string) (RegisterResponse, string, *refusal) {
	if name == "" {
		return RegisterResponse{}, outcomeRejected, invalid("header %s is required and must not be empty", NameHeader)
	}
	if len(name) > maxNameBytes {
		return RegisterResponse{}, outcomeRejected, invalid("header %s is %d bytes; at most %d are allowed", NameHeader, len(name), maxNameBytes)
	}
	if address == "" {
		return RegisterResponse{}, outcomeRejected, invalid("header %s is required and must not be empty; want %s", AddressHeader, e.hub.rule)
	}
	port, err := e.hub.rule.port(address)
	if err != nil {
		return RegisterResponse{}, outcomeRejected, invalid("header %s: %v", AddressHeader, err)
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
		return RegisterResponse{}, outcomeRejected, invalid("header %s: port %d is already registered by extension %q; each extension needs its own port", AddressHeader, port, byPort.name)
	case byName != nil:
		byName.address, byName.port, byName.registeredAt = address, port, time.Now()
		return e.responseLocked(), outcomeMoved, nil
	case len(e.exts) >= e.hub.cfg.MaxExtensions:
		return RegisterResponse{}, outcomeRejected, invalid("at most %d extensions may register with one function; %q was not registered", e.hub.cfg.MaxExtensions, name)
	}
	e.exts = append(e.exts, &extension{name: name, address: address, port: port, registeredAt: time.Now()})
	return e.responseLocked(), outcomeAccepted, nil
}

func (e *endpoint) responseLocked() RegisterResponse {
	version := e.info.Version
	if version == "" {
		version = latestVersion
	}
	return RegisterResponse{FunctionName: e.info.Name, FunctionVersion: version}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status line is already out; a failed write only means the client left.
	_ = json.NewEncoder(w).Encode(body)
}
