package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/fgharness/fgharness/internal/evidence"
)

// Violation is one way a request or response departs from the spec. It
// names where it happened so that a failure message is actionable as it is.
type Violation struct {
	Operation string // operationId, or "METHOD PATH" when no operation matched
	Status    int    // response status; 0 for a request violation
	Location  string // "body /runtime", "header X-Cff-Request-Id", "query limit", "status", "route"
	Expected  string
	Actual    string
	Message   string
}

// InRequest tells whether the violation is in the request rather than the response.
func (v Violation) InRequest() bool { return v.Status == 0 }

func (v Violation) String() string { return v.Operation + " " + v.Evidence().String() }

// Evidence is v as the evidence model records it.
func (v Violation) Evidence() evidence.Violation {
	return evidence.Violation{Status: v.Status, Location: v.Location, Expected: v.Expected, Actual: v.Actual, Message: v.Message}
}

// Violations formats a list one per line, for failure messages.
func Violations(vs []Violation) string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	return strings.Join(lines, "\n")
}

// ValidateRequest checks a request (whose body is given separately, so the
// caller keeps it) against its operation and returns every violation.
func (s *Spec) ValidateRequest(r *http.Request, body []byte) []Violation {
	input, vs := s.requestInput(r, body)
	if input == nil {
		return vs
	}
	err := openapi3filter.ValidateRequest(context.Background(), input)
	return append(vs, violationsOf(err, input.Route.Operation.OperationID, 0)...)
}

// ValidateResponse checks a response to req against the documented statuses,
// headers and body schema of req's operation and returns every violation.
func (s *Spec) ValidateResponse(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) []Violation {
	input, vs := s.requestInput(req, reqBody)
	if input == nil {
		return vs
	}
	opID := input.Route.Operation.OperationID
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 status,
		Header:                 header,
		Options:                responseOptions,
	}
	rin.SetBodyBytes(body)
	err := openapi3filter.ValidateResponse(context.Background(), rin)
	return violationsOf(err, opID, status)
}

// ValidateExchange checks both sides of one HTTP exchange. resp.Body is not
// read: respBody is the body the caller already read.
func (s *Spec) ValidateExchange(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []Violation {
	vs := s.ValidateRequest(req, reqBody)
	if len(vs) == 1 && vs[0].Location == "route" {
		return vs
	}
	return append(vs, s.ValidateResponse(req, reqBody, resp.StatusCode, resp.Header, respBody)...)
}

var (
	requestOptions = &openapi3filter.Options{
		MultiError:         true,
		AuthenticationFunc: credentialsPresent,
	}
	responseOptions = &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
	}
)

// credentialsPresent accepts a security scheme when its header is sent.
// Whether the credential is right is the endpoint's business, not the spec's.
func credentialsPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	sc := in.SecurityScheme
	if sc.Type == "apiKey" && sc.In == "header" && in.RequestValidationInput.Request.Header.Get(sc.Name) == "" {
		return fmt.Errorf("header %s is missing", sc.Name)
	}
	return nil
}

func (s *Spec) requestInput(r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, []Violation) {
	op, params, err := s.FindRoute(r)
	if err != nil {
		return nil, []Violation{{
			Operation: r.Method + " " + r.URL.EscapedPath(), Location: "route",
			Expected: "a documented operation", Actual: r.Method + " " + r.URL.EscapedPath(), Message: err.Error(),
		}}
	}
	// Validate a copy so that the caller's request keeps its body.
	cp := r.Clone(context.Background())
	cp.Body = io.NopCloser(bytes.NewReader(body))
	cp.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	cp.ContentLength = int64(len(body))
	doc := s.docs[op.Document]
	return &openapi3filter.RequestValidationInput{
		Request:    cp,
		PathParams: params,
		Route: &routers.Route{
			Spec: doc, Path: op.Path, PathItem: doc.Paths.Value(op.Path),
			Method: op.Method, Operation: op.op,
		},
		Options: requestOptions,
	}, nil
}

var quotedName = regexp.MustCompile(`"([^"]+)"`)

