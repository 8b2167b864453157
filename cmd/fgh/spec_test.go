package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/fgs"
)

// runFGH runs fgh in this process; the spec commands write only to stdout.
func runFGH(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, _, err := execute(t, args...)
	return out, err
}

func TestSpecOpsListsEveryArea(t *testing.T) {
	out, err := runFGH(t, "spec", "ops")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fgs.OpInvokeFunction, fgs.OpCreateFunctionVersion, fgs.OpBatchDeleteWorkflows, fgs.OpRegisterExtension, fgs.OpKeystoneCreateUserTokenByPassword, "/v2/{project_id}/fgs/function/report"} {
		if !strings.Contains(out, want) {
			t.Errorf("fgh spec ops does not list %s", want)
		}
	}
	out, err = runFGH(t, "spec", "ops", "--tag", "extension", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"registerExtension"`) || strings.Contains(out, fgs.OpInvokeFunction) {
		t.Fatalf("--tag extension --json printed:\n%s", out)
	}
	if out, err = runFGH(t, "spec", "ops", "--tag", "Invocation"); err != nil || !strings.Contains(out, fgs.OpInvokeFunction) {
		t.Fatalf("--tag is case-insensitive: err %v\n%s", err, out)
	}
	_, err = runFGH(t, "spec", "ops", "--tag", "nope")
	if exitCodeOf(err) != exitUsage || !strings.Contains(err.Error(), "invocation") {
		t.Fatalf("unknown tag: err = %v, want exit %d naming the known tags", err, exitUsage)
	}
}

func TestSpecValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join("..", "..", "spec", "extension.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: integer}\n              example: not-a-number\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runFGH(t, "spec", "validate", good); err != nil || !strings.Contains(out, "valid") {
		t.Fatalf("good document: %v\n%s", err, out)
	}
	out, err := runFGH(t, "spec", "validate", good, bad)
	if exitCodeOf(err) != exitFailed {
		t.Fatalf("bad document: err = %v, want exit %d", err, exitFailed)
	}
	if !strings.Contains(out, "bad.yaml: INVALID") {
		t.Fatalf("output does not flag bad.yaml:\n%s", out)
	}
}
