package iam_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	_ "github.com/fgharness/fgharness/suites/iam"
)

// TestIam runs this area's specs against the in-process emulator, or
// against FGH_TARGET when it is set (see framework.ConfigFromEnv).
func TestIam(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "iam contract suite")
}
