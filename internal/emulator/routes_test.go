package emulator

import (
	"strings"
	"testing"
)

// TestOperationClaimedTwicePanics shows that two areas registering one
// operationId stop the emulator at start-up instead of one silently winning.
func TestOperationClaimedTwicePanics(t *testing.T) {
	saved := handlerAreas
	t.Cleanup(func() { handlerAreas = saved })
	handlerAreas = append(append([]func() map[string]handler{}, saved...), versionHandlers)
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "two handlers for operation") {
			t.Fatalf("want a panic naming the operation claimed twice, got %q", msg)
		}
	}()
	operationHandlers()
}
