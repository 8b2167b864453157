package spec

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/sdkref"
)

// The reference pages' examples, copied by testdata/examples/extract.go into
// testdata/examples/<operationId>/<page>.request.json and
// <page>.response-<status>.json.
var exampleFile = regexp.MustCompile(`^[a-z0-9_.-]+\.(request|response-(\d{3}))(-\d+)?\.json$`)

// examplesNotYetPassing lists examples the spec still rejects, each with the
// helper fixing it. The list only shrinks and must end EMPTY; the test fails
// when a listed example passes, so delete its line once the spec is fixed.
var examplesNotYetPassing = map[string]string{}

// TestReferencePageExamplesPassTheValidator validates every example of the
// reference pages against its operation: request bodies with the request
// validator, response bodies with the response validator for the status the
// page gives them (which must be documented). An operation that is not in
// the spec yet is only allowed while it is listed in notYetMatched.
func TestReferencePageExamplesPassTheValidator(t *testing.T) {
	s := mustSpec(t)
	root := filepath.Join("testdata", "examples")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	sdkName := map[string]string{}
	for _, op := range sdkref.Operations() {
		id := op.OperationID()
		if legacy, ok := legacyOperationIDs[op.Name]; ok {
			id = legacy
		}
		sdkName[id] = op.Name
	}
	checked := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		op, ok := s.Operation(d.Name())
		if !ok {
			if _, pending := notYetMatched[sdkName[d.Name()]]; !pending {
				t.Errorf("%s: examples for an operation the spec does not have", d.Name())
			}
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			m := exampleFile.FindStringSubmatch(f.Name())
			if m == nil {
				t.Errorf("%s/%s: not an example file name", d.Name(), f.Name())
				continue
			}
			body, err := os.ReadFile(filepath.Join(root, d.Name(), f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			var vs []Violation
			if m[1] == "request" {
				vs = bodyViolations(s.ValidateRequest(sampleRequest(t, op, body), body))
			} else {
				status, _ := strconv.Atoi(m[2])
				h := http.Header{"Content-Type": {"application/json"}}
				for _, name := range requiredResponseHeaders(op, status) {
					h.Set(name, "x")
				}
				vs = s.ValidateResponse(sampleRequest(t, op, nil), nil, status, h, body)
			}
			key := d.Name() + "/" + f.Name()
			owner, pending := examplesNotYetPassing[key]
			switch {
			case pending && len(vs) == 0:
				t.Errorf("%s passes now: remove it from examplesNotYetPassing", key)
			case pending:
				t.Logf("pending (%s) %s:\n%s", owner, key, Violations(vs))
			case len(vs) > 0:
				t.Errorf("%s does not pass:\n%s", key, Violations(vs))
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d examples checked; the pages give about 100", checked)
	}
}

// bodyViolations keeps the violations of the body: an example shows a body,
// not the query parameters an operation may require beside it.
func bodyViolations(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		if strings.HasPrefix(v.Location, "body") || v.Location == "request body" {
			out = append(out, v)
		}
	}
	return out
}
