package spec

import (
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestNullableSchemasHaveAType keeps the documents valid OpenAPI 3.0 for
// every reader, not only kin-openapi: "nullable" without "type" means
// nothing there, and Spectral (make lint) rejects every example under it.
// An "any JSON value, null included" is allOf: [$ref AnyJSON].
func TestNullableSchemasHaveAType(t *testing.T) {
	s := mustSpec(t)
	var bad []string
	for _, name := range s.Documents() {
		doc, _ := s.Document(name)
		seen := map[*openapi3.Schema]bool{}
		var walk func(where string, ref *openapi3.SchemaRef)
		walk = func(where string, ref *openapi3.SchemaRef) {
			if ref == nil || ref.Value == nil || seen[ref.Value] {
				return
			}
			sc := ref.Value
			seen[sc] = true
			if sc.Nullable && (sc.Type == nil || len(*sc.Type) == 0) {
				bad = append(bad, name+": "+where)
			}
			for p, sub := range sc.Properties {
				walk(where+"/"+p, sub)
			}
			walk(where+"/items", sc.Items)
			if sc.AdditionalProperties.Schema != nil {
				walk(where+"/additionalProperties", sc.AdditionalProperties.Schema)
			}
			for _, group := range []openapi3.SchemaRefs{sc.AllOf, sc.AnyOf, sc.OneOf} {
				for _, sub := range group {
					walk(where+"/xOf", sub)
				}
			}
			walk(where+"/not", sc.Not)
		}
		if doc.Components != nil {
			for n, sc := range doc.Components.Schemas {
				walk("#/components/schemas/"+n, sc)
			}
		}
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				at := method + " " + path
				for _, p := range op.Parameters {
					if p.Value != nil {
						walk(at+" parameter "+p.Value.Name, p.Value.Schema)
					}
				}
				if op.RequestBody != nil && op.RequestBody.Value != nil {
					for ct, mt := range op.RequestBody.Value.Content {
						walk(at+" request "+ct, mt.Schema)
					}
				}
				for status, resp := range op.Responses.Map() {
					if resp.Value == nil {
						continue
					}
					for ct, mt := range resp.Value.Content {
						walk(at+" "+status+" "+ct, mt.Schema)
					}
				}
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("nullable without type at %s: give it a type, or use allOf: [{$ref: '#/components/schemas/AnyJSON'}] for any JSON value", b)
	}
}
