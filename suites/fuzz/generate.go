package fuzz

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"pgregory.net/rapid"

	fw "github.com/fgharness/fgharness/suites/framework"
)

// Where a spot lives in the request.
const (
	inBody  = "body"
	inQuery = "query"
	inPath  = "path"
)

// spot is one body member or parameter a case can vary or break.
type spot struct {
	In       string
	Name     string
	Schema   *openapi3.Schema
	Required bool
}

func (s spot) String() string {
	if s.In == inBody {
		return "body /" + s.Name
	}
	return s.In + " " + s.Name
}

// breakage is one way to make a request invalid: the spot, what is wrong
// in words, and the offending values, simplest first (rapid shrinks
// towards the first).
type breakage struct {
	Spot   spot
	What   string
	Values []any // nil with Drop
	Drop   bool  // the member or parameter is left out
	// Sizes, for an oversize body: the smallest refused size, to which
	// a drawn excess is added (rapid shrinks it to 0).
	Sizes []int
	// Raw replaces the whole body (malformed JSON) or, with ContentType,
	// sends it under another media type.
	Raw         []byte
	ContentType string
	// Limit marks a FunctionGraph limit (a required number's range or
	// documented values, the payload size, the URN grammar): such breaks
	// are drawn as often as all the others together.
	Limit bool
	// Every marks a break whose every value is its own edge (a range's
	// neighbours, the values beside an enum, URNs outside the grammar):
	// the edge set sends them all, where it sends only the first of others.
	Every bool
}

func (b breakage) String() string {
	if b.Raw != nil || b.Sizes != nil {
		return b.What
	}
	return b.Spot.String() + ": " + b.What
}

// Longest string the generator draws for free text, so a case stays small
// unless a length boundary is the point.
const maxFreeText = 64

// drawValue draws a value the schema accepts; ok is false when the
// generator cannot promise one (patterns, formats, composed schemas),
// and the documented value is kept instead. Unconstrained strings are
// drawn only where freeText says they are text (a body member), not in
// a parameter, where they usually name something (a marker, a URN).
func drawValue(t *rapid.T, sc *openapi3.Schema, label string, freeText bool) (any, bool) {
	if sc == nil || len(sc.AllOf)+len(sc.AnyOf)+len(sc.OneOf) > 0 || sc.Not != nil {
		return nil, false
	}
	if len(sc.Enum) > 0 {
		return rapid.SampledFrom(sc.Enum).Draw(t, label), true
	}
	switch {
	case sc.Type.Is(openapi3.TypeString):
		if sc.Pattern != "" || sc.Format != "" || !freeText {
			return nil, false
		}
		lo, hi := int(sc.MinLength), maxFreeText
		if sc.MaxLength != nil && int(*sc.MaxLength) < hi {
			hi = int(*sc.MaxLength)
		}
		if lo > hi {
			return nil, false
		}
		return rapid.StringN(lo, hi, -1).Draw(t, label), true
	case sc.Type.Is(openapi3.TypeInteger):
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		if sc.Min != nil {
			lo = int64(math.Ceil(*sc.Min))
		}
		if sc.Max != nil {
			hi = int64(math.Floor(*sc.Max))
		}
		if lo > hi {
			return nil, false
		}
		// The bounds themselves are where endpoints go wrong most.
		return rapid.OneOf(rapid.SampledFrom([]int64{lo, hi}), rapid.Int64Range(lo, hi)).Draw(t, label), true
	case sc.Type.Is(openapi3.TypeBoolean):
		return rapid.Bool().Draw(t, label), true
	}
	return nil, false
}

