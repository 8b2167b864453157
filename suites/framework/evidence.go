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
	if !sr.State.Is(types.SpecStateFailureStates) || f.Evidence == nil {
		return
	}
	before, after := splitAtFailure(exchanges, sr.Failure.TimelineLocation.Time)
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
				Operation: ex.Operation, Check: checkOfViolation(v), Rule: ex.Operation + " " + v.String(), Violation: v,
				Request: ex.Request, Response: ex.Response, Steps: before[:i], Cleanup: after,
				Expect: evidence.Expect{Spec: true}, Source: source,
			})
		}
	}
	if n > 0 {
		return
	}
	fl := evidence.Failure{Check: reports.CheckBehaviour, Rule: firstLines(sr.Failure.Message, 6), Source: source, Cleanup: after}
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

// checkOfViolation files a spec violation under its conformance check.
func checkOfViolation(v evidence.Violation) string {
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

// statusExpectation matches ExpectStatus's failure message.
var statusExpectation = regexp.MustCompile(`status: expected (\d{3}), got (\d{3})`)

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

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return shorten(strings.Join(lines, "\n"))
}

// attachEvidence puts the run's failures, clipped, into the summary and
// links each failed check to the failures its spec produced.
func (f *Framework) attachEvidence(c *reports.Conformance) {
	if f.Evidence == nil {
		return
	}
	run := f.Evidence.Run()
	c.Auth, c.Seed = run.Auth, run.Seed
	c.Failures = reports.ClipFailures(run.Failures, reportBodyLimit)
	bySpec := map[string][]string{}
	for _, fl := range run.Failures {
		bySpec[fl.Source] = append(bySpec[fl.Source], fl.ID)
	}
	for i, ch := range c.Checks {
		if ch.Result == reports.ResultFail {
			c.Checks[i].FailureIDs = bySpec[ch.Spec]
		}
	}
}

// reportBodyLimit bounds a body inside conformance.json; failures.json
// keeps it whole.
const reportBodyLimit = 16 << 10

// writeEvidence writes failures.json, conformance.html and, when asked, the HAR log.
func (f *Framework) writeEvidence(dir string, c *reports.Conformance) error {
	if f.Evidence != nil {
		if err := f.Evidence.WriteFailures(dir); err != nil {
			return err
		}
		if f.Config.HAR != "" {
			if err := f.Evidence.WriteHARFile(f.Config.HAR, harCreatorVersion); err != nil {
				return err
			}
			if err := f.scrubFile(f.Config.HAR); err != nil {
				return err
			}
		}
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
