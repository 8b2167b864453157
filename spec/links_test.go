package spec

import (
	"slices"
	"strings"
	"testing"
)

// Every declared link names operations and parameters that exist, and its
// expressions point at what the producer's request and answer document.
func TestLinksNameRealOperationsAndParameters(t *testing.T) {
	s := mustSpec(t)
	links := s.Links()
	if len(links) == 0 {
		t.Fatal("the spec declares no links")
	}
	for _, l := range links {
		from, _ := s.Operation(l.From)
		to, ok := s.Operation(l.To)
		if !ok {
			t.Errorf("%s %d link %s: no operation %q", l.From, l.Status, l.Name, l.To)
			continue
		}
		if !from.Documents(l.Status) {
			t.Errorf("link %s→%s: %s does not document status %d", l.From, l.To, l.From, l.Status)
		}
		for _, p := range to.PathParams() {
			if _, set := l.Params[p]; !set && p != "project_id" {
				t.Errorf("link %s→%s leaves path parameter %s of %s unset", l.From, l.To, p, l.To)
			}
		}
		for name, expr := range l.Params {
			if !slices.Contains(to.PathParams(), name) {
				t.Errorf("link %s→%s sets %s, which is no path parameter of %s", l.From, l.To, name, l.To)
			}
			checkExpression(t, s, l, from, expr)
		}
		req := s.RequestSchema(l.To)
		for member, expr := range l.Body {
			if req == nil || req.Properties[member] == nil {
				t.Errorf("link %s→%s sets body member %s, which %s's request body does not document", l.From, l.To, member, l.To)
			}
			checkExpression(t, s, l, from, expr)
		}
	}
}

func checkExpression(t *testing.T, s *Spec, l Link, from Operation, expr string) {
	t.Helper()
	if name, ok := strings.CutPrefix(expr, requestPathExpr); ok {
		if !slices.Contains(from.PathParams(), name) {
			t.Errorf("link %s→%s: %s names no path parameter of %s", l.From, l.To, expr, l.From)
		}
		return
	}
	ptr, ok := strings.CutPrefix(expr, responseBodyExpr)
	if !ok {
		t.Errorf("link %s→%s: %q is neither %s<name> nor %s/<pointer>", l.From, l.To, expr, requestPathExpr, responseBodyExpr)
		return
	}
	schema := s.ResponseSchema(l.From, l.Status)
	for _, tok := range pointerTokens(ptr) {
		if schema == nil || schema.Properties[tok] == nil || schema.Properties[tok].Value == nil {
			t.Errorf("link %s→%s: %s names %s, which the %d answer of %s does not document", l.From, l.To, expr, tok, l.Status, l.From)
			return
		}
		schema = schema.Properties[tok].Value
	}
}

// The identifiers issue 11 names each flow from a producer to its consumers.
func TestLinksCoverTheStatefulIdentifiers(t *testing.T) {
	s := mustSpec(t)
	want := map[string][2]string{ // identifier → producer, a consumer
		"function urn":       {"createFunction", "showFunctionConfig"},
		"version":            {"createFunctionVersion", "createVersionAlias"},
		"alias":              {"createVersionAlias", "showVersionAlias"},
		"trigger id":         {"createFunctionTrigger", "showFunctionTrigger"},
		"dependency version": {"createDependencyVersion", "showDependencyVersion"},
		"event id":           {"createEvent", "showEvent"},
		"workflow id":        {"createWorkflow", "showWorkFlow"},
		"workflow execution": {"startWorkflowExecution", "showWorkflowExecution"},
	}
	for what, ops := range want {
		if _, ok := s.Link(ops[0], ops[1]); !ok {
			t.Errorf("no link carries the %s from %s to %s", what, ops[0], ops[1])
		}
	}
	l, _ := s.Link("createFunctionVersion", "createVersionAlias")
	if l.Body["version"] == "" {
		t.Error("the link from createFunctionVersion to createVersionAlias does not carry the version into the alias's body (x-fgh-body)")
	}
}

func TestLinkResolve(t *testing.T) {
	l := Link{From: "a", To: "b", Params: map[string]string{"function_urn": "$request.path.function_urn", "alias_name": "$response.body#/name"},
		Body: map[string]string{"version": "$response.body#/in~1ner/v"}}
	params, body, err := l.Resolve(map[string]string{"function_urn": "urn:x"}, []byte(`{"name":"dev","in/ner":{"v":"v1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if params["function_urn"] != "urn:x" || params["alias_name"] != "dev" || body["version"] != "v1" {
		t.Fatalf("resolved %v %v", params, body)
	}
	if _, _, err := l.Resolve(nil, []byte(`{"name":"dev"}`)); err == nil || !strings.Contains(err.Error(), "function_urn") {
		t.Fatalf("a missing path parameter should be named, got %v", err)
	}
	if _, _, err := l.Resolve(map[string]string{"function_urn": "u"}, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "name") {
		t.Fatalf("a missing member should be named, got %v", err)
	}
}

func TestLinkAnswerValuesSkipsTheRequest(t *testing.T) {
	l := Link{Params: map[string]string{"function_urn": "$request.path.function_urn", "event_id": "$response.body#/id"}}
	got := l.AnswerValues([]byte(`{"id":"e-1"}`))
	if len(got) != 1 || got["event_id"] != "e-1" {
		t.Fatalf("answer values %v, want only event_id e-1", got)
	}
}
