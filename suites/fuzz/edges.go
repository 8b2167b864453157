package fuzz

import (
	"fmt"
	"math"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// edge is one case of an operation's deterministic edge set: a break
// with one of its values, or a valid value at a boundary of a spot, or a
// payload of a given size. The edge set is sent before any random case,
// so a defect that needs exactly one value (a timeout of 0, a memory
// size of 129) is found at any budget and seed.
type edge struct {
	brk   *breakage
	spot  *spot
	value any
	size  int // a valid payload of this many bytes
	// extensions registered with one function, the last of them past
	// FunctionGraph's limit (registerExtension's one edge).
	extensions int
}

func (e edge) String() string {
	switch {
	case e.brk != nil:
		return fmt.Sprintf("%s: %v", e.brk, e.value)
	case e.spot != nil:
		return fmt.Sprintf("%s = %.40v", e.spot, e.value)
	case e.extensions > 0:
		return fmt.Sprintf("%d extensions registered with one function", e.extensions)
	}
	return fmt.Sprintf("a payload of %d bytes", e.size)
}

// Longest valid string the edge set sends at a maxLength boundary.
const maxEdgeText = 4 << 10

// edges lists the plan's edge set in sending order: FunctionGraph's limits
// (each value of a required number's range and documented values, the
// payload of 6 MB + 1 byte; for registerExtension, its one edge: the 11th
// extension of a function), the valid boundaries (a payload of exactly
// 6 MB, each integer's minimum and maximum, a non-ASCII and a
// maxLength-long text), then every other break: each value beside a range
// or an enum and each URN outside the grammar, the first value of the rest.
func (p *plan) edges() []edge {
	if p.extensions {
		return []edge{{extensions: fgs.MaxExtensions + 1}}
	}
	var out []edge
	breaks := func(limits bool) {
		for i := range p.breaks {
			b := &p.breaks[i]
			if b.Limit != limits {
				continue
			}
			switch {
			case b.Sizes != nil:
				out = append(out, edge{brk: b, value: 0})
			case b.Raw != nil || b.Drop:
				out = append(out, edge{brk: b})
			case b.Every:
				for _, v := range b.Values {
					out = append(out, edge{brk: b, value: v})
				}
			default:
				out = append(out, edge{brk: b, value: b.Values[0]})
			}
		}
	}
	breaks(true)
	if !p.invalidOnly {
		if p.op.ID == fgs.OpInvokeFunction {
			out = append(out, edge{size: fgs.MaxSyncPayloadBytes})
		}
		for i := range p.vary {
			for _, v := range boundaryValues(p.vary[i]) {
				out = append(out, edge{spot: &p.vary[i], value: v})
			}
		}
	}
	breaks(false)
	return out
}

// boundaryValues are the valid values at the edges of a spot's schema:
// an integer's minimum and maximum, and for free text (a body string
// without pattern or format) one non-ASCII character and a string as long
// as maxLength allows.
func boundaryValues(s spot) []any {
	sc := s.Schema
	if sc == nil || len(sc.Enum) > 0 {
		return nil
	}
	var out []any
	switch {
	case sc.Type.Is(openapi3.TypeInteger):
		if sc.Min != nil {
			out = append(out, int64(math.Ceil(*sc.Min)))
		}
		if sc.Max != nil && (sc.Min == nil || *sc.Max != *sc.Min) {
			out = append(out, int64(math.Floor(*sc.Max)))
		}
	case sc.Type.Is(openapi3.TypeString) && s.In == inBody && sc.Pattern == "" && sc.Format == "":
		if sc.MinLength <= 1 && (sc.MaxLength == nil || *sc.MaxLength >= 1) {
			out = append(out, "é")
		}
		if sc.MaxLength != nil && *sc.MaxLength > 1 && *sc.MaxLength <= maxEdgeText && *sc.MaxLength >= sc.MinLength {
			out = append(out, strings.Repeat("a", int(*sc.MaxLength)))
		}
	}
	var valid []any
	for _, v := range out {
		if sc.VisitJSON(v) == nil {
			valid = append(valid, v)
		}
	}
	return valid
}

// edgeCase is the request of one edge: the documented body with every
// optional member and parameter left out (what rapid shrinks a case
// towards) and the edge applied. ok is false when a valid boundary value
// breaks a rule across members, so the case would not be valid.
func (p *plan) edgeCase(e edge, name func(string) string) (c testCase, ok bool) {
	c, body := p.baseCase(name)
	for _, s := range p.vary {
		switch {
		case !s.Required:
			delete(body, s.Name)
		case s.In == inQuery:
			c.req.Query.Set(s.Name, fw.ParamText(documentedValue(s.Schema)))
		}
	}
	body = p.settle(body, name)
	c.setBody(body)
	switch {
	case e.brk != nil:
		return c.breakWith(*e.brk, e.value, body), true
	case e.size > 0:
		c.req.Body = payload(e.size)
	case e.spot != nil:
		c.set(*e.spot, e.value, body)
		if m, isObject := c.req.Body.(map[string]any); isObject && p.schema != nil && p.schema.VisitJSON(m) != nil {
			return c, false
		}
	}
	return c, true
}
