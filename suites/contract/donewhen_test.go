package contract

import (
	"context"
	"fmt"
	"testing"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/fuzz"
)

// doneWhenDefects are the six defects issue #11 names, each with the
// operation its failure must be reported on and a seed to run it with.
// Each is found under every seed (the generated inputs' edge set holds the
// single-value ones, the sequences' life-cycles the behaviour ones), so the
// seeds are arbitrary and differ only to show that; suites/fuzz and
// suites/sequence run every defect under several seeds at a lower cost.
var doneWhenDefects = []struct {
	defect, operation string
	seed              uint64
}{
	{"description-non-ascii-500", fgs.OpCreateFunction, 1},
	{"create-timeout-zero", fgs.OpCreateFunction, 42},
	{"update-memory-129", fgs.OpUpdateFunctionConfig, 7},
	{"payload-over-6mb", fgs.OpInvokeFunction, 2},
	{"deleted-alias-listed", fgs.OpListVersionAliases, 42},
	{"event-update-lost", fgs.OpShowEvent, 1},
}

// TestDefaultFuzzRunCatchesTheSixDefects: `fgh contract --fuzz` at its
// default budget, over every operation, finds each defect: the generated
// inputs' edge set makes the single-value defects certain, the sequences'
// life-cycles the behaviour ones. Each is reported shrunk, with the seed.
func TestDefaultFuzzRunCatchesTheSixDefects(t *testing.T) {
	if testing.Short() {
		t.Skip("six whole fuzz runs")
	}
	for _, dc := range doneWhenDefects {
		seed := dc.seed
		t.Run(fmt.Sprintf("%s/seed=%d", dc.defect, seed), func(t *testing.T) {
			t.Parallel()
			fo := fuzz.DefaultOptions()
			fo.Seed = seed
			res, err := Run(context.Background(), Options{
				Config: framework.Config{Launch: launch.Contract, Defect: dc.defect},
				Fuzz:   true, FuzzOptions: fo,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Passed {
				t.Fatalf("the run passed with %s", dc.defect)
			}
			var found []evidence.Failure
			found = append(found, res.Fuzz.Failures...)
			if res.Sequences != nil && res.Sequences.Failure != nil {
				found = append(found, *res.Sequences.Failure)
			}
			for _, f := range found {
				if f.Operation == dc.operation && f.Shrunk && f.Seed != nil && *f.Seed == int64(seed) {
					return
				}
			}
			var got []string
			for _, f := range found {
				got = append(got, f.Operation+": "+f.Rule)
			}
			t.Errorf("no shrunk failure on %s with seed %d; found %q", dc.operation, seed, got)
		})
	}
}
