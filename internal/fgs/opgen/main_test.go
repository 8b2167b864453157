package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/fgharness/fgharness/spec"
)

// The constants are only worth having while they match the spec: an
// operation added to spec/*.yaml must show up in internal/fgs.
func TestGeneratedOperationsAreCurrent(t *testing.T) {
	want, err := render(spec.MustLoad())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", output))
	if err != nil {
		t.Fatalf("read internal/fgs/%s: %v (run `go generate ./internal/fgs`)", output, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("internal/fgs/%s is out of date with spec/*.yaml: run `go generate ./internal/fgs` and commit the result", output)
	}
}

func TestConstName(t *testing.T) {
	for id, want := range map[string]string{"invokeFunction": "OpInvokeFunction", "keystoneCreateUserTokenByPassword": "OpKeystoneCreateUserTokenByPassword", "v2Thing": "OpV2Thing"} {
		if got, err := constName(id); err != nil || got != want {
			t.Errorf("constName(%q) = %q, %v; want %q", id, got, err, want)
		}
	}
	for _, bad := range []string{"", "1abc", "invoke-function", "a b"} {
		if _, err := constName(bad); err == nil {
			t.Errorf("constName(%q) accepted a name Go cannot use", bad)
		}
	}
}
