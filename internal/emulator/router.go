package emulator

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
	"github.com/fgharness/fgharness/spec"
)

// handler answers one operation. It returns the success status and the body
// (encoded as JSON; nil for none; a rawBody as it is), or an error, and the
// route writes whichever it got; a handler writes only headers itself.
type handler func(c *call) (status int, body any, err *apiError)

// rawBody is a body already encoded by the handler (the invoke hot path);
// the route writes it as it is and returns the buffer to the pool. The
// handler sets Content-Type.
type rawBody struct{ buf *[]byte }

// route is one operation's handler with what the middleware needs to know.
type route struct {
	op      spec.Operation
	handle  handler
	public  bool // no authentication (IAM token issuing)
	invoke  bool // invocation: MaxInvokeBody, no generic validation
	onFunc  bool // the path names a function (function_urn), parsed into call.fn
	lenient map[string]bool
	// errorRequestID puts a request_id in error bodies, as the workflow
	// pages document for their 400 and 500 answers.
	errorRequestID bool
	observer       prometheus.Observer
	success        int                // the operation's documented success status
	counted        prometheus.Counter // requests answered with success, resolved once
}

// call is one request on its way through a route; it is also the
// ResponseWriter handlers write to, so the status is recorded for metrics.
type call struct {
	e      *Emulator
	rt     *route
	w      http.ResponseWriter
	r      *http.Request
	body   []byte
	buf    *[]byte
	status int
	fn     urn.URN // the function_urn path parameter, on routes with one
	// requestID is the invocation's request_id, which its error bodies carry too.
	requestID string
}

func (c *call) Header() http.Header         { return c.w.Header() }
func (c *call) Write(b []byte) (int, error) { return c.w.Write(b) }
func (c *call) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
	c.w.WriteHeader(status)
}

// respond writes what the handler returned: the error in the documented
// Error body, or the body with the status.
func (c *call) respond(status int, body any, err *apiError) {
	id := c.requestID
	if err != nil && id == "" && c.rt != nil && c.rt.errorRequestID {
		id = newID()
	}
	answer(c, status, body, err, id)
}

// answer writes a handler's result, operation or admin endpoint alike:
// err as the Error body (with requestID when not empty), else the status
// with body encoded as JSON, written as it is (rawBody), or none (nil).
func answer(w http.ResponseWriter, status int, body any, err *apiError, requestID string) {
	if err != nil {
		writeError(w, err, requestID)
		return
	}
	switch b := body.(type) {
	case nil:
		w.WriteHeader(status)
	case rawBody:
		w.Header()["Content-Length"] = []string{strconv.Itoa(len(*b.buf))}
		w.WriteHeader(status)
		_, _ = w.Write(*b.buf)
		putBuf(b.buf)
	default:
		writeJSON(w, status, body)
	}
}

func (c *call) param(name string) string { return c.r.PathValue(name) }
func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }
func (c *call) decode(v any) *apiError   { return decodeBody(c.body, v) }
func (c *call) projectMismatch() bool    { return c.param("project_id") != c.e.cfg.ProjectID }

var callPool = sync.Pool{New: func() any { return new(call) }}

