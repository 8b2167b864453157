package spec

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// Operation is one documented API operation.
type Operation struct {
	Document string // functiongraph, iam, extension
	Method   string // upper case
	Path     string // OpenAPI template, e.g. /v2/{project_id}/fgs/functions
	ID       string // operationId
	Summary  string
	Tags     []string
	Statuses []int // documented status codes, ascending

	op *openapi3.Operation
}

// String names the operation the way failure messages do.
func (o Operation) String() string { return fmt.Sprintf("%s (%s %s)", o.ID, o.Method, o.Path) }

// Raw is the kin-openapi operation, for callers that need parameters,
// schemas or examples.
func (o Operation) Raw() *openapi3.Operation { return o.op }

// Documents reports whether status is one of the operation's documented statuses.
func (o Operation) Documents(status int) bool {
	i := sort.SearchInts(o.Statuses, status)
	return i < len(o.Statuses) && o.Statuses[i] == status
}

// ErrorStatuses are the documented 4xx and 5xx statuses.
func (o Operation) ErrorStatuses() []int {
	var out []int
	for _, s := range o.Statuses {
		if s >= 400 {
			out = append(out, s)
		}
	}
	return out
}

// SuccessStatus is the lowest documented 2xx status, or 0 when none is.
func (o Operation) SuccessStatus() int {
	for _, s := range o.Statuses {
		if s >= 200 && s < 300 {
			return s
		}
	}
	return 0
}

// Normalised tells whether the documents say a parameter's out-of-range
// values are normalised rather than refused (x-fgh-normalised): breaking
// its range is then no error case.
func Normalised(p *openapi3.Parameter) bool {
	v, _ := p.Extensions["x-fgh-normalised"].(bool)
	return v
}

// PathParams lists the names of the path parameters, in template order.
func (o Operation) PathParams() []string { return templateParams(o.Path) }

// Operations lists every operation of every document, in document order
// then path and method order.
func (s *Spec) Operations() []Operation { return append([]Operation(nil), s.ops...) }

// Operation finds an operation by operationId.
func (s *Spec) Operation(id string) (Operation, bool) {
	i, ok := s.byID[id]
	if !ok {
		return Operation{}, false
	}
	return s.ops[i], true
}

// RequestSchema is the JSON request body schema of an operation, or nil when
// the operation takes no JSON body.
func (s *Spec) RequestSchema(opID string) *openapi3.Schema {
	op, ok := s.Operation(opID)
	if !ok || op.op.RequestBody == nil || op.op.RequestBody.Value == nil {
		return nil
	}
	mt := op.op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// ResponseSchema is the JSON body schema of one documented status of an
// operation, or nil when that status has no JSON body.
func (s *Spec) ResponseSchema(opID string, status int) *openapi3.Schema {
	op, ok := s.Operation(opID)
	if !ok {
		return nil
	}
	r := op.op.Responses.Status(status)
	if r == nil || r.Value == nil {
		return nil
	}
	mt := r.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// Example is one documented example body.
type Example struct {
	Name   string
	Status int // 0 for a request example
	Body   []byte
}

// RequestExamples returns the operation's request body examples as JSON,
// sorted by name.
func (s *Spec) RequestExamples(opID string) []Example {
	op, ok := s.Operation(opID)
	if !ok || op.op.RequestBody == nil || op.op.RequestBody.Value == nil {
		return nil
	}
	return mediaExamples(op.op.RequestBody.Value.Content.Get("application/json"), 0)
}

// ResponseExamples returns the operation's response examples for every
// documented status, sorted by status and name.
func (s *Spec) ResponseExamples(opID string) []Example {
	op, ok := s.Operation(opID)
	if !ok {
		return nil
	}
	var out []Example
	for _, status := range op.Statuses {
		r := op.op.Responses.Status(status)
		if r == nil || r.Value == nil {
			continue
		}
		out = append(out, mediaExamples(r.Value.Content.Get("application/json"), status)...)
	}
	return out
}

func mediaExamples(mt *openapi3.MediaType, status int) []Example {
	if mt == nil {
		return nil
	}
	var out []Example
	add := func(name string, v any) {
		if b, err := json.Marshal(v); err == nil {
			out = append(out, Example{Name: name, Status: status, Body: b})
		}
	}
	if mt.Example != nil {
		add("example", mt.Example)
	}
	names := make([]string, 0, len(mt.Examples))
	for name := range mt.Examples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if ex := mt.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			add(name, ex.Value.Value)
		}
	}
	return out
}

// methods in the order operations are listed.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions}

func operationsOf(docName string, doc *openapi3.T) []Operation {
	var out []Operation
	paths := doc.Paths.Keys()
	sort.Strings(paths)
	for _, p := range paths {
		item := doc.Paths.Value(p)
		for _, m := range methods {
			op := item.GetOperation(m)
			if op == nil {
				continue
			}
			var statuses []int
			for code := range op.Responses.Map() {
				if n, err := strconv.Atoi(code); err == nil {
					statuses = append(statuses, n)
				}
			}
			sort.Ints(statuses)
			out = append(out, Operation{
				Document: docName, Method: m, Path: p, ID: op.OperationID,
				Summary: op.Summary, Tags: op.Tags, Statuses: statuses, op: op,
			})
		}
	}
	return out
}
