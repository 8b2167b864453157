package spec

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Routing errors, for errors.Is.
var (
	ErrNoRoute          = errors.New("no documented operation has this path")
	ErrMethodNotAllowed = errors.New("the path is documented but not for this method")
)

// router matches request paths against the operation templates. Host and
// server prefix are ignored so that any base URL can be validated.
type router struct {
	routes []route
}

type route struct {
	op       Operation
	segments []string // literal segments, or "" for a parameter
	names    []string // parameter name at each segment, "" for literals
	literals int
}

func newRouter(ops []Operation) *router {
	r := &router{}
	for _, op := range ops {
		segs := splitPath(op.Path)
		rt := route{op: op, segments: make([]string, len(segs)), names: make([]string, len(segs))}
		for i, seg := range segs {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				rt.names[i] = seg[1 : len(seg)-1]
				continue
			}
			rt.segments[i] = seg
			rt.literals++
		}
		r.routes = append(r.routes, rt)
	}
	return r
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

func templateParams(p string) []string {
	var out []string
	for _, seg := range splitPath(p) {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// FindRoute maps a request to its operation and path parameters (decoded).
// A percent-encoded slash stays inside its parameter. When several
// templates match, the one with the most literal segments wins.
func (s *Spec) FindRoute(r *http.Request) (Operation, map[string]string, error) {
	raw := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	segs := make([]string, len(raw))
	for i, seg := range raw {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return Operation{}, nil, fmt.Errorf("%s %s: bad percent-encoding in path: %w", r.Method, r.URL.EscapedPath(), ErrNoRoute)
		}
		segs[i] = dec
	}
	var best *route
	pathMatched := false
	for i := range s.router.routes {
		rt := &s.router.routes[i]
		if !rt.matches(segs) {
			continue
		}
		pathMatched = true
		if rt.op.Method != r.Method {
			continue
		}
		if best == nil || rt.literals > best.literals {
			best = rt
		}
	}
	if best == nil {
		if pathMatched {
			return Operation{}, nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.EscapedPath(), ErrMethodNotAllowed)
		}
		return Operation{}, nil, fmt.Errorf("%s %s: %w", r.Method, r.URL.EscapedPath(), ErrNoRoute)
	}
	params := map[string]string{}
	for i, name := range best.names {
		if name != "" {
			params[name] = segs[i]
		}
	}
	return best.op, params, nil
}

func (rt *route) matches(segs []string) bool {
	if len(segs) != len(rt.segments) {
		return false
	}
	for i, seg := range segs {
		if rt.names[i] != "" {
			if seg == "" {
				return false
			}
			continue
		}
		if seg != rt.segments[i] {
			return false
		}
	}
	return true
}

// Expand fills the operation's path template. Values are percent-escaped as
// one path segment each; a parameter without a value is an error.
func (o Operation) Expand(values map[string]string) (string, error) {
	segs := splitPath(o.Path)
	for i, seg := range segs {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			continue
		}
		name := seg[1 : len(seg)-1]
		v, ok := values[name]
		if !ok || v == "" {
			return "", fmt.Errorf("%s: no value for path parameter %s", o.ID, name)
		}
		segs[i] = url.PathEscape(v)
	}
	return "/" + strings.Join(segs, "/"), nil
}
