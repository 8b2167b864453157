package emulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"

	"github.com/fgharness/fgharness/internal/emulator/extapi"
	"github.com/fgharness/fgharness/internal/urn"
)

func fnHubKey(f *function) string { return f.key.pkg + "/" + f.key.name }

// functionURN parses the function_urn path parameter and checks it names
// this endpoint's project.
func (c *call) functionURN() (urn.URN, *apiError) { return c.functionURNParam("function_urn") }

// functionURNParam is functionURN for a path parameter of another name
// (the pinning page calls it func_urn).
func (c *call) functionURNParam(name string) (urn.URN, *apiError) {
	u, err := urn.Parse(c.param(name))
	if err != nil {
		return u, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter %s: %v", name, err)
	}
	if u.Kind != urn.KindFunction {
		return u, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter %s: %s names a %s, not a function", name, u, u.Kind)
	}
	if u.ProjectID != c.e.cfg.ProjectID {
		return u, newError(http.StatusForbidden, codeForbidden, "%s belongs to project %s, not to this endpoint's project", name, u.ProjectID)
	}
	return u, nil
}

// readFunction runs fn on the function the path's function_urn names,
// holding the store's read lock: the one way a handler reads a function.
// An unknown function is 404 FSS.1051; fn's error comes back as it is.
func readFunction[T any](c *call, fn func(f *function) (T, *apiError)) (out T, err *apiError) {
	c.e.store.read(func() { out, err = onFunction(c, fn) })
	return out, err
}

// writeFunction is readFunction holding the exclusive lock, for handlers
// that change the function.
func writeFunction[T any](c *call, fn func(f *function) (T, *apiError)) (out T, err *apiError) {
	c.e.store.write(func() { out, err = onFunction(c, fn) })
	return out, err
}

func onFunction[T any](c *call, fn func(f *function) (T, *apiError)) (T, *apiError) {
	f, err := c.e.store.lookup(c.fn)
	if err != nil {
		var zero T
		return zero, err
	}
	return fn(f)
}

// resolvedConfig is the configuration the path's function_urn resolves to
// (latest, a version, or an alias's pick), with its function.
func resolvedConfig(c *call) (*function, *functionConfig, *apiError) {
	var cfg *functionConfig
	f, err := readFunction(c, func(f *function) (*function, *apiError) {
		var err *apiError
		cfg, err = f.resolveFor(c.fn.Qualifier, c.r)
		return f, err
	})
	return f, cfg, err
}

// lookup finds the function a URN names. Caller holds the store lock.
func (s *store) lookup(u urn.URN) (*function, *apiError) {
	f := s.functions[fnKey{u.Package, u.Name}]
	if f == nil {
		return nil, errFunctionNotFound(u.Unqualified().String())
	}
	return f, nil
}

// resolve maps a qualifier to the configuration it runs: latest, a version,
// or an alias (honouring additional_version_weights). Caller holds the store lock.
func (f *function) resolve(q string) (*functionConfig, *apiError) { return f.resolveFor(q, nil) }

// resolveFor is resolve for a request, whose headers and cookies an
// alias's additional_version_strategy rules may route by.
func (f *function) resolveFor(q string, r *http.Request) (*functionConfig, *apiError) {
	if q == "" || q == urn.Latest {
		return f.latest, nil
	}
	name := strings.TrimPrefix(q, urn.AliasPrefix)
	if !strings.HasPrefix(q, urn.AliasPrefix) {
		if v := f.versions[q]; v != nil {
			return v, nil
		}
	}
	if a := f.aliases[name]; a != nil {
		if v := a.ruleVersion(r); v != "" {
			return f.resolve(v)
		}
		return f.resolve(a.pick())
	}
	return nil, errFunctionNotFound(f.latest.FuncURN[:strings.LastIndexByte(f.latest.FuncURN, ':')] + ":" + q)
}

// pick chooses the alias's version, or one of its additional versions by weight (percent).
func (a *alias) pick() string {
	if len(a.AdditionalVersionWeights) > 0 {
		n := rand.IntN(100)
		names := make([]string, 0, len(a.AdditionalVersionWeights))
		for v := range a.AdditionalVersionWeights {
			names = append(names, v)
		}
		sort.Strings(names)
		for _, v := range names {
			if n -= a.AdditionalVersionWeights[v]; n < 0 {
				return v
			}
		}
	}
	return a.Version
}

// extensionEndpoint starts (or finds) the function's Extension API.
func (e *Emulator) extensionEndpoint(f *function) (string, error) {
	addr, err := e.hub.Endpoint(fnHubKey(f), extapi.FunctionInfo{Name: f.key.name, Version: urn.Latest})
	if err != nil {
		return "", fmt.Errorf("extension API of %s: %w", f.key.name, err)
	}
	return addr, nil
}
