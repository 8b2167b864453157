package spec

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/fgharness/fgharness/internal/fgs"
)

func mustSpec(t *testing.T) *Spec {
	t.Helper()
	s, err := Load()
	if err != nil {
		t.Fatalf("embedded specs do not load: %v", err)
	}
	return s
}

// The operations the product promises to cover, by method and path.
var requiredOperations = []string{
	"POST /v2/{project_id}/fgs/functions/{function_urn}/invocations",
	"POST /v2/{project_id}/fgs/functions/{function_urn}/invocations-async",
	"POST /v2/{project_id}/fgs/functions/{function_urn}/versions",
	"GET /v2/{project_id}/fgs/functions/{function_urn}/versions",
	"POST /v2/{project_id}/fgs/functions",
	"GET /v2/{project_id}/fgs/functions",
	"GET /v2/{project_id}/fgs/functions/{function_urn}/config",
	"PUT /v2/{project_id}/fgs/functions/{function_urn}/config",
	"DELETE /v2/{project_id}/fgs/functions/{function_urn}",
	"GET /v2/{project_id}/fgs/workflows",
	"DELETE /v2/{project_id}/fgs/workflows",
	"POST /v2/{project_id}/fgs/triggers/{function_urn}",
	"POST /v2/{project_id}/fgs/dependencies",
	"POST /v2/{project_id}/fgs/dependencies/version",
	"GET /v2/{project_id}/fgs/dependencies",
	"GET /v2/{project_id}/fgs/dependencies/{depend_id}/version",
	"GET /v2/{project_id}/fgs/function/report",
	"GET /v2/{project_id}/fgs/functions/{function_urn}/async-invoke-config",
	"POST /v3/auth/tokens",
	"POST /extension/register",
	"POST /extension/invoke",
}

func TestRequiredOperationsAreDocumented(t *testing.T) {
	s := mustSpec(t)
	have := map[string]bool{}
	for _, op := range s.Operations() {
		have[op.Method+" "+op.Path] = true
	}
	for _, want := range requiredOperations {
		if !have[want] {
			t.Errorf("spec lacks %s", want)
		}
	}
}

var allowedTags = map[string]bool{
	"invocation": true, "functions": true, "versions": true, "workflows": true, "dependencies": true,
	"triggers": true, "metrics": true, "iam": true, "extension": true,
	"events": true, "tags": true, "reserved-instances": true, "logs": true, "apps": true, "network": true,
}

// Lint rules of our own, beyond what spectral checks.
func TestEveryOperationIsDescribed(t *testing.T) {
	s := mustSpec(t)
	for _, op := range s.Operations() {
		if op.ID == "" || op.Summary == "" {
			t.Errorf("%s %s: needs operationId and summary", op.Method, op.Path)
		}
		if len(op.Tags) != 1 || !allowedTags[op.Tags[0]] {
			t.Errorf("%s: tags %v, want exactly one area tag", op, op.Tags)
		}
		if op.SuccessStatus() == 0 {
			t.Errorf("%s: documents no 2xx status", op)
		}
	}
}

func TestEveryErrorStatusUsesTheErrorSchema(t *testing.T) {
	s := mustSpec(t)
	for _, op := range s.Operations() {
		doc, _ := s.Document(op.Document)
		errSchema := doc.Components.Schemas["Error"]
		if errSchema == nil {
			t.Fatalf("document %s has no components/schemas/Error", op.Document)
		}
		for _, status := range op.ErrorStatuses() {
			got := s.ResponseSchema(op.ID, status)
			if got != errSchema.Value {
				t.Errorf("%s %d: body does not reference #/components/schemas/Error", op, status)
			}
		}
	}
}

func TestErrorCodePatternAcceptsDocumentedCodes(t *testing.T) {
	s := mustSpec(t)
	doc, _ := s.Document(FunctionGraph)
	sc := doc.Components.Schemas["Error"].Value.Properties["error_code"].Value
	for _, code := range []string{"FSS.0400", "FSS.0401", "FSS.1051", "FSS.0500", "FGS.0001", "FSS.0429"} {
		if err := sc.VisitJSON(code); err != nil {
			t.Errorf("documented code %s rejected: %v", code, err)
		}
	}
	for _, code := range []string{"", "oops", "FSS0400", "fss.0400"} {
		if err := sc.VisitJSON(code); err == nil {
			t.Errorf("malformed code %q accepted", code)
		}
	}
}

