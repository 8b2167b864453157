package rapidrun

import (
	"slices"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// firstDraws runs one check per seed, workers at a time, and returns the
// value each check drew first.
func firstDraws(seeds []uint64, workers int) []uint64 {
	release := Configure(Settings{Seed: 1, Checks: 1, Exact: true})
	defer release()
	out := make([]uint64, len(seeds))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				Check(NewTB("draw"), seeds[i], func(t *rapid.T) { out[i] = rapid.Uint64().Draw(t, "v") })
			}
		}()
	}
	for i := range seeds {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// Checks that run at once each draw from their own seed, as they do one
// after the other.
func TestConcurrentChecksKeepTheirSeeds(t *testing.T) {
	seeds := []uint64{3, 5, 8, 13, 21, 34, 55, 89}
	one, four := firstDraws(seeds, 1), firstDraws(seeds, 4)
	if !slices.Equal(one, four) {
		t.Fatalf("four workers drew %v, one worker %v", four, one)
	}
	if len(slices.Compact(slices.Clone(one))) < 2 {
		t.Fatalf("different seeds drew the same values %v", one)
	}
}

func TestCheckMarksAFailure(t *testing.T) {
	release := Configure(Settings{Seed: 1, Checks: 1, ShrinkTime: 1, Exact: true})
	defer release()
	tb := NewTB("fails")
	Check(tb, 7, func(t *rapid.T) { t.Fatalf("always") })
	if !tb.Failed() {
		t.Fatal("a failing property left the TB passed")
	}
}
