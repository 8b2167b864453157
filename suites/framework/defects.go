package framework

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
)

// Defect is a deliberate fault put in front of the in-process emulator, so
// the suites' own tests can prove that the suites catch it. It is chosen
// with FGH_TEST_DEFECT and never applies to a remote target.
type Defect struct {
	Name        string
	Description string
	// Kind is the conformance check the fault breaks (CheckSchema, ...).
	Kind string
	// LabelFilter selects the specs that should catch it, to keep the
	// proof fast; Mentions is a string at least one failure message
	// must contain (the field, header or behaviour at fault).
	LabelFilter string
	Mentions    string
	// CaughtBy names what catches the defect when the suites' specs do
	// not: "fuzz" for `fgh contract --fuzz`, "sequences" for its stateful
	// sequences; empty for the specs.
	CaughtBy string

	wrap func(next http.Handler, env *defectEnv) http.Handler
}

// defectEnv holds what a defect started (proxies), closed with the emulator.
type defectEnv struct {
	token   atomic.Pointer[string] // the emulator's token, for the defect that serves anonymous calls
	mu      sync.Mutex
	closers []func()
}

// setToken is called once the endpoint, and so its token, exists.
func (e *defectEnv) setToken(token string) { e.token.Store(&token) }

func (e *defectEnv) adminToken() string {
	if t := e.token.Load(); t != nil {
		return *t
	}
	return ""
}

func (e *defectEnv) onClose(fn func()) {
	e.mu.Lock()
	e.closers = append(e.closers, fn)
	e.mu.Unlock()
}

func (e *defectEnv) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, fn := range e.closers {
		fn()
	}
	e.closers = nil
}

