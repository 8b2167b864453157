//go:build !linux

package bench

import (
	"testing"
	"time"
)

func kernelFloor(b *testing.B, _ string, _ int, _ time.Duration) {
	b.Skip("the floor is measured with Linux's timerfd")
}
