package fgs_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
)

// The extension port range is stated twice on purpose: as a number here,
// for code that opens ports, and as the spec's header pattern, for the
// validator. This keeps the two the same.
func TestExtensionPortsMatchTheSpec(t *testing.T) {
	op, ok := spec.MustLoad().Operation(fgs.OpRegisterExtension)
	if !ok {
		t.Fatalf("no %s in the spec", fgs.OpRegisterExtension)
	}
	var pattern string
	for _, p := range op.Raw().Parameters {
		if p.Value != nil && p.Value.Name == fgs.HeaderExtensionAddress && p.Value.Schema != nil && p.Value.Schema.Value != nil {
			pattern = p.Value.Schema.Value.Pattern
		}
	}
	if pattern == "" {
		t.Fatalf("%s has no pattern for header %s", fgs.OpRegisterExtension, fgs.HeaderExtensionAddress)
	}
	re := regexp.MustCompile(pattern)
	for port := fgs.ExtensionPortMin - 1; port <= fgs.ExtensionPortMax+1; port++ {
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		want := port >= fgs.ExtensionPortMin && port <= fgs.ExtensionPortMax
		if re.MatchString(addr) != want {
			t.Errorf("%s: the spec's pattern %q says %v, fgs says %v", addr, pattern, !want, want)
		}
	}
	if fgs.ExtensionPortMax-fgs.ExtensionPortMin+1 != fgs.MaxExtensions {
		t.Errorf("%d ports for %d extensions", fgs.ExtensionPortMax-fgs.ExtensionPortMin+1, fgs.MaxExtensions)
	}
}
