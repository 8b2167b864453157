package framework

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
)

// acceptance is what the run's accept file (Config.AcceptFile) decided
// about the recorded failures, by failure id.
type acceptance struct {
	mu       sync.Mutex
	judged   map[string]bool
	accepted map[string]string // failure id → the entry's note
	expired  map[string]string // failure id → why it fails again
}

// AcceptFailures judges every failure recorded since its last call
// against the accept file, marks the accepted ones in the evidence, and
// returns how many of the run's failures are not accepted. Every run path
// calls it after its last failure and before it writes failures.json or
// decides its exit status: the suites through their reports, the
// generated inputs and sequences after their runs.
func (f *Framework) AcceptFailures() (unaccepted int) {
	if f.Evidence == nil {
		return 0
	}
	a := &f.acceptance
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.judged == nil {
		a.judged, a.accepted, a.expired = map[string]bool{}, map[string]string{}, map[string]string{}
	}
	failures := f.Evidence.Failures()
	for _, fl := range failures {
		if a.judged[fl.ID] {
			continue
		}
		a.judged[fl.ID] = true
		v := f.Accept.JudgeFailure(fl)
		switch {
		case v.Accepted:
			a.accepted[fl.ID] = v.Note
			f.Evidence.SetAccepted(fl.ID, v.Note)
		case v.Expired:
			a.expired[fl.ID] = v.Note
		}
	}
	return len(failures) - len(a.accepted)
}

// acceptedNoteOf and expiredNoteOf read a judged failure's notes.
func (f *Framework) acceptedNoteOf(id string) (string, bool) {
	f.acceptance.mu.Lock()
	defer f.acceptance.mu.Unlock()
	n, ok := f.acceptance.accepted[id]
	return n, ok
}

func (f *Framework) expiredNoteOf(id string) (string, bool) {
	f.acceptance.mu.Lock()
	defer f.acceptance.mu.Unlock()
	n, ok := f.acceptance.expired[id]
	return n, ok
}

// MarkAccepted copies the accept file's notes onto failures taken from
// the recorder before AcceptFailures judged them.
func (f *Framework) MarkAccepted(fs []evidence.Failure) {
	f.AcceptFailures()
	for i := range fs {
		if note, ok := f.acceptedNoteOf(fs[i].ID); ok {
			fs[i].Accepted = note
		}
	}
}

// AcceptanceSummary is a summary holding only what the accept file did
// (for runs without a conformance summary); nil without an accept file.
func (f *Framework) AcceptanceSummary() *reports.Conformance {
	if f.Accept == nil {
		return nil
	}
	return &reports.Conformance{AcceptFile: f.Config.AcceptFile, Acceptances: f.Accept.Outcomes()}
}

// specFailures are the ids of the failures a spec produced.
func (f *Framework) specFailures(sr types.SpecReport) []string {
	if f.Evidence == nil {
		return nil
	}
	var ids []string
	source := f.Evidence.Redactor().Text(sr.FullText())
	for _, fl := range f.Evidence.Failures() {
		if fl.Source == source {
			ids = append(ids, fl.ID)
		}
	}
	return ids
}

// acceptedNote returns the note of a failed spec whose every failure is
// accepted; ok is false when one is not (or the spec recorded none).
func (f *Framework) acceptedNote(sr types.SpecReport) (note string, ok bool) {
	f.AcceptFailures()
	ids := f.specFailures(sr)
	if len(ids) == 0 {
		return "", false
	}
	var notes []string
	for _, id := range ids {
		n, accepted := f.acceptedNoteOf(id)
		if !accepted {
			return "", false
		}
		if !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
	}
	return strings.Join(notes, "; "), true
}

// expiredNote says which of a spec's failures fail again because their
// accepted deviation expired.
func (f *Framework) expiredNote(sr types.SpecReport) string {
	f.AcceptFailures()
	var notes []string
	for _, id := range f.specFailures(sr) {
		if n, ok := f.expiredNoteOf(id); ok && !slices.Contains(notes, n) {
			notes = append(notes, n)
		}
	}
	return strings.Join(notes, "; ")
}

// judgeSpec is a spec's result and reason with the accept file applied.
func (f *Framework) judgeSpec(sr types.SpecReport) (result, reason string) {
	result, reason = specOutcome(sr)
	if result != reports.ResultFail {
		return result, reason
	}
	if note, ok := f.acceptedNote(sr); ok {
		return reports.ResultAccepted, shorten("accepted deviation: " + note + " — " + reason)
	}
	if note := f.expiredNote(sr); note != "" {
		return result, shorten(note + " — " + reason)
	}
	return result, reason
}

// OnlyAcceptedFailed tells whether every failure of a Ginkgo run is a
// spec whose failures the accept file accepts: such a run passes.
// A failure outside a spec (setup, reports, the suite's timeout) never is.
func (f *Framework) OnlyAcceptedFailed(r types.Report) bool {
	if len(r.SpecialSuiteFailureReasons) > 0 {
		return false
	}
	for _, sr := range r.SpecReports {
		if !sr.State.Is(types.SpecStateFailureStates) {
			continue
		}
		if sr.LeafNodeType != types.NodeTypeIt {
			return false
		}
		if _, ok := f.acceptedNote(sr); !ok {
			return false
		}
	}
	return true
}

// withAcceptedAsSkipped is r for JUnit: JUnit has no "accepted", so an
// accepted spec is a skipped test case whose message starts with
// "accepted deviation" and keeps the failure it stands for.
func (f *Framework) withAcceptedAsSkipped(r types.Report) types.Report {
	if f.Accept == nil {
		return r
	}
	specs := make(types.SpecReports, len(r.SpecReports))
	copy(specs, r.SpecReports)
	for i, sr := range specs {
		if sr.LeafNodeType != types.NodeTypeIt || !sr.State.Is(types.SpecStateFailureStates) {
			continue
		}
		if note, ok := f.acceptedNote(sr); ok {
			specs[i].State = types.SpecStateSkipped
			specs[i].Failure.Message = "accepted deviation (" + note + "): " + sr.Failure.Message
		}
	}
	r.SpecReports = specs
	return r
}

// LoadAcceptances reads an accept file (--accept of fgh contract and fgh
// proxy) and refuses an entry naming an operation the spec does not have,
// which would otherwise be stale forever.
func LoadAcceptances(path string, sp *spec.Spec) (*reports.Acceptances, error) {
	a, err := reports.LoadAcceptances(path)
	if err != nil {
		return nil, err
	}
	for _, e := range a.Entries {
		if _, ok := sp.Operation(e.Operation); e.Operation != "*" && !ok {
			return nil, fmt.Errorf("accept file %s:%d: operation %q is not in the spec", path, e.Line, e.Operation)
		}
	}
	return a, nil
}
