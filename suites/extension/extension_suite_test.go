package extension_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/suites/extension"
	"github.com/fgharness/fgharness/suites/framework"
)

// TestExtension runs this area's specs against the in-process emulator, or
// against FGH_TARGET when it is set (see framework.ConfigFromEnv).
func TestExtension(t *testing.T) {
	RegisterFailHandler(Fail)
	framework.RegisterSuiteNodes(launch.Contract)
	extension.Register()
	RunSpecs(t, "extension contract suite")
}
