package emulator

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// AdminPrefix is where the emulator's own endpoints live; no FunctionGraph path starts with it.
const AdminPrefix = "/_fgh/v1/"

// registerAdmin adds the admin endpoints and /metrics. healthz needs no
// credential; changing faults needs the admin token (X-Fgh-Admin-Token), so
// that no API user can make the endpoint misbehave for everybody; the rest
// take the API's credentials (docs/faults.md):
//
//	GET  /_fgh/v1/healthz                                      {"status":"ok"}
//	GET  /_fgh/v1/faults                                       the faults in force
//	PUT  /_fgh/v1/faults                                       replace them (admin token; YAML or JSON body, see Faults)
//	GET  /_fgh/v1/functions/{function_urn}/extension-api      {"address":"127.0.0.1:NNNN"} (starts it)
//	GET  /_fgh/v1/functions/{function_urn}/extensions         registrations and delivery stats
//	GET  /metrics                                              Prometheus metrics
func (e *Emulator) registerAdmin(mux *http.ServeMux) {
	mux.Handle("GET /metrics", promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{Registry: e.reg}))
	mux.HandleFunc("GET "+AdminPrefix+"healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET "+AdminPrefix+"faults", e.admin(func(*http.Request, []byte) (int, any, *apiError) {
		return http.StatusOK, e.currentFaults(), nil
	}))
	mux.Handle("PUT "+AdminPrefix+"faults", e.adminOnly(func(_ *http.Request, body []byte) (int, any, *apiError) {
		f, err := parseFaults(body)
		if err == nil {
			err = e.setFaults(f)
		}
		if err != nil {
			return 0, nil, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: %v", err)
		}
		return http.StatusOK, e.currentFaults(), nil
	}))
	mux.Handle("GET "+AdminPrefix+"functions/{function_urn}/extension-api", e.admin(e.adminExtensionAPI))
	mux.Handle("GET "+AdminPrefix+"functions/{function_urn}/extensions", e.admin(e.adminExtensionStats))
}

// adminHandler answers an admin endpoint the way a handler answers an
// operation: a status and a body, or an error; the wrapper writes it.
type adminHandler func(r *http.Request, body []byte) (status int, v any, err *apiError)

// admin wraps an admin endpoint with the API's authentication and a bounded
// body read.
func (e *Emulator) admin(fn adminHandler) http.Handler {
	return answering(func(w http.ResponseWriter, r *http.Request) (int, any, *apiError) {
		signed, aerr := e.authenticate(r)
		if aerr != nil {
			return 0, nil, aerr
		}
		body, aerr := readAdminBody(w, r)
		if aerr == nil && signed {
			aerr = e.checkSignature(r, body)
		}
		if aerr != nil {
			return 0, nil, aerr
		}
		return fn(r, body)
	})
}

// adminOnly wraps an endpoint that changes the emulator's behaviour for
// every client: it takes the admin token and nothing else.
func (e *Emulator) adminOnly(fn adminHandler) http.Handler {
	return answering(func(w http.ResponseWriter, r *http.Request) (int, any, *apiError) {
		if aerr := e.checkAdminToken(r); aerr != nil {
			e.log.Warn("admin request refused", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", aerr.msg)
			return 0, nil, aerr
		}
		body, aerr := readAdminBody(w, r)
		if aerr != nil {
			return 0, nil, aerr
		}
		return fn(r, body)
	})
}

// answering turns a function returning a result into an http.Handler that
// writes it once.
func answering(fn func(http.ResponseWriter, *http.Request) (int, any, *apiError)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, v, err := fn(w, r)
		answer(w, status, v, err, "")
	})
}

// maxAdminBody bounds a faults document; a real one is a few hundred bytes.
const maxAdminBody = 64 << 10

func readAdminBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	b, err := readLimited(w, r, maxAdminBody)
	if err != nil {
		return nil, err
	}
	return *b, nil
}

// adminFunction finds the function an admin path names.
func (e *Emulator) adminFunction(r *http.Request) (*function, *apiError) {
	c := &call{e: e, r: r}
	u, err := c.functionURN()
	if err != nil {
		return nil, err
	}
	var f *function
	e.store.read(func() { f, err = e.store.lookup(u) })
	return f, err
}

func (e *Emulator) adminExtensionAPI(r *http.Request, _ []byte) (int, any, *apiError) {
	f, aerr := e.adminFunction(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	addr, err := e.extensionEndpoint(f)
	if err != nil {
		return 0, nil, newError(http.StatusServiceUnavailable, codeUnavailable, "%v", err)
	}
	e.log.Info("extension API endpoint", "function", f.key.name, "EXTENSION_API_ADDR", addr)
	return http.StatusOK, map[string]string{"address": addr, "function": f.key.name, "env": "EXTENSION_API_ADDR=" + addr}, nil
}

func (e *Emulator) adminExtensionStats(r *http.Request, _ []byte) (int, any, *apiError) {
	f, aerr := e.adminFunction(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	key := fnHubKey(f)
	st := e.hub.Stats(key)
	type ext struct {
		Name      string `json:"name"`
		Address   string `json:"address"`
		Delivered int64  `json:"delivered"`
		Failed    int64  `json:"failed"`
	}
	exts := make([]ext, 0, len(st.PerExtension))
	for _, x := range st.PerExtension {
		exts = append(exts, ext{x.Name, x.Address, x.Delivered, x.Failed})
	}
	return http.StatusOK, map[string]any{
		"function": f.key.name, "registered": st.Registered, "delivered": st.Delivered, "failed": st.Failed,
		"dropped": st.Dropped, "in_flight": st.InFlight, "extensions": exts,
		"invocations": f.rt.counts.count.Load(),
	}, nil
}
