package logs_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/logs"
)

// TestLogs runs this area's specs against the in-process emulator, or
// against FGH_TARGET when it is set (see framework.ConfigFromEnv).
func TestLogs(t *testing.T) {
	RegisterFailHandler(Fail)
	framework.RegisterSuiteNodes(launch.Contract)
	logs.Register()
	RunSpecs(t, "logs contract suite")
}