// Every documented example, request or response, must pass the validator
// for its own operation (and status), not only the schema check at load time.
func TestExamplesPassTheValidator(t *testing.T) {
	s := mustSpec(t)
	requests, responses := 0, 0
	for _, op := range s.Operations() {
		for _, ex := range s.RequestExamples(op.ID) {
			if vs := s.ValidateRequest(sampleRequest(t, op, ex.Body), ex.Body); len(vs) > 0 {
				t.Errorf("%s request example %q:\n%s", op, ex.Name, Violations(vs))
			}
			requests++
		}
		for _, ex := range s.ResponseExamples(op.ID) {
			h := http.Header{"Content-Type": {"application/json"}}
			for _, name := range requiredResponseHeaders(op, ex.Status) {
				h.Set(name, "x")
			}
			if op.ID == fgs.OpInvokeFunction && ex.Status == 200 {
				h.Set("X-Cff-Invoke-Summary", `{"duration":1}`)
			}
			if vs := s.ValidateResponse(sampleRequest(t, op, nil), nil, ex.Status, h, ex.Body); len(vs) > 0 {
				t.Errorf("%s example %q (%d):\n%s", op, ex.Name, ex.Status, Violations(vs))
			}
			responses++
		}
	}
	if requests < 5 || responses < 10 {
		t.Fatalf("only %d request and %d response examples found; the documents give more", requests, responses)
	}
}

func requiredResponseHeaders(op Operation, status int) []string {
	r := op.Raw().Responses.Status(status)
	if r == nil || r.Value == nil {
		return nil
	}
	var out []string
	for name, h := range r.Value.Headers {
		if h.Value != nil && h.Value.Required {
			out = append(out, name)
		}
	}
	return out
}

// sampleRequest builds a request for op with plausible path parameters, the
// headers the operation requires and credentials.
func sampleRequest(t *testing.T, op Operation, body []byte) *http.Request {
	t.Helper()
	values := map[string]string{
		"project_id":        "0123456789abcdef0123456789abcdef",
		"function_urn":      "urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:hello:latest",
		"depend_id":         "dep-1",
		"version":           "1",
		"trigger_type_code": "TIMER",
		"trigger_id":        "t-1",
		"alias_name":        "a1",
		"resource_type":     "functions",
		"action":            "filter",
	}
	for _, name := range op.PathParams() {
		if _, ok := values[name]; !ok {
			values[name] = "x"
		}
	}
	path, err := op.Expand(values)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(op.Method, "http://127.0.0.1:1"+path, bytes.NewReader(body))
	req.Header.Set("X-Auth-Token", "t")
	req.Header.Set("Authorization", "SDK-HMAC-SHA256 x")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, p := range op.Raw().Parameters {
		if p.Value.In == "header" && p.Value.Required && req.Header.Get(p.Value.Name) == "" {
			req.Header.Set(p.Value.Name, headerSample(p.Value))
		}
	}
	return req
}

func headerSample(p *openapi3.Parameter) string {
	if p.Schema != nil && p.Schema.Value != nil {
		sc := p.Schema.Value
		if len(sc.Enum) > 0 {
			return sc.Enum[0].(string)
		}
		if sc.Example != nil {
			return sc.Example.(string)
		}
	}
	if p.Example != nil {
		return p.Example.(string)
	}
	return "127.0.0.1:8081"
}

type badCase struct {
	File      string            `yaml:"file"`
	Operation string            `yaml:"operationId"`
	Kind      string            `yaml:"kind"`
	Status    int               `yaml:"status"`
	Field     string            `yaml:"field"`
	Headers   map[string]string `yaml:"headers"`
	Query     string            `yaml:"query"`
}

// Hand-made wrong bodies are each rejected with a message naming the field.
func TestBadBodiesAreRejectedNamingTheField(t *testing.T) {
	s := mustSpec(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "bad", "cases.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []badCase
	if err := yaml.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 8 {
		t.Fatalf("only %d bad cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.File, func(t *testing.T) {
			op, ok := s.Operation(c.Operation)
			if !ok {
				t.Fatalf("unknown operation %s", c.Operation)
			}
			var body []byte
			if c.File != "" && strings.HasSuffix(c.File, ".json") {
				body, err = os.ReadFile(filepath.Join("testdata", "bad", c.File))
				if err != nil {
					t.Fatal(err)
				}
			}
			var vs []Violation
			if c.Kind == "response" {
				req := sampleRequest(t, op, nil)
				h := http.Header{"Content-Type": {"application/json"}}
				for _, name := range requiredResponseHeaders(op, c.Status) {
					h.Set(name, "x")
				}
				vs = s.ValidateResponse(req, nil, c.Status, h, body)
			} else {
				req := sampleRequest(t, op, body)
				for k, v := range c.Headers {
					req.Header.Set(k, v)
				}
				if c.Query != "" {
					req.URL.RawQuery = c.Query
				}
				vs = s.ValidateRequest(req, body)
			}
			if len(vs) == 0 {
				t.Fatalf("accepted; want a violation naming %q", c.Field)
			}
			if !strings.Contains(Violations(vs), c.Field) {
				t.Fatalf("violations do not name %q:\n%s", c.Field, Violations(vs))
			}
		})
	}
}
