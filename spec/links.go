package spec

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Link is a producer→consumer link declared on a documented answer: the
// consumer operation takes the values the expressions pick from the
// producer's request and answer. Path parameters come from OpenAPI
// `links`; request body members, which a link cannot name one by one,
// from its `x-fgh-body` extension.
type Link struct {
	Name   string // the link's key in the answer's links
	From   string // producer operationId
	Status int    // the producer's answer that carries it
	To     string // consumer operationId
	// Params and Body map a consumer parameter or body member to a
	// runtime expression: "$request.path.<name>" or "$response.body#/<pointer>".
	Params map[string]string
	Body   map[string]string
}

// Links lists every declared link, by producer in spec order, then by name.
func (s *Spec) Links() []Link {
	var out []Link
	for _, op := range s.ops {
		out = append(out, op.links()...)
	}
	return out
}

// Link is the declared link from one operation to another.
func (s *Spec) Link(from, to string) (Link, bool) {
	op, ok := s.Operation(from)
	if !ok {
		return Link{}, false
	}
	for _, l := range op.links() {
		if l.To == to {
			return l, true
		}
	}
	return Link{}, false
}

func (o Operation) links() []Link {
	if o.op == nil || o.op.Responses == nil {
		return nil
	}
	var out []Link
	for code, ref := range o.op.Responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil || ref == nil || ref.Value == nil {
			continue
		}
		for name, lr := range ref.Value.Links {
			if lr == nil || lr.Value == nil {
				continue
			}
			l := Link{Name: name, From: o.ID, Status: status, To: lr.Value.OperationID, Params: map[string]string{}}
			for k, v := range lr.Value.Parameters {
				l.Params[k] = fmt.Sprint(v)
			}
			if body, ok := lr.Value.Extensions["x-fgh-body"].(map[string]any); ok {
				l.Body = map[string]string{}
				for k, v := range body {
					l.Body[k] = fmt.Sprint(v)
				}
			}
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Resolve evaluates the link's expressions against the producer's path
// parameters and answer body: the consumer's path parameters and body
// members. An expression that names nothing is an error saying which.
func (l Link) Resolve(requestPath map[string]string, responseBody []byte) (params map[string]string, body map[string]any, err error) {
	var answer any
	if len(responseBody) > 0 {
		if err := json.Unmarshal(responseBody, &answer); err != nil {
			return nil, nil, fmt.Errorf("link %s→%s: the answer is not JSON: %w", l.From, l.To, err)
		}
	}
	params = map[string]string{}
	for k, expr := range l.Params {
		v, err := evaluate(expr, requestPath, answer)
		if err != nil {
			return nil, nil, fmt.Errorf("link %s→%s parameter %s: %w", l.From, l.To, k, err)
		}
		params[k] = fmt.Sprint(v)
	}
	if len(l.Body) > 0 {
		body = map[string]any{}
		for k, expr := range l.Body {
			v, err := evaluate(expr, requestPath, answer)
			if err != nil {
				return nil, nil, fmt.Errorf("link %s→%s body member %s: %w", l.From, l.To, k, err)
			}
			body[k] = v
		}
	}
	return params, body, nil
}

// The runtime expressions the links use.
const (
	requestPathExpr  = "$request.path."
	responseBodyExpr = "$response.body#"
)

func evaluate(expr string, requestPath map[string]string, answer any) (any, error) {
	if name, ok := strings.CutPrefix(expr, requestPathExpr); ok {
		v, found := requestPath[name]
		if !found {
			return nil, fmt.Errorf("%s: the request has no path parameter %s", expr, name)
		}
		return v, nil
	}
	ptr, ok := strings.CutPrefix(expr, responseBodyExpr)
	if !ok {
		return nil, fmt.Errorf("%s: only %s<name> and %s/<pointer> are understood", expr, requestPathExpr, responseBodyExpr)
	}
	cur := answer
	for _, tok := range pointerTokens(ptr) {
		m, isObj := cur.(map[string]any)
		if !isObj {
			return nil, fmt.Errorf("%s: the answer has no object at %s", expr, tok)
		}
		if cur, ok = m[tok]; !ok || cur == nil {
			return nil, fmt.Errorf("%s: the answer has no member %s", expr, tok)
		}
	}
	return cur, nil
}

// pointerTokens splits a JSON pointer (RFC 6901) into its unescaped tokens.
func pointerTokens(ptr string) []string {
	if ptr == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts
}

// AnswerValues evaluates only the link's expressions on the producer's
// answer (parameter or member → value), skipping those that read the
// request or name nothing in this answer: what the target chose.
func (l Link) AnswerValues(responseBody []byte) map[string]string {
	var answer any
	if json.Unmarshal(responseBody, &answer) != nil {
		return nil
	}
	out := map[string]string{}
	for _, exprs := range []map[string]string{l.Params, l.Body} {
		for k, expr := range exprs {
			if !strings.HasPrefix(expr, responseBodyExpr) {
				continue
			}
			if v, err := evaluate(expr, nil, answer); err == nil {
				out[k] = fmt.Sprint(v)
			}
		}
	}
	return out
}
