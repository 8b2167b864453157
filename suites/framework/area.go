package framework

import (
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// Area holds one contract area's top-level containers until Register adds
// them to the Ginkgo tree. Importing an area package therefore changes
// nothing: the suite's Test function, or fgh contract, says which areas
// join a run and when.
type Area struct {
	containers []func()
	once       sync.Once
}

// Describe records a top-level container; text and args are Ginkgo's.
// Failures and reports still point at the caller's line.
func (a *Area) Describe(text string, args ...any) bool {
	args = append(args, types.NewCodeLocation(1))
	a.containers = append(a.containers, func() { Describe(text, args...) })
	return true
}

// Register adds the recorded containers to the Ginkgo tree, once.
func (a *Area) Register() {
	a.once.Do(func() {
		for _, c := range a.containers {
			c()
		}
	})
}
