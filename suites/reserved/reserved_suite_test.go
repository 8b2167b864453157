package reserved_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/reserved"
)

// TestReserved runs this area's specs against the in-process emulator, or
// against FGH_TARGET when it is set (see framework.ConfigFromEnv).
func TestReserved(t *testing.T) {
	RegisterFailHandler(Fail)
	framework.RegisterSuiteNodes(launch.Contract)
	reserved.Register()
	RunSpecs(t, "reserved contract suite")
}
