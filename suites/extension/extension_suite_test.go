package extension_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	_ "github.com/fgharness/fgharness/suites/extension"
)

// TestExtension runs this area's specs against the in-process emulator, or
// against FGH_TARGET when it is set (see framework.ConfigFromEnv).
func TestExtension(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "extension contract suite")
}
