package generated

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fgharness/fgharness/spec"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// maxViolationsPerOperation bounds the schema-derived 400 cases of one
// operation besides its missing required members (which are all kept), so
// that the whole contract run stays short on a real endpoint.
const maxViolationsPerOperation = 12

// Kinds of violation; the cap takes all missing-required cases and the
// others round-robin, so that each kind an operation can break is represented.
const (
	kindRequired = "required"
	kindEnum     = "enum"
	kindRange    = "range"
	kindLength   = "length"
	kindPattern  = "pattern"
	kindItems    = "items"
)

var violationKinds = []string{kindEnum, kindRange, kindLength, kindPattern, kindItems}

// violation is one way to break a request that the spec says the endpoint
// must refuse with 400. It is plain data, built at tree-construction time.
type violation struct {
	In   string   // "body", "query" or "path"
	Name string   // query or path parameter
	Ptr  []string // body: JSON pointer of the member, array indexes as digits
	Drop bool     // remove the member or parameter instead of setting Value
	// Value is the offending value; query and path values are sent as text.
	Value any
	What  string // what is wrong, e.g. "above maximum 10240"
	Kind  string
	// InExample tells whether the broken member is one the documented
	// example sends; those cases are taken first.
	InExample bool
}

// Location names the broken part the way validator messages do.
func (v violation) Location() string {
	if v.In == "body" {
		return "body /" + strings.Join(v.Ptr, "/")
	}
	return v.In + " " + v.Name
}

func (v violation) String() string { return v.Location() + ": " + v.What }

// requestViolations derives the 400 cases of one operation from its
// request schema and parameters, checked against the example body they
// mutate, and capped round-robin by kind.
func requestViolations(sp *spec.Spec, op spec.Operation, example map[string]any) []violation {
	var all []violation
	if sc := sp.RequestSchema(op.ID); sc != nil && example != nil {
		all = append(all, bodyViolations(sc, example, nil)...)
		all = keepRefused(sc, example, all)
	}
	all = append(all, parameterViolations(op)...)
	return capByKind(all, maxViolationsPerOperation)
}

// bodyViolations walks an object schema alongside the example value.
func bodyViolations(sc *openapi3.Schema, example any, ptr []string) []violation {
	var out []violation
	for _, sub := range sc.AllOf {
		if sub.Value != nil {
			out = append(out, bodyViolations(sub.Value, example, ptr)...)
		}
	}
	obj, ok := example.(map[string]any)
	if !ok {
		return out
	}
	names := make([]string, 0, len(sc.Properties))
	for name := range sc.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	required := map[string]bool{}
	for _, r := range sc.Required {
		required[r] = true
	}
	for _, name := range names {
		prop := sc.Properties[name].Value
		if prop == nil || prop.ReadOnly {
			continue
		}
		at := append(append([]string(nil), ptr...), name)
		value, present := obj[name]
		if required[name] && present {
			out = append(out, violation{In: "body", Ptr: at, Drop: true, What: "required member missing", Kind: kindRequired})
		}
		for _, c := range valueViolations(prop) {
			c.In, c.Ptr, c.InExample = "body", at, present
			out = append(out, c)
		}
		switch v := value.(type) {
		case map[string]any:
			out = append(out, bodyViolations(prop, v, at)...)
		case []any:
			if len(v) > 0 && prop.Items != nil && prop.Items.Value != nil {
				out = append(out, bodyViolations(prop.Items.Value, v[0], append(at, "0"))...)
			}
		}
	}
	return out
}

