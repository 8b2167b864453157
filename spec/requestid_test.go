package spec

import "testing"

// The official SDKs read X-Request-Id from every answer (errors carry it), so
// every FunctionGraph response declares it through the shared header
// component. New operations pass by adding, under each response's headers:
//
//	X-Request-Id:
//	  $ref: '#/components/headers/XRequestId'
func TestEveryFunctionGraphResponseDeclaresXRequestId(t *testing.T) {
	s := mustSpec(t)
	doc, _ := s.Document(FunctionGraph)
	shared := doc.Components.Headers["XRequestId"]
	if shared == nil || shared.Value == nil {
		t.Fatal("components/headers/XRequestId is missing")
	}
	for _, op := range s.Operations() {
		if op.Document != FunctionGraph {
			continue
		}
		for _, status := range op.Statuses {
			r := op.Raw().Responses.Status(status)
			h := r.Value.Headers["X-Request-Id"]
			if h == nil || h.Value != shared.Value {
				t.Errorf("%s %d: response does not declare X-Request-Id ($ref: '#/components/headers/XRequestId')", op, status)
			}
		}
	}
}
