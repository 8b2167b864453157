package framework

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
)

// Report file names inside Config.OutDir.
const (
	JUnitFile           = "junit.xml"
	GinkgoJSONFile      = "ginkgo.json"
	ConformanceMDFile   = "conformance.md"
	ConformanceHTMLFile = reports.ConformanceHTMLFile
	ConformanceJSON     = reports.ConformanceFile
	notRunReason        = "not run: excluded by the label filter or a focus"
	maxReasonCharacter  = 600
)

// coverage counts the statuses each operation answered with.
type coverage struct {
	mu   sync.Mutex
	seen map[string]map[int]bool
}

func newCoverage() *coverage { return &coverage{seen: map[string]map[int]bool{}} }

func (c *coverage) observe(ex Exchange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[ex.Operation] == nil {
		c.seen[ex.Operation] = map[int]bool{}
	}
	c.seen[ex.Operation][ex.Status] = true
}

func (c *coverage) statuses(op string) map[int]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int]bool{}
	for s := range c.seen[op] {
		out[s] = true
	}
	return out
}

// Reasons for documented statuses no exchange produced. They are data so
// that the summary's "not exercised" column reads from one place.
var (
	// unprovokable: a well-behaved client with one set of credentials
	// cannot make an endpoint answer these.
	unprovokable = map[int]string{
		408: "needs the endpoint to time out the request",
		429: "needs the account's or function's concurrency limit exhausted; the suites do not flood a shared endpoint",
		500: "an internal server error cannot be provoked by a well-formed request",
		503: "needs the service to be unavailable",
	}
	// unprovokedFallback: provokable statuses for which no spec said more.
	unprovokedFallback = map[int]string{
		400: "no spec sent a request the endpoint had to refuse as invalid",
		401: "no spec sent the operation without credentials",
		403: "no spec sent the operation for another project",
		404: "no spec asked the operation for an unknown resource",
		413: "no spec sent a body over the operation's size limit",
	}
)

// Label-set key of Provokes: "provokes:<operationId>=<status>".
const provokesLabelKey = "provokes:"

// Provokes decorates a spec that sends op a request meant to make it answer
// status. When that status is not seen, the summary gives the spec's skip
// or failure reason instead of a generic one.
func Provokes(op string, status int) Labels {
	return Labels{provokesLabelKey + op + "=" + strconv.Itoa(status)}
}

type opStatus struct {
	op     string
	status int
}

// declined holds, per operation and status, why no spec provokes it; specs
// register them at tree-construction time with CannotProvoke.
var declined = struct {
	sync.Mutex
	reasons map[opStatus]string
}{reasons: map[opStatus]string{}}

// CannotProvoke records why the suites send op no request that should
// answer status; the summary lists it against that status when unseen.
func CannotProvoke(op string, status int, reason string) {
	declined.Lock()
	declined.reasons[opStatus{op, status}] = reason
	declined.Unlock()
}

func declinedReason(op string, status int) (string, bool) {
	declined.Lock()
	defer declined.Unlock()
	r, ok := declined.reasons[opStatus{op, status}]
	return r, ok
}

// provokers are the outcomes of the specs labelled with Provokes.
type provokers map[opStatus][]provoker

type provoker struct{ result, reason, spec string }

func provokersOf(r types.Report) provokers {
	out := provokers{}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		for _, l := range sr.Labels() {
			target, ok := strings.CutPrefix(l, provokesLabelKey)
			if !ok {
				continue
			}
			op, code, _ := strings.Cut(target, "=")
			status, err := strconv.Atoi(code)
			if err != nil {
				continue
			}
			result, reason := specOutcome(sr)
			k := opStatus{op, status}
			out[k] = append(out[k], provoker{result: result, reason: reason, spec: sr.LeafNodeText})
		}
	}
	return out
}

// notExercisedReason explains a documented status that no exchange
// produced: the spec meant to provoke it failed or did not run, the status
// cannot be provoked at all, or a suite declined it.
func notExercisedReason(op spec.Operation, status int, specs provokers) string {
	ps := specs[opStatus{op.ID, status}]
	for _, p := range ps {
		if p.result == reports.ResultFail {
			return shorten("the spec meant to provoke it failed (" + p.spec + "): " + firstLine(p.reason))
		}
	}
	for _, p := range ps {
		if p.result == reports.ResultSkipped {
			return shorten("the spec meant to provoke it did not run (" + p.spec + "): " + firstLine(p.reason))
		}
	}
	if r, ok := unprovokable[status]; ok {
		return r
	}
	if r, ok := declinedReason(op.ID, status); ok {
		return r
	}
	if r, ok := unprovokedFallback[status]; ok {
		return r
	}
	return "no spec provoked it (label filter, read-only run, or not reachable against this target)"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// BuildConformance turns a finished Ginkgo report into the conformance
// summary: every operation × check the specs judged, and API coverage.
func (f *Framework) BuildConformance(r types.Report) *reports.Conformance {
	type key struct{ op, check string }
	type agg struct {
		result, reason, spec string
	}
	rows := map[key]*agg{}
	rank := map[string]int{reports.ResultSkipped: 0, reports.ResultPass: 1, reports.ResultAccepted: 2, reports.ResultFail: 3}
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		ops, checks := labelledOpsAndChecks(sr.Labels())
		if len(ops) == 0 {
			continue
		}
		result, reason := f.judgeSpec(sr)
		for _, op := range ops {
			for _, check := range checks {
				k := key{op, check}
				cur := rows[k]
				if cur == nil || rank[result] > rank[cur.result] {
					rows[k] = &agg{result: result, reason: reason, spec: sr.FullText()}
				}
			}
		}
	}
	c := &reports.Conformance{
		Target: f.Target.Redacted(), Name: f.Config.Name,
		StartedAt: r.StartTime, DurationS: r.RunTime.Seconds(),
	}
	if f.Local != nil {
		c.Vendor = "emulator"
	}
	for k, a := range rows {
		c.Checks = append(c.Checks, reports.ConformanceCheck{
			Operation: k.op, Check: k.check, Result: a.result,
			Reason: f.Redact(a.reason), Spec: f.Redact(a.spec),
		})
	}
	SortChecks(c.Checks)
	f.attachEvidence(c)
	specs := provokersOf(r)
	for _, op := range f.Spec.Operations() {
		c.Coverage.Operations = append(c.Coverage.Operations, CoverageOf(op, f.coverage.statuses(op.ID), func(status int) string {
			return f.Redact(notExercisedReason(op, status, specs))
		}))
	}
	f.Accept.Annotate(c)
	return c
}

