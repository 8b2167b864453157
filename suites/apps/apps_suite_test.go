package apps_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/suites/apps"
	"github.com/fgharness/fgharness/suites/framework"
)

// TestApps runs this area's specs against the in-process emulator, or
// against FGH_TARGET when it is set (see framework.ConfigFromEnv).
func TestApps(t *testing.T) {
	RegisterFailHandler(Fail)
	framework.RegisterSuiteNodes(launch.Contract)
	apps.Register()
	RunSpecs(t, "apps contract suite")
}
