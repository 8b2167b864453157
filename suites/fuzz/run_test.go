package fuzz

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fghtest"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/launch"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// emulator starts the built-in emulator (with defect, when named) for one test.
func emulator(t *testing.T, defect string) *fw.Framework {
	return fghtest.Framework(t, launch.Contract, defect)
}

// fuzzRun runs the fuzzer over ops (all when none) and returns its result,
// its recorder and the request log per operation.
func fuzzRun(t *testing.T, f *fw.Framework, opts Options, ops ...string) (Result, *evidence.Recorder, map[string][]string) {
	t.Helper()
	return fuzzRunWith(t, f, opts, nil, ops...)
}

// fuzzRunWith is fuzzRun with the runner adjusted by set first.
func fuzzRunWith(t *testing.T, f *fw.Framework, opts Options, set func(*runner), ops ...string) (Result, *evidence.Recorder, map[string][]string) {
	t.Helper()
	rec := f.Evidence
	rec.SetSeed(int64(opts.Seed))
	r, err := newRunner(f, opts, rec)
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(r)
	}
	if len(ops) > 0 {
		r.only = map[string]bool{}
		for _, op := range ops {
			r.only[op] = true
		}
	}
	log := map[string][]string{}
	var mu sync.Mutex
	r.onSend = func(op, line string) {
		mu.Lock()
		log[op] = append(log[op], line)
		mu.Unlock()
	}
	res, err := r.run(context.Background())
	if err != nil {
		t.Fatalf("fuzz run: %v", err)
	}
	return res, rec, log
}

// raceAffordable is every operation (none named) or, under the race
// detector, every one but the synchronous invocation, whose 6 MB edge
// cases take 15 s there; the tests without -race send them.
func raceAffordable(f *fw.Framework) []string {
	if !raceEnabled {
		return nil
	}
	var ops []string
	for _, op := range f.Spec.Operations() {
		if op.ID != fgs.OpInvokeFunction {
			ops = append(ops, op.ID)
		}
	}
	return ops
}

func TestEmulatorPassesFuzzing(t *testing.T) {
	f := emulator(t, "")
	opts := DefaultOptions()
	opts.Seed, opts.Budget = 42, Budget{Cases: 10}
	if s := os.Getenv("FGH_FUZZ_SEED"); s != "" {
		opts.Seed, _ = strconv.ParseUint(s, 10, 64)
		opts.Budget.Cases = 100
	}
	res, _, _ := fuzzRun(t, f, opts, raceAffordable(f)...)
	for _, fail := range res.Failures {
		t.Errorf("%s %s: %s: %s\n  %s %s\n  %s", fail.Operation, fail.Check, fail.Rule, fail.Violation, fail.Request.Method, fail.Request.URL, trim(fail.Request.Body.Text))
		if fail.Response != nil {
			t.Logf("  answer %d %s", fail.Response.Status, trim(fail.Response.Body.Text))
		}
	}
	t.Logf("%d operations, %d requests, skipped %v", len(res.Operations), res.Requests(), res.Skipped)
}

func trim(s string) string {
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}
