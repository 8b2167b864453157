package fuzz

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"pgregory.net/rapid"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// testCase is one generated request and what the answer must be.
type testCase struct {
	req   fw.Request
	valid bool
	// broken says what makes an invalid case invalid, in words.
	broken string
}

// drawCase draws one request for the plan: a valid one (the documented
// body with members left out or drawn anew, FunctionGraph's size edges)
// or one with a single thing broken. Every choice puts its simplest
// option first, so rapid shrinks a failing case towards the documented
// request with the one offending value.
func (p *plan) drawCase(t *rapid.T, name func(string) string) testCase {
	c, body := p.baseCase(name)
	for _, s := range p.vary {
		p.varySpot(t, s, body, c.req.Query)
	}
	body = p.settle(body, name)
	c.setBody(body)
	// One valid case in ten carries a payload at the limit: enough to see
	// it accepted, few enough that 6 MB requests do not dominate the run.
	if p.op.ID == fgs.OpInvokeFunction && rapid.IntRange(0, 9).Draw(t, "payload shape") == 9 {
		size := fgs.MaxSyncPayloadBytes - rapid.IntRange(0, 1).Draw(t, "bytes under the limit")
		c.req.Body = payload(size)
	}
	if len(p.breaks) == 0 || !p.invalidOnly && !rapid.Bool().Draw(t, "invalid") {
		return c
	}
	b := p.drawBreakage(t)
	var v any
	switch {
	case b.Sizes != nil:
		v = rapid.SampledFrom(payloadExcess).Draw(t, "bytes over the limit")
	case b.Raw == nil && !b.Drop:
		v = rapid.SampledFrom(b.Values).Draw(t, b.Spot.String())
	}
	return c.breakWith(b, v, body)
}

// baseCase is the plan's request before anything is varied: the
// documented body with this run's names bound in.
func (p *plan) baseCase(name func(string) string) (testCase, map[string]any) {
	c := testCase{valid: true, req: fw.Request{Operation: p.op.ID, Path: clonePath(p.path), Query: url.Values{}, Header: p.header.Clone()}}
	return c, p.documentedBody(name)
}

func (p *plan) documentedBody(name func(string) string) map[string]any {
	if p.example == nil {
		return nil
	}
	body := fw.CloneJSON(p.example)
	if p.bind != nil {
		p.bind(body, name)
	}
	return body
}

// settle is body, or the documented one when a varied value broke a rule
// across members (code_type needs code_filename, ...) that makes it invalid.
func (p *plan) settle(body map[string]any, name func(string) string) map[string]any {
	if body != nil && p.schema.VisitJSON(body) != nil {
		return p.documentedBody(name)
	}
	return body
}

func (c *testCase) setBody(body map[string]any) {
	if body != nil {
		c.req.Body = body
	}
}

// breakWith is c with b applied: v is the offending value (for an oversize
// body, the bytes over the smallest refused size; nil for a dropped member
// or a raw body).
func (c testCase) breakWith(b breakage, v any, body map[string]any) testCase {
	c.valid, c.broken = false, b.String()
	c.req.Tolerate.InvalidRequest = true
	switch {
	case b.Sizes != nil:
		c.req.Body = payload(b.Sizes[0] + v.(int))
	case b.Raw != nil:
		c.req.Body = b.Raw
		if b.ContentType != "" {
			if c.req.Header == nil {
				c.req.Header = http.Header{}
			}
			c.req.Header.Set("Content-Type", b.ContentType)
		}
	case b.Drop:
		delete(body, b.Spot.Name)
		c.req.Query.Del(b.Spot.Name)
	default:
		c.set(b.Spot, v, body)
	}
	return c
}

// set puts v at spot s of the request.
func (c *testCase) set(s spot, v any, body map[string]any) {
	switch s.In {
	case inBody:
		if body == nil {
			body = map[string]any{}
			c.req.Body = body
		}
		body[s.Name] = v
	case inQuery:
		c.req.Query.Set(s.Name, fw.ParamText(v))
	case inPath:
		c.req.Path[s.Name] = fw.ParamText(v)
	}
}

// drawBreakage picks what to break: FunctionGraph's limits half the time
// when the operation has any, then any rule of its schema.
func (p *plan) drawBreakage(t *rapid.T) breakage {
	var limits []breakage
	for _, b := range p.breaks {
		if b.Limit {
			limits = append(limits, b)
		}
	}
	if len(limits) > 0 && rapid.Bool().Draw(t, "a FunctionGraph limit") {
		return rapid.SampledFrom(limits).Draw(t, "limit broken")
	}
	return rapid.SampledFrom(p.breaks).Draw(t, "rule broken")
}

// Choices for a member a valid case may vary, simplest first.
const (
	keepDocumented = "documented"
	leaveOut       = "left out"
	drawAnew       = "drawn"
)

func (p *plan) varySpot(t *rapid.T, s spot, body map[string]any, query url.Values) {
	var choices []string
	documented := false
	if s.In == inBody {
		_, documented = body[s.Name]
	}
	if !s.Required {
		choices = append(choices, leaveOut)
	}
	if documented {
		choices = append(choices, keepDocumented)
	}
	if !s.Required || !documented {
		choices = append(choices, drawAnew)
	}
	if len(choices) == 0 {
		return
	}
	choice := rapid.SampledFrom(choices).Draw(t, s.String())
	switch choice {
	case leaveOut:
		delete(body, s.Name)
	case drawAnew:
		v, ok := drawValue(t, s.Schema, s.String()+" value", s.In == inBody)
		if !ok && s.In == inQuery && s.Required {
			v, ok = documentedValue(s.Schema), true
		}
		if !ok {
			if !documented {
				delete(body, s.Name)
			}
			return
		}
		if s.In == inQuery {
			query.Set(s.Name, fw.ParamText(v))
		} else {
			body[s.Name] = v
		}
	}
}

// documentedValue is a value the schema documents (example, default,
// minimum, first enum member), for a required parameter the generator
// cannot draw.
func documentedValue(sc *openapi3.Schema) any {
	switch {
	case sc.Example != nil:
		return sc.Example
	case sc.Default != nil:
		return sc.Default
	case sc.Min != nil:
		return *sc.Min
	case len(sc.Enum) > 0:
		return sc.Enum[0]
	}
	return "1"
}

// payloadExcess are sizes over the limit an oversize payload adds to its
// one byte, few so that shrinking a 6 MB request takes few steps.
var payloadExcess = []int{0, 1, 1 << 10, 1 << 20}

// payload is a JSON object body of exactly size bytes.
func payload(size int) []byte {
	const head, tail = `{"fgh":"`, `"}`
	if size < len(head)+len(tail) {
		size = len(head) + len(tail)
	}
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(head)
	b.WriteString(strings.Repeat("a", size-len(head)-len(tail)))
	b.WriteString(tail)
	return b.Bytes()
}

func clonePath(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// describe is the case in one line, for logs and failure rules.
func (c testCase) describe() string {
	if c.valid {
		return "a valid request"
	}
	return fmt.Sprintf("an invalid request (%s)", c.broken)
}
