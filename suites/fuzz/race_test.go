//go:build race

package fuzz

// raceEnabled tells the tests that 6 MB requests are too slow to shrink here.
const raceEnabled = true
