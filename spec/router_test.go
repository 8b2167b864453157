package spec

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/fgharness/fgharness/internal/fgs"
)

func TestFindRoute(t *testing.T) {
	s := mustSpec(t)
	const base = "http://example.invalid:9/v2/p1/fgs/functions/"
	cases := []struct {
		method, url string
		wantOp      string
		wantURN     string
		wantErr     error
	}{
		{"POST", base + "urn:fss:r:p1:function:default:f:latest/invocations", fgs.OpInvokeFunction, "urn:fss:r:p1:function:default:f:latest", nil},
		{"POST", base + "urn%3Afss%3Ar%3Ap1%3Afunction%3Adefault%3Af/invocations", fgs.OpInvokeFunction, "urn:fss:r:p1:function:default:f", nil},
		{"POST", base + "a%2Fb/invocations", fgs.OpInvokeFunction, "a/b", nil},
		{"GET", base + "u/config", "showFunctionConfig", "u", nil},
		{"PUT", base + "u/config", "updateFunctionConfig", "u", nil},
		{"DELETE", base + "u", "deleteFunction", "u", nil},
		{"GET", "http://h/v2/p1/fgs/functions", "listFunctions", "", nil},
		{"POST", "http://h/v2/p1/fgs/dependencies/version", "createDependencyVersion", "", nil},
		{"GET", "http://h/v2/p1/fgs/dependencies/d1/version", "listDependencyVersions", "", nil},
		{"POST", "http://h/extension/register", "registerExtension", "", nil},
		{"PATCH", base + "u/config", "", "", ErrMethodNotAllowed},
		{"GET", "http://h/v2/p1/fgs/nothing-here", "", "", ErrNoRoute},
		{"POST", base + "/invocations", "", "", ErrNoRoute},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.url, func(t *testing.T) {
			op, params, err := s.FindRoute(httptest.NewRequest(c.method, c.url, nil))
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if op.ID != c.wantOp {
				t.Fatalf("op = %s, want %s", op.ID, c.wantOp)
			}
			if c.wantURN != "" && params["function_urn"] != c.wantURN {
				t.Fatalf("function_urn = %q, want %q", params["function_urn"], c.wantURN)
			}
		})
	}
}

func TestExpandEscapesAndRequiresValues(t *testing.T) {
	s := mustSpec(t)
	op, _ := s.Operation(fgs.OpInvokeFunction)
	got, err := op.Expand(map[string]string{"project_id": "p", "function_urn": "a/b:c"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "/v2/p/fgs/functions/a%2Fb:c/invocations"; got != want {
		t.Fatalf("Expand = %s, want %s", got, want)
	}
	if _, err := op.Expand(map[string]string{"project_id": "p"}); err == nil {
		t.Fatal("missing function_urn accepted")
	}
}

func TestViolationsNameOperationStatusAndLocation(t *testing.T) {
	s := mustSpec(t)
	op, _ := s.Operation(fgs.OpInvokeFunction)
	req := sampleRequest(t, op, []byte(`{}`))
	h := map[string][]string{"Content-Type": {"application/json"}}
	vs := s.ValidateResponse(req, nil, 200, h, []byte(`{"request_id": 5, "result": "x", "status": 200, "log": ""}`))
	found := false
	for _, v := range vs {
		if v.Operation == fgs.OpInvokeFunction && v.Status == 200 && v.Location == "body /request_id" && v.Expected == "type string" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no violation at body /request_id naming type string:\n%s", Violations(vs))
	}
	vs = s.ValidateResponse(req, nil, 418, h, []byte(`{}`))
	if len(vs) != 1 || vs[0].Location != "status" {
		t.Fatalf("undocumented status not reported as such: %v", vs)
	}
}
