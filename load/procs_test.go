package load

import (
	"context"
	"runtime"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestGeneratorProcs(t *testing.T) {
	for _, tc := range []struct {
		rps        float64
		cpus, want int
	}{
		{0, 8, 1}, {50, 8, 1}, {5_000, 8, 1}, {20_000, 8, 1}, {20_001, 8, 2},
		{100_000, 8, 5}, {100_000, 2, 2}, {1e9, 4, 4},
	} {
		if got := GeneratorProcs(tc.rps, tc.cpus); got != tc.want {
			t.Errorf("GeneratorProcs(%g, %d) = %d, want %d", tc.rps, tc.cpus, got, tc.want)
		}
	}
}

func TestAutoProcsFollowsThePeakRate(t *testing.T) {
	per := func(n int) vegeta.Rate { return vegeta.Rate{Freq: n, Per: time.Second} }
	for _, tc := range []struct {
		name string
		o    Options
		want int
	}{
		{"constant", Options{Pacing: Pacing{Rate: per(30_000)}, Duration: time.Minute}, 2},
		{"a shard runs 1/N of the rate", Options{Pacing: Pacing{Rate: per(30_000)}, Duration: time.Minute, Shard: Shard{Index: 1, Count: 3}}, 1},
		{"linear ends higher", Options{Pacing: Pacing{Shape: "linear", Rate: per(1_000), Slope: 1_000}, Duration: time.Minute}, 4},
		{"sine peaks at mean + amplitude", Options{Pacing: Pacing{Shape: "sine", Rate: per(15_000), Amplitude: per(10_000), Period: time.Minute}, Duration: time.Minute}, 2},
		{"fan-out counts deliveries", Options{Scenario: ScenarioFanout, Fanout: []int{0, 10}, Pacing: Pacing{Rate: per(5_000)}, Duration: time.Minute}, 3},
		{"find-max takes every CPU", Options{Pacing: Pacing{Rate: per(100)}, Duration: time.Minute, FindMax: &FindMaxOptions{}}, 16},
	} {
		if got := tc.o.AutoProcs(16); got != tc.want {
			t.Errorf("%s: AutoProcs = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestProcsIsSetForTheRunAndRestored: the run records its scheduler size
// and leaves GOMAXPROCS as it found it; a negative value is refused.
func TestProcsIsSetForTheRunAndRestored(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	_, o := fakeRun(t, 200*time.Millisecond)
	o.Procs = 1
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Settings["procs"] != "1" {
		t.Errorf("settings procs = %q, want 1", rep.Settings["procs"])
	}
	if after := runtime.GOMAXPROCS(0); after != before {
		t.Errorf("GOMAXPROCS %d after the run, %d before", after, before)
	}
	o.Procs = -1
	if _, err := Run(context.Background(), o); err == nil {
		t.Error("Procs -1 accepted")
	}
}

// TestNarrowProcsKeepsTheWorkerCap: requests in flight wait on the network,
// so a run on one P may still keep as many in flight as on the whole machine.
func TestNarrowProcsKeepsTheWorkerCap(t *testing.T) {
	want := WorkerCap(1e6, time.Minute)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if got := WorkerCap(1e6, time.Minute); got != want {
		t.Fatalf("WorkerCap on one P = %d, want the machine's %d", got, want)
	}
}
