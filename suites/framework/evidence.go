package framework

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/reports"
)

// FailuresFile is the replayable record of a run's failures inside Config.OutDir.
const FailuresFile = evidence.FailuresFile

// maxFailuresPerSpec bounds what one failed spec adds to failures.json: a
// spec that sends a hundred bad answers needs its first few to be read.
const maxFailuresPerSpec = 10

// newRecorder is the run's evidence recorder; it keeps every exchange only
// when a HAR log is asked for.
func (f *Framework) newRecorder() *evidence.Recorder {
	secrets := f.secrets()
	if f.Local != nil {
		secrets = append(secrets, f.Local.AdminToken, f.Local.IAMPassword)
	}
	return evidence.NewRecorder(evidence.Run{
		RunID: f.RunID, Target: f.Target.Redacted(), ProjectID: f.Target.ProjectID, Auth: f.Target.Credentials().Kind(),
	}, evidence.WithSecrets(secrets...), evidence.KeepExchanges(f.Config.HAR != ""))
}

// recordSpecFailures gives a failed spec's failure an id and evidence: one
// failure per spec violation in the exchanges before the failure, or, when
// the spec failed on a behaviour it judged itself, the last answer before
// the failure with the failure message as the rule. Exchanges after the
// failure are the spec's cleanup, which replay sends too.
func (f *Framework) recordSpecFailures(sr types.SpecReport, exchanges []evidence.Exchange) {
	if !sr.State.Is(types.SpecStateFailureStates) || f.Evidence == nil || f.recordedBy(sr.FullText()) {
		return
	}
	before, after := splitAtFailure(exchanges, sr.Failure.TimelineLocation.Time)
	before = append(f.producersOf(before), before...)
	ops, checks := labelledOpsAndChecks(sr.Labels())
	source := sr.FullText()
	n := 0
	for i, ex := range before {
		for _, v := range ex.Violations {
			if n == maxFailuresPerSpec {
				return
			}
			n++
			f.Evidence.Fail(evidence.Failure{
				Operation: ex.Operation, Check: CheckOfViolation(v), Rule: ex.Operation + " " + v.String(), Violation: v,
				Request: ex.Request, Response: ex.Response, Steps: before[:i], Cleanup: after,
				Expect: evidence.Expect{Spec: true}, Source: source,
			})
		}
	}
	if n > 0 {
		return
	}
	fl := evidence.Failure{Check: reports.CheckBehaviour, Rule: ruleOfMessage(sr.Failure.Message), Source: source, Cleanup: after}
	if len(checks) > 0 {
		fl.Check = checks[0]
	}
	if len(ops) > 0 {
		fl.Operation = ops[0]
	}
	for i := len(before) - 1; i >= 0; i-- {
		if ex := before[i]; ex.Response != nil {
			fl.Operation, fl.Request, fl.Response, fl.Steps = ex.Operation, ex.Request, ex.Response, before[:i]
			fl.Expect = expectFromMessage(sr.Failure.Message, ex.Response.Status)
			if len(fl.Expect.Status) > 0 {
				fl.Check = reports.CheckStatus
			}
			fl.Violation = evidence.Violation{Status: ex.Response.Status, Location: "behaviour", Message: firstLine(sr.Failure.Message)}
			break
		}
	}
	if fl.Operation == "" {
		fl.Operation = "-"
	}
	f.Evidence.Fail(fl)
}

// splitAtFailure separates what a spec sent up to its failure from what
// its cleanup sent afterwards.
func splitAtFailure(exs []evidence.Exchange, failedAt time.Time) (before, after []evidence.Exchange) {
	if failedAt.IsZero() {
		return exs, nil
	}
	for i, ex := range exs {
		if ex.Started.After(failedAt) {
			return exs[:i], exs[i:]
		}
	}
	return exs, nil
}

// CheckOfViolation files a spec violation under its conformance check.
func CheckOfViolation(v evidence.Violation) string {
	switch {
	case v.Location == "status" || v.Location == "route":
		return reports.CheckStatus
	case strings.HasPrefix(v.Location, "header"):
		return reports.CheckHeaders
	case strings.Contains(v.Location, "error_code"):
		return reports.CheckErrorCode
	}
	return reports.CheckSchema
}

// statusExpectation matches the failure messages of ExpectStatus and of
// specs that say which status they wanted ("still found: expected 404, got 200").
var statusExpectation = regexp.MustCompile(`expected (\d{3}), got (\d{3})\b`)

