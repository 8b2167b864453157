package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docs/cli.md is generated from the commands; a flag added or changed
// without regenerating it fails here.
func TestCLIReferenceIsCurrent(t *testing.T) {
	want := cliReference(newRootCmd())
	got, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatalf("read docs/cli.md: %v (regenerate: go generate ./cmd/fgh, or make docs)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("docs/cli.md is out of date with the commands' flags and help: regenerate it with `go generate ./cmd/fgh` (or `make docs`) and commit the result")
	}
	for _, cmd := range []string{"## fgh contract", "## fgh load", "## fgh demo", "## fgh emulator", "## fgh report"} {
		if !strings.Contains(string(want), cmd) {
			t.Errorf("the reference has no %q section", cmd)
		}
	}
	if strings.Contains(string(want), "gen-cli-doc") {
		t.Error("the reference lists the hidden generator command")
	}
}
