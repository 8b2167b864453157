package tags_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/tags"
)

// TestTags runs this area's specs against the in-process emulator, or
// against FGH_TARGET when it is set (see framework.ConfigFromEnv).
func TestTags(t *testing.T) {
	RegisterFailHandler(Fail)
	framework.RegisterSuiteNodes(launch.Contract)
	tags.Register()
	RunSpecs(t, "tags contract suite")
}