// SortChecks orders checks by operation, then check.
func SortChecks(checks []reports.ConformanceCheck) {
	sort.Slice(checks, func(i, j int) bool {
		if checks[i].Operation != checks[j].Operation {
			return checks[i].Operation < checks[j].Operation
		}
		return checks[i].Check < checks[j].Check
	})
}

// CoverageOf is op's coverage given the statuses its exchanges were
// answered with; why explains a documented status never seen (nil, or ""
// from it: no reason given).
func CoverageOf(op spec.Operation, seen map[int]bool, why func(status int) string) reports.OperationCoverage {
	oc := reports.OperationCoverage{Operation: op.ID, Exercised: len(seen) > 0}
	for _, s := range op.Statuses {
		oc.DocumentedStatuses = append(oc.DocumentedStatuses, strconv.Itoa(s))
		if seen[s] || why == nil {
			continue
		}
		if reason := why(s); reason != "" {
			oc.NotExercised = append(oc.NotExercised, reports.StatusReason{Status: strconv.Itoa(s), Reason: reason})
		}
	}
	var ex []int
	for s := range seen {
		ex = append(ex, s)
	}
	sort.Ints(ex)
	for _, s := range ex {
		oc.ExercisedStatuses = append(oc.ExercisedStatuses, strconv.Itoa(s))
	}
	return oc
}

func specOutcome(sr types.SpecReport) (result, reason string) {
	switch {
	case sr.State == types.SpecStatePassed:
		return reports.ResultPass, ""
	case sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending:
		if msg := strings.TrimSpace(sr.Failure.Message); msg != "" {
			return reports.ResultSkipped, shorten(msg)
		}
		return reports.ResultSkipped, notRunReason
	case sr.State.Is(types.SpecStateFailureStates):
		return reports.ResultFail, shorten(sr.Failure.Message)
	}
	return reports.ResultSkipped, "spec state " + sr.State.String()
}

func shorten(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxReasonCharacter {
		s = s[:maxReasonCharacter-3] + "..."
	}
	return s
}

// Redact replaces every secret of the run with <redacted>.
func (f *Framework) Redact(s string) string {
	for _, secret := range f.secrets() {
		s = strings.ReplaceAll(s, secret, "<redacted>")
	}
	return s
}

func (f *Framework) secrets() []string {
	out := f.Config.secrets()
	for _, s := range []string{f.Target.Token, f.Target.SK} {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	return out
}

// WriteReports writes junit.xml, ginkgo.json, conformance.json and
// conformance.md to dir, then scrubs the run's secrets from every file.
func (f *Framework) WriteReports(dir string, r types.Report) (*reports.Conformance, error) {
	c := f.BuildConformance(r)
	if dir == "" {
		return c, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, fmt.Errorf("create report dir: %w", err)
	}
	if err := reporters.GenerateJUnitReport(f.withAcceptedAsSkipped(r), filepath.Join(dir, JUnitFile)); err != nil {
		return c, fmt.Errorf("write JUnit report: %w", err)
	}
	if err := reporters.GenerateJSONReport(r, filepath.Join(dir, GinkgoJSONFile)); err != nil {
		return c, fmt.Errorf("write Ginkgo JSON report: %w", err)
	}
	if err := reports.WriteConformance(dir, c); err != nil {
		return c, err
	}
	if err := f.writeEvidence(dir, c); err != nil {
		return c, err
	}
	var md bytes.Buffer
	if err := reports.RenderConformanceMarkdown(&md, c); err != nil {
		return c, fmt.Errorf("render conformance summary: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConformanceMDFile), md.Bytes(), 0o644); err != nil {
		return c, fmt.Errorf("write conformance summary: %w", err)
	}
	for _, name := range []string{JUnitFile, GinkgoJSONFile, ConformanceJSON, ConformanceMDFile, ConformanceHTMLFile, FailuresFile} {
		if err := ScrubFile(filepath.Join(dir, name), f.Redact); err != nil {
			return c, err
		}
	}
	return c, nil
}

// ScrubFile rewrites the file at path through redact: secrets that reached
// a report through a failure message or captured output are removed
// there; nothing writes them on purpose.
func ScrubFile(path string, redact func(string) string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	clean := []byte(redact(string(data)))
	if bytes.Equal(clean, data) {
		return nil
	}
	return os.WriteFile(path, clean, 0o644)
}
