package emulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"

	"github.com/fgharness/fgharness/internal/extapi"
	"github.com/fgharness/fgharness/internal/urn"
)

func fnHubKey(f *function) string { return f.key.pkg + "/" + f.key.name }

// functionURN parses the function_urn path parameter and checks it names
// this endpoint's project.
func (c *call) functionURN() (urn.URN, *apiError) {
	u, err := urn.Parse(c.param("function_urn"))
	if err != nil {
		return u, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter function_urn: %v", err)
	}
	if u.Kind != urn.KindFunction {
		return u, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter function_urn: %s names a %s, not a function", u, u.Kind)
	}
	if u.ProjectID != c.e.cfg.ProjectID {
		return u, newError(http.StatusForbidden, codeForbidden, "function_urn belongs to project %s, not to this endpoint's project", u.ProjectID)
	}
	return u, nil
}

// lockFunction takes the store lock (exclusive when write) and finds the
// function the path names. On failure it has answered the error, released
// the lock and returns nil; otherwise the caller defers unlock.
func (c *call) lockFunction(write bool) (f *function, unlock func()) {
	u, err := c.functionURN()
	if err != nil {
		c.fail(err)
		return nil, nil
	}
	mu := &c.e.store.mu
	lock, unlock := mu.RLock, mu.RUnlock
	if write {
		lock, unlock = mu.Lock, mu.Unlock
	}
	lock()
	if f, err = c.e.store.lookup(u); err != nil {
		unlock()
		c.fail(err)
		return nil, nil
	}
	return f, unlock
}

// lookup finds the function a URN names. Caller holds s.mu.
func (s *store) lookup(u urn.URN) (*function, *apiError) {
	f := s.functions[fnKey{u.Package, u.Name}]
	if f == nil {
		return nil, errFunctionNotFound(u.Unqualified().String())
	}
	return f, nil
}

// resolve maps a qualifier to the configuration it runs: latest, a version,
// or an alias (honouring additional_version_weights). Caller holds s.mu.
func (f *function) resolve(q string) (*functionConfig, *apiError) {
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
