package load

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// newTestWaiter is a precise waiter of a fresh attack, closed with the test.
func newTestWaiter(t *testing.T) (*Attack, waiter) {
	atk := newAttack("", time.Now())
	w, err := newPreciseWaiter(atk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.close)
	return atk, w
}

// TestPreciseWaiterNeverReturnsEarly: every wait returns at or after its
// deadline, for deadlines already past, a few microseconds ahead (spun) and
// milliseconds ahead (slept), with garbage collections running meanwhile.
func TestPreciseWaiterNeverReturnsEarly(t *testing.T) {
	atk, w := newTestWaiter(t)
	stopGC := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stopGC:
				return
			default:
				runtime.GC()
				time.Sleep(time.Millisecond)
			}
		}
	})
	defer func() { close(stopGC); wg.Wait() }()
	intended := time.Duration(0)
	for i := range 300 {
		step := []time.Duration{0, 3 * time.Microsecond, 40 * time.Microsecond, 700 * time.Microsecond, 3 * time.Millisecond}[i%5]
		intended += step
		if i%50 == 0 {
			intended = time.Since(atk.Start) - time.Millisecond // already past
		}
		if !w.wait(atk, intended) {
			t.Fatalf("wait %d returned false without a stop", i)
		}
		if now := time.Since(atk.Start); now < intended {
			t.Fatalf("wait %d returned %v before its deadline", i, intended-now)
		}
	}
}

// TestPreciseWaiterStops: a stop wakes a pacer parked on a deadline an hour
// away, and every later wait on a future deadline returns false at once.
func TestPreciseWaiterStops(t *testing.T) {
	atk, w := newTestWaiter(t)
	time.AfterFunc(20*time.Millisecond, func() { atk.Stop("") })
	if w.wait(atk, time.Hour) {
		t.Fatal("wait for an hour returned true")
	}
	if w.wait(atk, time.Since(atk.Start)+time.Hour) {
		t.Fatal("wait after the stop returned true")
	}
}

// TestPreciseWaiterStoppedBeforeWaiting: a stop that comes before the
// pacer first waits is not lost.
func TestPreciseWaiterStoppedBeforeWaiting(t *testing.T) {
	atk, w := newTestWaiter(t)
	atk.Stop("")
	if w.wait(atk, time.Hour) {
		t.Fatal("wait returned true after a stop")
	}
}
