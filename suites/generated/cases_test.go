package generated

import (
	"slices"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// TestViolationsBreakTheSchema checks that every derived body case turns
// the documented example into a body the request schema refuses, and that
// the example itself is accepted.
func TestViolationsBreakTheSchema(t *testing.T) {
	sp := spec.MustLoad()
	total := 0
	for _, op := range sp.Operations() {
		sc := sp.RequestSchema(op.ID)
		_, example, ok := exampleOf(sp, op.ID)
		if sc == nil || !ok {
			continue
		}
		if err := sc.VisitJSON(example); err != nil {
			t.Errorf("%s: the documented example is refused by its own schema: %v", op.ID, err)
		}
		for _, v := range requestViolations(sp, op, example) {
			if v.In != "body" {
				continue
			}
			total++
			body := fw.CloneJSON(example)
			if !applyBody(body, v) {
				t.Errorf("%s: %s: cannot be applied to the example", op.ID, v)
				continue
			}
			if sc.VisitJSON(body) == nil {
				t.Errorf("%s: %s: the schema accepts the broken body", op.ID, v)
			}
		}
	}
	if total < 50 {
		t.Errorf("only %d body violations derived from the whole spec; the derivation misses schemas", total)
	}
}

// TestEveryRequiredMemberIsDropped checks that the cap never drops a
// missing-required case: createFunction documents six required members.
func TestEveryRequiredMemberIsDropped(t *testing.T) {
	sp := spec.MustLoad()
	op, _ := sp.Operation(fgs.OpCreateFunction)
	_, example, _ := exampleOf(sp, op.ID)
	var dropped []string
	others := 0
	for _, v := range requestViolations(sp, op, example) {
		if v.Drop && len(v.Ptr) == 1 {
			dropped = append(dropped, v.Ptr[0])
		} else if !v.Drop {
			others++
		}
	}
	for _, field := range sp.RequestSchema(op.ID).Required {
		if !slices.Contains(dropped, field) {
			t.Errorf("createFunction: no case drops the required member %s (got %v)", field, dropped)
		}
	}
	if others == 0 || others > maxViolationsPerOperation {
		t.Errorf("createFunction: %d value violations, want 1..%d", others, maxViolationsPerOperation)
	}
}

// TestParameterViolations checks what query and path cases are derived
// and what is left alone on purpose.
func TestParameterViolations(t *testing.T) {
	sp := spec.MustLoad()
	names := func(opID string) []string {
		op, ok := sp.Operation(opID)
		if !ok {
			t.Fatalf("no operation %s", opID)
		}
		var out []string
		for _, v := range parameterViolations(op) {
			out = append(out, v.Location())
			if v.Name == "project_id" {
				t.Errorf("%s: project_id broken (%s); another project is the 403 case", opID, v)
			}
		}
		return out
	}
	if got := names(fgs.OpListFunctions); !slices.Contains(got, "query marker") {
		t.Errorf("listFunctions: no case breaks the marker pattern: %v", got)
	}
	for _, loc := range names(fgs.OpListWorkflows) {
		if strings.HasSuffix(loc, " limit") || strings.HasSuffix(loc, " offset") {
			t.Errorf("listWorkflows: %s is normalised by the documents, not refused", loc)
		}
	}
	if got := names(fgs.OpDeleteFunctionTrigger); !slices.Contains(got, "path trigger_type_code") {
		t.Errorf("deleteFunctionTrigger: no case breaks the trigger_type_code enum: %v", got)
	}
}

func TestCapByKindTakesEachKind(t *testing.T) {
	var in []violation
	for i := 0; i < 5; i++ {
		in = append(in, violation{Kind: kindPattern}, violation{Kind: kindRange}, violation{Kind: kindRequired})
	}
	out := capByKind(in, 4)
	kinds := map[string]int{}
	for _, v := range out {
		kinds[v.Kind]++
	}
	if kinds[kindRequired] != 5 || kinds[kindPattern] != 2 || kinds[kindRange] != 2 {
		t.Errorf("capByKind: got %v, want all 5 required and 2 of each other kind", kinds)
	}
}