// valueViolations lists values the schema refuses: outside the enum, the
// length or value range, the pattern or the item count.
func valueViolations(sc *openapi3.Schema) []violation {
	var out []violation
	add := func(kind, what string, v any) {
		if sc.VisitJSON(v) != nil {
			out = append(out, violation{Value: v, What: what, Kind: kind})
		}
	}
	switch {
	case sc.Type.Is(openapi3.TypeString):
		if len(sc.Enum) > 0 {
			add(kindEnum, "not one of the documented values", "FGH_UNDOCUMENTED_VALUE")
			return out
		}
		if sc.MinLength > 0 {
			add(kindLength, fmt.Sprintf("shorter than minLength %d", sc.MinLength), strings.Repeat("a", int(sc.MinLength)-1))
		}
		if sc.MaxLength != nil && *sc.MaxLength < 1<<16 {
			add(kindLength, fmt.Sprintf("longer than maxLength %d", *sc.MaxLength), strings.Repeat("a", int(*sc.MaxLength)+1))
		}
		if sc.Pattern != "" {
			for _, cand := range []string{"!", "a b!", "0"} {
				if sc.VisitJSON(cand) != nil {
					add(kindPattern, "not matching pattern "+sc.Pattern, cand)
					break
				}
			}
		}
	case sc.Type.Is(openapi3.TypeInteger) || sc.Type.Is(openapi3.TypeNumber):
		if len(sc.Enum) > 0 {
			add(kindEnum, "not one of the documented values", enumOutsider(sc.Enum))
			return out
		}
		if sc.Min != nil {
			add(kindRange, fmt.Sprintf("below minimum %v", *sc.Min), numberBelow(*sc.Min))
		}
		if sc.Max != nil {
			add(kindRange, fmt.Sprintf("above maximum %v", *sc.Max), numberAbove(*sc.Max))
		}
	case sc.Type.Is(openapi3.TypeArray):
		if sc.MinItems > 0 {
			add(kindItems, fmt.Sprintf("fewer than minItems %d", sc.MinItems), []any{})
		}
	}
	return out
}

func numberBelow(min float64) any {
	if min == math.Trunc(min) {
		return int64(min) - 1
	}
	return min - 1
}

func numberAbove(max float64) any {
	if max == math.Trunc(max) {
		return int64(max) + 1
	}
	return max + 1
}

// enumOutsider is a number that is not among the documented values.
func enumOutsider(enum []any) any {
	var top float64
	for _, e := range enum {
		if f, ok := fw.Number(e); ok && f > top {
			top = f
		}
	}
	return int64(top) + 1
}

// parameterViolations breaks query and path parameters. project_id is
// left alone (another project is the 403 case) and so are header
// parameters and empty path segments, which change routing rather than
// break the operation's rules.
func parameterViolations(op spec.Operation) []violation {
	var out []violation
	for _, ref := range op.Raw().Parameters {
		p := ref.Value
		if p == nil || p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		switch {
		case p.In == openapi3.ParameterInQuery && !spec.Normalised(p):
			if p.Required {
				out = append(out, violation{In: "query", Name: p.Name, Drop: true, What: "required parameter missing", Kind: kindRequired})
			}
			for _, c := range valueViolations(p.Schema.Value) {
				c.In, c.Name = "query", p.Name
				out = append(out, c)
			}
		case p.In == openapi3.ParameterInPath && p.Name != "project_id":
			for _, c := range valueViolations(p.Schema.Value) {
				if s, ok := c.Value.(string); ok && s != "" && !strings.Contains(s, " ") && c.Kind != kindLength {
					c.In, c.Name = "path", p.Name
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// keepRefused drops body cases whose mutated example the request schema
// would still accept (two constraints that cancel out, an enum that
// happens to allow the probe), so every case is a real violation.
func keepRefused(sc *openapi3.Schema, example map[string]any, cases []violation) []violation {
	var out []violation
	for _, c := range cases {
		body := fw.CloneJSON(example)
		if !applyBody(body, c) {
			continue
		}
		if sc.VisitJSON(body) != nil {
			out = append(out, c)
		}
	}
	return out
}

// capByKind keeps every missing-required case and at most n others,
// members of the example first, then one of each kind in turn.
func capByKind(cases []violation, n int) []violation {
	var out []violation
	byKind := map[string][]violation{}
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].InExample && !cases[j].InExample })
	for _, c := range cases {
		if c.Kind == kindRequired {
			out = append(out, c)
			continue
		}
		byKind[c.Kind] = append(byKind[c.Kind], c)
	}
	n += len(out)
	for len(out) < n {
		took := false
		for _, k := range violationKinds {
			if len(byKind[k]) > 0 && len(out) < n {
				out = append(out, byKind[k][0])
				byKind[k] = byKind[k][1:]
				took = true
			}
		}
		if !took {
			break
		}
	}
	return out
}

// applyBody mutates body (a decoded JSON object) as c says; false when
// the member's parent is not in the body.
func applyBody(body map[string]any, c violation) bool {
	var parent any = body
	for _, seg := range c.Ptr[:len(c.Ptr)-1] {
		switch p := parent.(type) {
		case map[string]any:
			parent = p[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i >= len(p) {
				return false
			}
			parent = p[i]
		default:
			return false
		}
	}
	obj, ok := parent.(map[string]any)
	if !ok {
		return false
	}
	last := c.Ptr[len(c.Ptr)-1]
	if c.Drop {
		delete(obj, last)
	} else {
		obj[last] = c.Value
	}
	return true
}