// expectFromMessage turns a failed status expectation into a rule replay
// can check; other behaviour a spec judges in its own code stays
// unchecked by replay (it shows the answer to compare).
func expectFromMessage(msg string, status int) evidence.Expect {
	m := statusExpectation.FindStringSubmatch(msg)
	if m == nil || m[2] != strconv.Itoa(status) {
		return evidence.Expect{}
	}
	return evidence.Expect{Status: []string{m[1]}}
}

// ruleOfMessage is a spec's failure message without Gomega's restatement
// of the values ("Expected <int>: 200 to equal <int>: 404"), which the
// spec's own description already says in words.
func ruleOfMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	if i := strings.Index(msg, "\nExpected\n"); i > 0 {
		msg = msg[:i]
	}
	return shorten(msg)
}

// recordedBy tells whether the spec recorded failures of its own (a
// generator that shrinks its cases does), so its exchanges add none.
func (f *Framework) recordedBy(source string) bool {
	for _, fl := range f.Evidence.Failures() {
		if fl.Source == source {
			return true
		}
	}
	return false
}

// attachEvidence puts the run's failures, clipped, into the summary and
// links each failed check to the failures its spec produced.
func (f *Framework) attachEvidence(c *reports.Conformance) {
	if f.Evidence == nil {
		return
	}
	f.AcceptFailures()
	run := f.Evidence.Run()
	c.Auth, c.Seed = run.Auth, run.Seed
	c.Failures = reports.ClipFailures(run.Failures, reportBodyLimit)
	bySpec := map[string][]string{}
	for _, fl := range run.Failures {
		bySpec[fl.Source] = append(bySpec[fl.Source], fl.ID)
	}
	for i, ch := range c.Checks {
		if ch.Result == reports.ResultFail || ch.Result == reports.ResultAccepted {
			c.Checks[i].FailureIDs = bySpec[ch.Spec]
		}
	}
}

// reportBodyLimit bounds a body inside conformance.json; failures.json
// keeps it whole.
const reportBodyLimit = 16 << 10

// WriteEvidence writes failures.json into dir and, when asked, the HAR log.
func (f *Framework) WriteEvidence(dir string) error {
	if f.Evidence == nil {
		return nil
	}
	if err := f.Evidence.WriteFailures(dir); err != nil {
		return err
	}
	if f.Config.HAR != "" {
		return WriteHAR(f.Evidence, f.Config.HAR, f.Redact)
	}
	return nil
}

// WriteHAR writes the exchanges rec kept to path as a HAR log, then
// scrubs the file through redact, the last line of defence for a
// credential the redaction of each exchange did not foresee.
func WriteHAR(rec *evidence.Recorder, path string, redact func(string) string) error {
	if err := rec.WriteHARFile(path, harCreatorVersion); err != nil {
		return err
	}
	return ScrubFile(path, redact)
}

// writeEvidence writes failures.json, conformance.html and, when asked, the HAR log.
func (f *Framework) writeEvidence(dir string, c *reports.Conformance) error {
	if err := f.WriteEvidence(dir); err != nil {
		return err
	}
	var page bytes.Buffer
	if err := reports.RenderConformanceHTML(&page, c); err != nil {
		return fmt.Errorf("render conformance page: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConformanceHTMLFile), page.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write conformance page: %w", err)
	}
	return nil
}

// harCreatorVersion is the module version the HAR log names as its creator.
var harCreatorVersion = func() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}()

// producersOf returns the run's create calls that made the resources the
// exchanges name (by this run's resource names), and those their own
// requests name, in the order they were sent: a spec in an ordered
// container uses what an earlier node created, and replay against a fresh
// endpoint has to create it again first.
func (f *Framework) producersOf(exs []evidence.Exchange) []evidence.Exchange {
	names := regexp.MustCompile(regexp.QuoteMeta(f.Prefix) + `[A-Za-z0-9_-]+`)
	have := map[string]bool{}
	for _, ex := range exs {
		have[ex.ID] = true
	}
	creates := f.Transport.Creates()
	picked := map[string]bool{}
	wanted := map[string]bool{}
	var want func(q evidence.Request)
	want = func(q evidence.Request) {
		for _, n := range names.FindAllString(q.URL+" "+q.Body.Text, -1) {
			if wanted[n] {
				continue
			}
			wanted[n] = true
			for _, c := range creates {
				if !have[c.ID] && !picked[c.ID] && (strings.Contains(c.Request.Body.Text, `"`+n+`"`) || strings.Contains(c.Response.Body.Text, `"`+n+`"`)) {
					picked[c.ID] = true
					want(c.Request)
					break
				}
			}
		}
	}
	for _, ex := range exs {
		want(ex.Request)
	}
	var out []evidence.Exchange
	for _, c := range creates {
		if picked[c.ID] {
			out = append(out, c)
		}
	}
	return out
}