// violationsOf flattens kin-openapi's nested errors into violations.
func violationsOf(err error, opID string, status int) []Violation {
	if err == nil {
		return nil
	}
	var out []Violation
	add := func(location string, inner error, fallback string) {
		for _, v := range schemaViolations(inner, location) {
			v.Operation, v.Status = opID, status
			out = append(out, v)
		}
		if inner == nil || len(schemaViolations(inner, location)) == 0 {
			out = append(out, Violation{Operation: opID, Status: status, Location: location, Message: fallback})
		}
	}
	var walk func(error)
	walk = func(err error) {
		var multi openapi3.MultiError
		var reqErr *openapi3filter.RequestError
		var respErr *openapi3filter.ResponseError
		var secErr *openapi3filter.SecurityRequirementsError
		switch {
		case errors.As(err, &multi) && isMulti(err):
			for _, e := range multi {
				walk(e)
			}
		case errors.As(err, &secErr):
			msgs := make([]string, 0, len(secErr.Errors))
			for _, e := range secErr.Errors {
				msgs = append(msgs, e.Error())
			}
			out = append(out, Violation{Operation: opID, Status: status, Location: "header X-Auth-Token or Authorization",
				Expected: "credentials (X-Auth-Token, or an SDK-HMAC-SHA256 Authorization header)", Actual: "none",
				Message: strings.Join(msgs, "; ")})
		case errors.As(err, &reqErr):
			switch {
			case reqErr.Parameter != nil:
				add(reqErr.Parameter.In+" "+reqErr.Parameter.Name, reqErr.Err, reqErr.Error())
			case reqErr.RequestBody != nil:
				add("body", reqErr.Err, reqErr.Error())
			default:
				add("request", reqErr.Err, reqErr.Error())
			}
		case errors.As(err, &respErr):
			loc := "body"
			switch {
			case strings.Contains(respErr.Reason, "status is not supported"):
				out = append(out, Violation{Operation: opID, Status: status, Location: "status",
					Expected: "a documented status", Actual: strconv.Itoa(status), Message: respErr.Reason})
				return
			case strings.HasPrefix(respErr.Reason, "response header"):
				if m := quotedName.FindStringSubmatch(respErr.Reason); m != nil {
					loc = "header " + m[1]
				} else {
					loc = "header"
				}
			case strings.Contains(respErr.Reason, "Content-Type"):
				loc = "header Content-Type"
			}
			add(loc, respErr.Err, respErr.Error())
		default:
			out = append(out, Violation{Operation: opID, Status: status, Location: "request", Message: err.Error()})
		}
	}
	walk(err)
	return out
}

func isMulti(err error) bool {
	_, ok := err.(openapi3.MultiError)
	return ok
}

// schemaViolations turns schema errors found under err into violations at
// location, extended by the JSON pointer of the offending value.
func schemaViolations(err error, location string) []Violation {
	if err == nil {
		return nil
	}
	var out []Violation
	var walk func(error)
	walk = func(err error) {
		if multi, ok := err.(openapi3.MultiError); ok {
			for _, e := range multi {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if !errors.As(err, &se) {
			return
		}
		// an allOf failure names no member; its parts' failures do
		var parts openapi3.MultiError
		if se.SchemaField == "allOf" && se.Origin != nil && errors.As(se.Origin, &parts) {
			before := len(out)
			for _, e := range parts {
				walk(e)
			}
			if len(out) > before {
				return
			}
		}
		ptr := se.JSONPointer()
		value := se.Value
		// a rule across members (x-fgh-member) is reported at the member it constrains
		if se.Schema != nil {
			member, named := se.Schema.Extensions["x-fgh-member"].(string)
			if obj, isObj := value.(map[string]any); named && isObj {
				ptr, value = append(ptr, member), obj[member]
			}
		}
		loc := location
		if len(ptr) > 0 {
			loc += " /" + strings.Join(ptr, "/")
		}
		out = append(out, Violation{
			Location: loc,
			Expected: expectation(se),
			Actual:   actualValue(ptr, value),
			Message:  se.Reason,
		})
	}
	walk(err)
	return out
}

// expectation says in words what the failing schema keyword wanted.
func expectation(se *openapi3.SchemaError) string {
	sc := se.Schema
	if sc == nil {
		return se.SchemaField
	}
	if sc.Title != "" && (se.SchemaField == "anyOf" || se.SchemaField == "oneOf") {
		return sc.Title // a rule across members says in its title what it wants
	}
	switch se.SchemaField {
	case "type":
		if sc.Type != nil {
			return "type " + strings.Join(sc.Type.Slice(), "|")
		}
	case "enum":
		vals := make([]string, len(sc.Enum))
		for i, v := range sc.Enum {
			b, _ := json.Marshal(v)
			vals[i] = string(b)
		}
		return "one of [" + strings.Join(vals, ", ") + "]"
	case "maxLength":
		if sc.MaxLength != nil {
			return fmt.Sprintf("at most %d characters", *sc.MaxLength)
		}
	case "minLength":
		return fmt.Sprintf("at least %d characters", sc.MinLength)
	case "minimum":
		if sc.Min != nil {
			return fmt.Sprintf("a number >= %v", *sc.Min)
		}
	case "maximum":
		if sc.Max != nil {
			return fmt.Sprintf("a number <= %v", *sc.Max)
		}
	case "pattern":
		return "a string matching " + sc.Pattern
	case "required":
		return "required properties " + strings.Join(sorted(sc.Required), ", ")
	case "maxItems":
		if sc.MaxItems != nil {
			return fmt.Sprintf("at most %d items", *sc.MaxItems)
		}
	case "minItems":
		return fmt.Sprintf("at least %d items", sc.MinItems)
	}
	return "schema keyword " + se.SchemaField
}

// secretish field names whose values never appear in a violation.
var secretish = []string{"password", "token", "secret", "sk", "authorization"}

func actualValue(ptr []string, v any) string {
	for _, p := range ptr {
		lp := strings.ToLower(p)
		for _, s := range secretish {
			if lp == s || strings.Contains(lp, "password") || strings.Contains(lp, "secret") {
				return "<redacted>"
			}
		}
	}
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		b = append(b[:77], "..."...)
	}
	return string(b)
}

func sorted(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
