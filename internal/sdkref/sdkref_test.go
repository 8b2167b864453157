package sdkref

import (
	"reflect"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"

	"github.com/fgharness/fgharness/internal/fgs"
)

func TestOperationsDescribeTheClient(t *testing.T) {
	ops := Operations()
	if len(ops) != 92 {
		t.Fatalf("%d operations, want the 92 of SDK v0.1.207", len(ops))
	}
	var list *Operation
	for i := range ops {
		if ops[i].Name == "ListWorkflowExecutions" {
			list = &ops[i]
		}
	}
	if list == nil {
		t.Fatal("ListWorkflowExecutions missing")
	}
	if list.Method != "GET" || list.Path != "/v2/{project_id}/fgs/workflows/{workflow_id}/executions" || list.OperationID() != fgs.OpListWorkflowExecutions {
		t.Fatalf("ListWorkflowExecutions described as %s, id %s", list, list.OperationID())
	}
	in := map[string]Location{}
	for _, p := range list.Params {
		in[p.Wire] = p.In
	}
	if in["workflow_id"] != InPath || in["status"] != InQuery || len(in) != 6 {
		t.Fatalf("parameters %v", in)
	}
	if list.Body != nil || list.ResponseBody != reflect.TypeOf(model.ListWorkflowExecutionsResponse{}) {
		t.Fatalf("body %v, response body %v", list.Body, list.ResponseBody)
	}
}

func TestEnumValuesComeFromTheModelSource(t *testing.T) {
	typ := reflect.TypeOf(model.ListWorkflowExecutionsRequestStatus{})
	if !IsEnum(typ) || IsEnum(reflect.TypeOf(model.FlowExecuteBody{})) {
		t.Fatal("IsEnum does not tell enum types from other structs")
	}
	got, err := EnumValues(reflect.PointerTo(typ))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"success", "fail", "running", "timeout", "cancel"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("values %v, want %v", got, want)
	}
}