// Defects lists every defect the suites must catch.
func Defects() []Defect {
	return []Defect{
		{
			Name: "request-id-number", Description: "invokeFunction answers request_id as a number",
			LabelFilter: LabelInvocation, Mentions: "/request_id", Kind: CheckSchema,
			wrap: editJSON(fgs.OpInvokeFunction, func(_ *http.Request, _ *int, _ http.Header, m map[string]any) {
				if _, ok := m["request_id"]; ok {
					m["request_id"] = 12345
				}
			}),
		},
		{
			Name: "create-201", Description: "createFunction answers 201 instead of 200",
			LabelFilter: LabelFunctions, Mentions: "201", Kind: CheckStatus,
			wrap: editResponse(fgs.OpCreateFunction, func(_ *http.Request, status *int, _ http.Header, body []byte) []byte {
				if *status == http.StatusOK {
					*status = http.StatusCreated
				}
				return body
			}),
		},
		{
			Name: "error-code-malformed", Description: "error bodies carry error_code in a format the documents do not use",
			LabelFilter: LabelFunctions, Mentions: "/error_code", Kind: CheckErrors,
			wrap: editJSON("", func(_ *http.Request, status *int, _ http.Header, m map[string]any) {
				if code, ok := m["error_code"].(string); ok && *status >= 400 {
					m["error_code"] = strings.ReplaceAll(code, ".", "-") + "x"
				}
			}),
		},
		{
			Name: "request-id-header-missing", Description: "invokeFunction sends no X-Cff-Request-Id header",
			LabelFilter: LabelInvocation, Mentions: "X-Cff-Request-Id", Kind: CheckHeaders,
			wrap: replaceInvokeHeader("X-Cff-Request-Id", ""),
		},
		{
			Name: "request-id-header-differs", Description: "X-Cff-Request-Id differs from the body's request_id",
			LabelFilter: LabelInvocation, Mentions: "X-Cff-Request-Id", Kind: CheckHeaders,
			wrap: replaceInvokeHeader("X-Cff-Request-Id", "00000000-0000-0000-0000-000000000000"),
		},
		{
			Name: "invoke-summary-not-json", Description: "X-Cff-Invoke-Summary is not a JSON object",
			LabelFilter: LabelInvocation, Mentions: "X-Cff-Invoke-Summary", Kind: CheckHeaders,
			wrap: replaceInvokeHeader("X-Cff-Invoke-Summary", "duration=1ms"),
		},
		{
			Name: "log-over-4kb", Description: "the tail log is longer than 4 KB",
			LabelFilter: LabelInvocation, Mentions: "/log", Kind: CheckBehaviour,
			wrap: editJSON(fgs.OpInvokeFunction, func(r *http.Request, _ *int, _ http.Header, m map[string]any) {
				if r.Header.Get("X-Cff-Log-Type") == "tail" {
					m["log"] = strings.Repeat("l", 5000)
				}
			}),
		},
		{
			Name: "log-despite-null", Description: "a log comes back although X-Cff-Log-Type is null",
			LabelFilter: LabelInvocation, Mentions: "X-Cff-Log-Type", Kind: CheckBehaviour,
			wrap: editJSON(fgs.OpInvokeFunction, func(r *http.Request, _ *int, _ http.Header, m map[string]any) {
				if r.Header.Get("X-Cff-Log-Type") != "tail" {
					m["log"] = "2024-01-01T00:00:00Z Start invoke request"
				}
			}),
		},
		{
			Name: "json-as-text", Description: "invokeFunction labels its JSON body text/plain",
			LabelFilter: LabelInvocation, Mentions: "Content-Type", Kind: CheckHeaders,
			wrap: editResponse(fgs.OpInvokeFunction, func(_ *http.Request, _ *int, h http.Header, body []byte) []byte {
				h.Set("Content-Type", "text/plain")
				return body
			}),
		},
		{
			Name: "update-not-reflected", Description: "updateFunctionConfig answers 200 but changes nothing",
			LabelFilter: LabelFunctions, Mentions: "memory_size", Kind: CheckBehaviour,
			wrap: func(next http.Handler, _ *defectEnv) http.Handler {
				return byOperation(fgs.OpUpdateFunctionConfig, next, func(w http.ResponseWriter, r *http.Request) {
					get := r.Clone(r.Context())
					get.Method, get.Body, get.ContentLength = http.MethodGet, http.NoBody, 0
					next.ServeHTTP(w, get)
				})
			},
		},
		{
			Name: "deleted-function-found", Description: "deleteFunction answers 204 but the function stays",
			LabelFilter: LabelFunctions, Mentions: "still found", Kind: CheckBehaviour,
			wrap: func(next http.Handler, _ *defectEnv) http.Handler {
				return byOperation(fgs.OpDeleteFunction, next, func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(http.StatusNoContent)
				})
			},
		},
		{
			Name: "version-names-other-function", Description: "createFunctionVersion answers with another function's name",
			LabelFilter: LabelVersions, Mentions: "func_name", Kind: CheckBehaviour,
			wrap: editJSON(fgs.OpCreateFunctionVersion, func(_ *http.Request, status *int, _ http.Header, m map[string]any) {
				if *status == http.StatusOK {
					m["func_name"] = "someone-elses-function"
				}
			}),
		},
		{
			Name: "credentials-not-required", Description: "requests without credentials are served",
			LabelFilter: LabelNegative, Mentions: "401", Kind: CheckStatus,
			wrap: func(next http.Handler, env *defectEnv) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Header.Get("X-Auth-Token") == "" && r.Header.Get("Authorization") == "" {
						r = r.Clone(r.Context())
						r.Header.Set("X-Auth-Token", env.adminToken())
					}
					next.ServeHTTP(w, r)
				})
			},
		},
		{
			Name: "batch-delete-no-fail", Description: "batchDeleteWorkflows reports unknown workflows as deleted",
			LabelFilter: LabelWorkflows, Mentions: "fail", Kind: CheckBehaviour,
			wrap: editJSON(fgs.OpBatchDeleteWorkflows, func(_ *http.Request, _ *int, _ http.Header, m map[string]any) {
				fails, _ := m["fail"].([]any)
				succ, _ := m["success"].([]any)
				for _, f := range fails {
					if fm, ok := f.(map[string]any); ok {
						succ = append(succ, fm["workflow_urn"])
					}
				}
				m["success"], m["fail"] = succ, []any{}
			}),
		},
		{
			Name: "description-non-ascii-500", Description: "a request whose description holds a non-ASCII character is answered 500",
			LabelFilter: LabelFunctions, Mentions: "5xx", Kind: CheckStatus, CaughtBy: CaughtByFuzz,
			wrap: editRequest("", func(m map[string]any) bool {
				d, ok := m["description"].(string)
				return ok && !isASCII(d)
			}, func(w http.ResponseWriter, _ map[string]any) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"error_code":"FSS.0500","error_msg":"internal error"}`))
				return true
			}),
		},
		{
			Name: "create-timeout-zero", Description: "createFunction accepts a timeout of 0 (it runs with the minimum instead)",
			LabelFilter: LabelFunctions, Mentions: "4xx", Kind: CheckStatus, CaughtBy: CaughtByFuzz,
			wrap: acceptAs(fgs.OpCreateFunction, "timeout", 0, 3),
		},
		{
			Name: "update-memory-129", Description: "updateFunctionConfig accepts a memory_size of 129 (it keeps 128 instead)",
			LabelFilter: LabelFunctions, Mentions: "4xx", Kind: CheckStatus, CaughtBy: CaughtByFuzz,
			wrap: acceptAs(fgs.OpUpdateFunctionConfig, "memory_size", 129, 128),
		},
		{
			Name: "payload-over-6mb", Description: "invokeFunction accepts a payload over 6 MB (it invokes with an empty event instead)",
			LabelFilter: LabelInvocation, Mentions: "413", Kind: CheckStatus, CaughtBy: CaughtByFuzz,
			wrap: func(next http.Handler, _ *defectEnv) http.Handler {
				return byOperation(fgs.OpInvokeFunction, next, func(w http.ResponseWriter, r *http.Request) {
					if r.ContentLength > fgs.MaxSyncPayloadBytes {
						r = r.Clone(r.Context())
						r.Body, r.ContentLength = io.NopCloser(strings.NewReader("{}")), 2
						r.Header.Set("Content-Length", "2")
					}
					next.ServeHTTP(w, r)
				})
			},
		},
		{
			Name: "deleted-alias-listed", Description: "deleteVersionAlias answers 204 but listVersionAliases still lists the alias",
			LabelFilter: LabelVersions, Mentions: "listed", Kind: CheckBehaviour, CaughtBy: CaughtBySequences,
			wrap: keepDeletedListed(fgs.OpDeleteVersionAlias, fgs.OpListVersionAliases, 1),
		},
		{
			Name: "event-update-lost", Description: "updateEvent answers 200 but the test event keeps its old content",
			LabelFilter: LabelEvents, Mentions: "content", Kind: CheckBehaviour, CaughtBy: CaughtBySequences,
			wrap: loseUpdate(fgs.OpUpdateEvent, func(read []byte) any {
				var ev struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				}
				if json.Unmarshal(read, &ev) != nil {
					return nil
				}
				return ev
			}),
		},
		{
			Name: "deleted-trigger-listed", Description: "deleteFunctionTrigger answers 204 but listFunctionTriggers still lists the trigger",
			LabelFilter: LabelTriggers, Mentions: "listed", Kind: CheckBehaviour, CaughtBy: CaughtBySequences,
			wrap: keepDeletedListed(fgs.OpDeleteFunctionTrigger, fgs.OpListFunctionTriggers, 2),
		},
		{
			Name: "dependency-version-readable", Description: "deleteDependencyVersion answers 204 but showDependencyVersion still answers the version",
			LabelFilter: LabelDependencies, Mentions: "404", Kind: CheckBehaviour, CaughtBy: CaughtBySequences,
			wrap: keepDeletedReadable(fgs.OpDeleteDependencyVersion, fgs.OpShowDependencyVersion),
		},
		{
			Name: "workflow-update-lost", Description: "updateWorkFlow answers 200 but the workflow keeps its old definition",
			LabelFilter: LabelWorkflows, Mentions: "description", Kind: CheckBehaviour, CaughtBy: CaughtBySequences,
			wrap: loseUpdate(fgs.OpUpdateWorkFlow, func(read []byte) any { return json.RawMessage(read) }),
		},
		{
			Name: "execution-stop-ignored", Description: "stopWorkFlow answers 200 but the execution keeps running",
			LabelFilter: LabelWorkflows, Mentions: "cancel", Kind: CheckBehaviour, CaughtBy: CaughtBySequences,
			wrap: func(next http.Handler, _ *defectEnv) http.Handler {
				return byOperation(fgs.OpStopWorkFlow, next, func(w http.ResponseWriter, r *http.Request) {
					show := asRead(r)
					show.URL.Path = strings.TrimSuffix(show.URL.Path, "/terminate")
					read := httptest.NewRecorder()
					next.ServeHTTP(read, show)
					var x struct {
						Status string `json:"status"`
					}
					if read.Code != http.StatusOK || json.Unmarshal(read.Body.Bytes(), &x) != nil || x.Status != "running" {
						next.ServeHTTP(w, r) // refused or not found as it should be
						return
					}
					w.WriteHeader(http.StatusOK)
				})
			},
		},
		{
			Name: "extension-event-missing", Description: "one registered extension never receives invocation events",
			LabelFilter: LabelExtension, Mentions: "exactly once", Kind: CheckBehaviour,
			wrap: dropOneExtension,
		},
		{
			Name: "extension-limit-ignored", Description: "the Extension API registers an 11th extension of a function (it answers 200 where the platform refuses)",
			LabelFilter: LabelExtension, Mentions: "4xx", Kind: CheckStatus, CaughtBy: CaughtByFuzz,
			wrap: ignoreExtensionLimit,
		},
	}
}

// CaughtByFuzz marks the defects `fgh contract --fuzz` must catch.
const CaughtByFuzz = "fuzz"

// CaughtBySequences marks the defects the stateful sequences of `fgh
// contract --fuzz` must catch.
const CaughtBySequences = "sequences"

// keepDeletedListed remembers each resource deleteOp deletes, as a read
// of it answered just before, and puts it back into the JSON array listOp
// answers; the list's path is the deleted one's without its last up
// segments.
func keepDeletedListed(deleteOp, listOp string, up int) func(http.Handler, *defectEnv) http.Handler {
	return func(next http.Handler, _ *defectEnv) http.Handler {
		var mu sync.Mutex
		deleted := map[string][]json.RawMessage{} // list path → deleted members
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch operationID(r) {
			case deleteOp:
				if before, ok := serveDelete(next, w, r); ok {
					list := r.URL.Path
					for range up {
						list = list[:strings.LastIndexByte(list, '/')]
					}
					mu.Lock()
					deleted[list] = append(deleted[list], json.RawMessage(before))
					mu.Unlock()
				}
			case listOp:
				editJSONArray(next, w, r, func(list []json.RawMessage) []json.RawMessage {
					mu.Lock()
					defer mu.Unlock()
					return append(list, deleted[r.URL.Path]...)
				})
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// keepDeletedReadable answers readOp of whatever deleteOp deleted with the
// read answered just before the deletion.
func keepDeletedReadable(deleteOp, readOp string) func(http.Handler, *defectEnv) http.Handler {
	return func(next http.Handler, _ *defectEnv) http.Handler {
		var mu sync.Mutex
		kept := map[string][]byte{} // path → read before the deletion
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			op := operationID(r)
			mu.Lock()
			body, isKept := kept[r.URL.Path]
			mu.Unlock()
			switch {
			case op == deleteOp:
				if before, ok := serveDelete(next, w, r); ok {
					mu.Lock()
					kept[r.URL.Path] = before
					mu.Unlock()
				}
			case op == readOp && isKept:
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// serveDelete reads what r deletes (a GET of its path), serves r and
// passes its answer on; ok when both the read and the deletion succeeded.
func serveDelete(next http.Handler, w http.ResponseWriter, r *http.Request) (before []byte, ok bool) {
	read := httptest.NewRecorder()
	next.ServeHTTP(read, asRead(r))
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	writeRecorded(w, rec)
	return read.Body.Bytes(), read.Code == http.StatusOK && rec.Code/100 == 2
}

// loseUpdate answers op without applying it: with what answer makes of a
// read of the same path (the resource as it was), or with the read itself
// when that fails or answer returns nil.
func loseUpdate(op string, answer func(read []byte) any) func(http.Handler, *defectEnv) http.Handler {
	return func(next http.Handler, _ *defectEnv) http.Handler {
		return byOperation(op, next, func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, asRead(r))
			out := answer(rec.Body.Bytes())
			if rec.Code != http.StatusOK || out == nil {
				writeRecorded(w, rec)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(out)
		})
	}
}

// asRead is r as a GET of the same path, without a body.
func asRead(r *http.Request) *http.Request {
	get := r.Clone(r.Context())
	get.Method, get.Body, get.ContentLength = http.MethodGet, http.NoBody, 0
	return get
}

// writeRecorded passes a recorded answer on as it is.
func writeRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// editJSONArray serves r through next and lets edit change a JSON array answer.
func editJSONArray(next http.Handler, w http.ResponseWriter, r *http.Request, edit func([]json.RawMessage) []json.RawMessage) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	var list []json.RawMessage
	if rec.Code == http.StatusOK && json.Unmarshal(body, &list) == nil {
		if out, err := json.Marshal(edit(list)); err == nil {
			body = out
		}
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// DefectNames lists the defects by name, sorted.
func DefectNames() []string {
	var out []string
	for _, d := range Defects() {
		out = append(out, d.Name)
	}
	sort.Strings(out)
	return out
}

// WrapDefect puts the named defect in front of an endpoint's handler, for
// tests that start the emulator themselves (the proxy's); adminToken is
// the endpoint's own, closeDefect stops what the defect started.
func WrapDefect(name, adminToken string) (wrap func(http.Handler) http.Handler, closeDefect func(), ok bool) {
	d, ok := defectByName(name)
	if !ok {
		return nil, nil, false
	}
	env := &defectEnv{}
	env.setToken(adminToken)
	return func(h http.Handler) http.Handler { return d.wrap(h, env) }, env.close, true
}

func defectByName(name string) (Defect, bool) {
	for _, d := range Defects() {
		if d.Name == name {
			return d, true
		}
	}
	return Defect{}, false
}

func operationID(r *http.Request) string {
	op, _, err := spec.MustLoad().FindRoute(r)
	if err != nil {
		return ""
	}
	return op.ID
}

func byOperation(opID string, next http.Handler, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if operationID(r) == opID {
			h(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// replaceInvokeHeader rewrites a header of invokeFunction's answers: it
// removes the header when value is empty, else replaces it where the
// answer carries one.
func replaceInvokeHeader(name, value string) func(http.Handler, *defectEnv) http.Handler {
	return editResponse(fgs.OpInvokeFunction, func(_ *http.Request, _ *int, h http.Header, body []byte) []byte {
		switch {
		case value == "":
			h.Del(name)
		case h.Get(name) != "":
			h.Set(name, value)
		}
		return body
	})
}

// editResponse lets edit change the status, headers and body of the
// answers to opID ("" for every operation).
func editResponse(opID string, edit func(r *http.Request, status *int, h http.Header, body []byte) []byte) func(http.Handler, *defectEnv) http.Handler {
	return func(next http.Handler, _ *defectEnv) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if opID != "" && operationID(r) != opID {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			status := rec.Code
			body := edit(r, &status, rec.Header(), rec.Body.Bytes())
			for k, vs := range rec.Header() {
				w.Header()[k] = vs
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(status)
			_, _ = w.Write(body)
		})
	}
}

// acceptAs makes opID accept a number the documents reject: a request
// whose member is bad goes on as if it had said instead.
func acceptAs(opID, member string, bad float64, instead int) func(http.Handler, *defectEnv) http.Handler {
	return editRequest(opID, func(m map[string]any) bool { return m[member] == bad }, func(_ http.ResponseWriter, m map[string]any) bool {
		m[member] = instead
		return false
	})
}

// editRequest lets a defect act on requests to opID ("" for every
// operation) whose JSON object body matches: edit may change the body
// before it goes on, or answer itself (it returns true when it did).
func editRequest(opID string, matches func(m map[string]any) bool, edit func(w http.ResponseWriter, m map[string]any) bool) func(http.Handler, *defectEnv) http.Handler {
	return func(next http.Handler, _ *defectEnv) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || (opID != "" && operationID(r) != opID) {
				next.ServeHTTP(w, r)
				return
			}
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var m map[string]any
			if json.Unmarshal(body, &m) == nil && matches(m) {
				if edit(w, m) {
					return
				}
				if body, err = json.Marshal(m); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
			}
			r = r.Clone(r.Context())
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			next.ServeHTTP(w, r)
		})
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// editJSON is editResponse for JSON object bodies.
func editJSON(opID string, edit func(r *http.Request, status *int, h http.Header, m map[string]any)) func(http.Handler, *defectEnv) http.Handler {
	return editResponse(opID, func(r *http.Request, status *int, h http.Header, body []byte) []byte {
		var m map[string]any
		if json.Unmarshal(body, &m) != nil {
			return body
		}
		edit(r, status, h, m)
		out, err := json.Marshal(m)
		if err != nil {
			return body
		}
		return out
	})
}

// dropOneExtension hands out a proxy in front of each function's Extension
// API that acknowledges every registration of the third extension name
// without passing it on, so that extension never receives an event. Counting
// names rather than requests keeps refusals and repeats from hiding it.
func dropOneExtension(next http.Handler, env *defectEnv) http.Handler {
	return extensionAPIBehind(next, env, func() func(name string) bool {
		names := map[string]bool{} // extension name → dropped
		return func(name string) bool {
			if _, seen := names[name]; !seen {
				names[name] = len(names) == 2
			}
			return names[name]
		}
	})
}

// ignoreExtensionLimit acknowledges every registration of an extension
// name past the tenth of a function, which the platform refuses, without
// passing it on.
func ignoreExtensionLimit(next http.Handler, env *defectEnv) http.Handler {
	return extensionAPIBehind(next, env, func() func(name string) bool {
		var names []string
		return func(name string) bool {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
			return slices.Index(names, name) >= fgs.MaxExtensions
		}
	})
}

// extensionAPIBehind puts a proxy in front of each function's Extension
// API, as the emulator's admin API hands it out. Each proxy asks its own
// fake (made by newFake) about every registration: true answers 200 itself
// and the Extension API never hears of it.
func extensionAPIBehind(next http.Handler, env *defectEnv, newFake func() func(name string) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/extension-api") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var m map[string]any
		addr := ""
		if json.Unmarshal(rec.Body.Bytes(), &m) == nil {
			addr, _ = m["address"].(string)
		}
		if rec.Code != http.StatusOK || addr == "" {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		proxyAddr, err := startExtensionProxy(addr, env, newFake())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		m["address"] = proxyAddr
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(m)
	})
}

func startExtensionProxy(addr string, env *defectEnv, fake func(name string) bool) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	var mu sync.Mutex
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name := r.Header.Get("FunctionGraph-Extension-Name"); r.URL.Path == "/extension/register" && name != "" {
			mu.Lock()
			answer := fake(name)
			mu.Unlock()
			if answer {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.Copy(w, bytes.NewReader([]byte(`{"functionName":"f","functionVersion":"latest","errorInfo":{"errorType":"","errorMessage":""}}`)))
				return
			}
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	env.onClose(func() { _ = srv.Close() })
	return ln.Addr().String(), nil
}