// breakagesOf lists the ways a value of sc can be refused by the schema,
// each with offending values the schema really refuses.
func breakagesOf(s spot) []breakage {
	sc := s.Schema
	var out []breakage
	// add appends the break when a candidate is really refused; the
	// pointer is valid until the next add.
	add := func(what string, candidates ...any) *breakage {
		var values []any
		for _, c := range candidates {
			if s.In == inPath && fw.ParamText(c) == "" {
				continue // an empty segment changes the route, not the value
			}
			if sc.VisitJSON(c) != nil && !slices.ContainsFunc(values, func(v any) bool { return fmt.Sprint(v) == fmt.Sprint(c) }) {
				values = append(values, c)
			}
		}
		if len(values) == 0 {
			return nil
		}
		out = append(out, breakage{Spot: s, What: what, Values: values})
		return &out[len(out)-1]
	}
	if s.Required && s.In != inPath {
		out = append(out, breakage{Spot: s, What: "required but missing", Drop: true})
	}
	switch {
	case sc.Type.Is(openapi3.TypeString):
		if len(sc.Enum) > 0 {
			if b := add("not one of the documented values", "FGH_UNDOCUMENTED", "", strings.ToLower(fmt.Sprint(sc.Enum[0]))+"x"); b != nil {
				b.Every = true
			}
			break
		}
		if sc.MaxLength != nil && *sc.MaxLength < 1<<16 {
			n := int(*sc.MaxLength)
			add(fmt.Sprintf("longer than maxLength %d", n), strings.Repeat("a", n+1), strings.Repeat("é", n+1))
		}
		if sc.MinLength > 0 {
			add(fmt.Sprintf("shorter than minLength %d", sc.MinLength), strings.Repeat("a", int(sc.MinLength)-1))
		}
		if sc.Pattern != "" {
			add("not matching pattern "+sc.Pattern, "", "!", "a b", "0", "ü-", "a/b")
		}
		if s.In == inBody {
			add("not a string", int64(12345), true, map[string]any{})
		}
	case sc.Type.Is(openapi3.TypeInteger) || sc.Type.Is(openapi3.TypeNumber):
		limits := len(out)
		if len(sc.Enum) > 0 {
			add("not one of the documented values", enumNeighbours(sc.Enum)...)
		} else {
			if sc.Min != nil {
				m := int64(math.Ceil(*sc.Min))
				add(fmt.Sprintf("below minimum %v", *sc.Min), int64(0), m-1, int64(-1), m-1000, int64(math.MinInt32))
			}
			if sc.Max != nil {
				m := int64(math.Floor(*sc.Max))
				add(fmt.Sprintf("above maximum %v", *sc.Max), m+1, 2*m, int64(math.MaxInt32)+1)
			}
		}
		for i := limits; i < len(out); i++ {
			out[i].Limit, out[i].Every = s.Required, true
		}
		if len(sc.Enum) > 0 {
			break
		}
		if sc.Type.Is(openapi3.TypeInteger) {
			add("not an integer", 1.5)
		}
		if s.In == inBody {
			add("not a number", "12", true)
		}
	case sc.Type.Is(openapi3.TypeBoolean):
		if s.In == inBody {
			add("not a boolean", "true", int64(1))
		} else {
			add("not a boolean", "yes", "2")
		}
	case sc.Type.Is(openapi3.TypeArray):
		if sc.MinItems > 0 {
			add(fmt.Sprintf("fewer than minItems %d", sc.MinItems), []any{})
		}
		if s.In == inBody {
			add("not an array", "x", map[string]any{})
		}
	case sc.Type.Is(openapi3.TypeObject):
		if s.In == inBody {
			add("not an object", "x", []any{}, int64(1))
		}
	}
	return out
}

// enumNeighbours are numbers next to the documented ones that are not
// documented themselves (129 beside 128), the first value's upper
// neighbour first.
func enumNeighbours(enum []any) []any {
	known := map[int64]bool{}
	var nums []int64
	for _, e := range enum {
		if f, ok := fw.Number(e); ok {
			known[int64(f)] = true
			nums = append(nums, int64(f))
		}
	}
	var out []any
	for _, n := range nums {
		for _, c := range []int64{n + 1, n - 1} {
			if !known[c] {
				out = append(out, c)
				known[c] = true
			}
		}
	}
	return append(out, int64(0), int64(-1))
}

// bodySpots are the top-level members of an object request schema, by name.
func bodySpots(sc *openapi3.Schema) []spot {
	if sc == nil {
		return nil
	}
	required := map[string]bool{}
	for _, r := range sc.Required {
		required[r] = true
	}
	names := make([]string, 0, len(sc.Properties))
	for name, ref := range sc.Properties {
		if ref.Value != nil && !ref.Value.ReadOnly {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := make([]spot, 0, len(names))
	for _, name := range names {
		out = append(out, spot{In: inBody, Name: name, Schema: sc.Properties[name].Value, Required: required[name]})
	}
	return out
}