// buildRouter maps every functiongraph and iam operation of the spec to its
// handler through http.ServeMux patterns made from the spec's paths.
func (e *Emulator) buildRouter() http.Handler {
	mux := http.NewServeMux()
	handlers := operationHandlers()
	e.routes = map[string]*route{}
	for _, op := range e.spec.Operations() {
		if op.Document != spec.FunctionGraph && op.Document != spec.IAM {
			continue // the Extension API is served by the hub, per function
		}
		h, ok := handlers[op.ID]
		if !ok {
			id := op.ID
			e.log.Warn("spec operation has no emulator handler; it answers 503", "operation", id)
			h = func(*call) (int, any, *apiError) {
				return 0, nil, newError(http.StatusServiceUnavailable, codeUnavailable, "operation %s is not emulated", id)
			}
		}
		rt := &route{
			op: op, handle: h,
			public:   op.Raw().Security != nil && len(*op.Raw().Security) == 0,
			invoke:   fgs.InvokesFunction(op.ID),
			onFunc:   strings.Contains(op.Path, "{function_urn}"),
			lenient:  lenientQuery[op.ID],
			observer: e.metrics.latency.WithLabelValues(op.ID),

			errorRequestID: slices.Contains(op.Tags, errorRequestIDTag),
			success:        op.SuccessStatus(),
		}
		rt.counted = e.metrics.requests.WithLabelValues(op.ID, statusText[rt.success])
		e.routes[op.ID] = rt
		mux.Handle(op.Method+" "+muxPath(op), e.serveRoute(rt))
	}
	e.registerAdmin(mux)
	mux.HandleFunc("/", e.serveUnknown)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if bad := uncleanPath(r.URL.EscapedPath()); bad != "" {
			e.metrics.count("unknown", http.StatusBadRequest)
			writeError(w, newError(http.StatusBadRequest, codeBadRequest, "path %s", bad), "")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// uncleanPath explains why a path is refused before routing; ServeMux would
// otherwise answer such paths with a redirect instead of an Error body.
func uncleanPath(p string) string {
	switch {
	case p == "" || p[0] != '/':
		return "must start with /"
	case strings.Contains(p, "//"):
		return "contains an empty segment (//)"
	case strings.Contains(p, "/./"), strings.Contains(p, "/../"), strings.HasSuffix(p, "/."), strings.HasSuffix(p, "/.."):
		return "contains a dot segment (/./ or /../)"
	}
	return ""
}

// serveUnknown answers what no operation matches: 404 FSS.0404 for an
// unknown path or an unsupported method (the error table has no 405).
func (e *Emulator) serveUnknown(w http.ResponseWriter, r *http.Request) {
	op, params, err := e.spec.FindRoute(r)
	if rt := e.routes[op.ID]; err == nil && rt != nil && muxPath(op) != op.Path && !strings.HasSuffix(r.URL.Path, "/") {
		// A path muxPath's literal does not cover, such as a resource_type
		// other than "functions": the operation's own validation answers it.
		for name, v := range params {
			r.SetPathValue(name, v)
		}
		e.serveRoute(rt).ServeHTTP(w, r)
		return
	}
	e.metrics.count("unknown", http.StatusNotFound)
	msg := "no FunctionGraph operation has the path " + r.URL.EscapedPath()
	if errors.Is(err, spec.ErrMethodNotAllowed) {
		msg = "the path " + r.URL.EscapedPath() + " does not support method " + r.Method
	}
	writeError(w, newError(http.StatusNotFound, codeNotFound, "%s", msg), "")
}

func (e *Emulator) serveRoute(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c := callPool.Get().(*call)
		*c = call{e: e, rt: rt, w: w, r: r}
		defer func() {
			status := c.status
			if status == 0 {
				status = http.StatusOK
			}
			took := time.Since(start)
			rt.observer.Observe(took.Seconds())
			if status == rt.success {
				rt.counted.Inc()
			} else {
				e.metrics.count(rt.op.ID, status)
			}
			if e.log.Enabled(r.Context(), slog.LevelDebug) {
				e.log.LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("operation", rt.op.ID),
					slog.String("method", r.Method), slog.Int("status", status), slog.Duration("duration", took))
			}
			if c.buf != nil {
				putBuf(c.buf)
			}
			*c = call{}
			callPool.Put(c)
		}()
		if err := e.admit(c); err != nil {
			c.respond(0, nil, err)
			return
		}
		if rt.invoke {
			c.requestID = newID()
		}
		if rt.onFunc {
			var err *apiError
			if c.fn, err = c.functionURN(); err != nil {
				c.respond(0, nil, err)
				return
			}
		}
		c.respond(rt.handle(c))
	})
}

// muxPath is the operation's path as a ServeMux pattern. A path parameter
// whose schema allows a single value (resource_type of the tag operations,
// always "functions") becomes that literal: ServeMux refuses patterns such
// as /v2/{project_id}/{resource_type}/{resource_id}/tags beside
// /v2/{project_id}/fgs/applications/{id}, which neither is more specific
// than the other.
func muxPath(op spec.Operation) string {
	path := op.Path
	for _, p := range op.Raw().Parameters {
		if p.Value == nil || p.Value.In != "path" || p.Value.Schema == nil || p.Value.Schema.Value == nil {
			continue
		}
		if enum := p.Value.Schema.Value.Enum; len(enum) == 1 {
			if lit, ok := enum[0].(string); ok {
				path = strings.ReplaceAll(path, "{"+p.Value.Name+"}", lit)
			}
		}
	}
	return path
}
