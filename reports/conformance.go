package reports

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/evidence"
)

// ConformanceFile is the name of a contract run's summary inside its output directory.
const ConformanceFile = "conformance.json"

// ConformanceSchemaVersion is bumped whenever a field of conformance.json changes meaning or is removed.
// Version 2 added the accepted result and the acceptances.
const ConformanceSchemaVersion = 2

// Kinds of conformance check.
const (
	CheckSchema    = "schema"     // request/response bodies match the spec's schemas
	CheckStatus    = "status"     // the documented status code came back
	CheckErrorCode = "error_code" // the documented FSS/FGS error code came back
	CheckHeaders   = "headers"    // documented headers are present and well-formed
	CheckBehaviour = "behaviour"  // a promise of the documents held (a deleted workflow is gone, ...)
)

// Results of one check.
const (
	ResultPass    = "pass"
	ResultFail    = "fail"
	ResultSkipped = "skipped"
	// ResultAccepted: the check failed, but every failure behind it is a
	// known deviation an accept file accepts; it does not fail the run.
	ResultAccepted = "accepted"
)

// Conformance is the summary of one contract run against one target: what
// the suites checked, per operation, and what they covered. Several of them
// make the vendor compatibility matrix (`fgh report compat`).
type Conformance struct {
	SchemaVersion int    `json:"schema_version"`
	Target        string `json:"target"` // scheme://host:port only, never credentials
	// Vendor names who runs the endpoint ("huawei-cloud", "emulator", ...);
	// Name tells apart runs of one vendor (a region, a build). The matrix
	// heads each column with "Vendor Name", or the target when both are empty.
	Vendor    string             `json:"vendor,omitempty"`
	Name      string             `json:"name,omitempty"`
	StartedAt time.Time          `json:"started_at"`
	DurationS float64            `json:"duration_s,omitempty"`
	Checks    []ConformanceCheck `json:"checks"`
	Coverage  Coverage           `json:"coverage"`
	// Auth is the kind of credential the run used ("token", "ak/sk",
	// "none"): it decides which reproduction a failure shows.
	Auth string `json:"auth,omitempty"`
	// Seed is the generator seed of a run that generated inputs.
	Seed *int64 `json:"seed,omitempty"`
	// Failures is the evidence of every failure: the request (shrunk when
	// generated), the answer and the rule; bodies are clipped here, and
	// failures.json beside this file holds them whole for replay.
	Failures []evidence.Failure `json:"failures,omitempty"`
	// AcceptFile is the accept file the run judged its failures against
	// (--accept), and Acceptances what each of its entries did.
	AcceptFile  string              `json:"accept_file,omitempty"`
	Acceptances []AcceptedDeviation `json:"acceptances,omitempty"`
}

// ConformanceCheck is one check of one operation.
type ConformanceCheck struct {
	Operation string `json:"operation"` // the spec's operationId
	Check     string `json:"check"`     // CheckSchema, CheckStatus, ...
	Result    string `json:"result"`    // ResultPass, ResultFail or ResultSkipped
	Reason    string `json:"reason,omitempty"`
	// Spec names the test that made the check, for finding it again.
	Spec string `json:"spec,omitempty"`
	// FailureIDs name the failures in Conformance.Failures behind a failed check.
	FailureIDs []string `json:"failure_ids,omitempty"`
}

// Coverage says which documented operations and status codes the suites exercised.
type Coverage struct {
	Operations []OperationCoverage `json:"operations"`
}

// OperationCoverage is one operation's share of the coverage.
type OperationCoverage struct {
	Operation          string   `json:"operation"`
	Exercised          bool     `json:"exercised"`
	DocumentedStatuses []string `json:"documented_statuses"`
	ExercisedStatuses  []string `json:"exercised_statuses"`
	// NotExercised says, for each documented status the suites did not see,
	// why they could not provoke it.
	NotExercised []StatusReason `json:"not_exercised,omitempty"`
}

// StatusReason is one documented status that was not exercised, and why.
type StatusReason struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
	// Accepted is the accept file's note when an entry waives this status
	// for --fail-on-unexercised.
	Accepted string `json:"accepted,omitempty"`
}

// Column is the matrix column heading for this summary.
func (c *Conformance) Column() string {
	s := strings.TrimSpace(c.Vendor + " " + c.Name)
	if s == "" {
		return displayTarget(c.Target)
	}
	return s
}

// Counts returns how many checks passed, failed and were skipped; accepted
// checks are in none of them (AcceptedCount).
func (c *Conformance) Counts() (pass, fail, skipped int) {
	for _, ch := range c.Checks {
		switch ch.Result {
		case ResultPass:
			pass++
		case ResultFail:
			fail++
		case ResultAccepted:
		default:
			skipped++
		}
	}
	return pass, fail, skipped
}

// AcceptedCount is how many checks failed only with accepted deviations.
func (c *Conformance) AcceptedCount() int {
	n := 0
	for _, ch := range c.Checks {
		if ch.Result == ResultAccepted {
			n++
		}
	}
	return n
}

// CountsLine is the verdict in words, the accepted and skipped counts
// only when there are any: "12 passed, 1 failed, 2 accepted, 3 skipped".
func (c *Conformance) CountsLine() string {
	pass, fail, skipped := c.Counts()
	s := fmt.Sprintf("%d passed, %d failed", pass, fail)
	if n := c.AcceptedCount(); n > 0 {
		s += fmt.Sprintf(", %d accepted", n)
	}
	return s + fmt.Sprintf(", %d skipped", skipped)
}

// UnexercisedGap is a documented status of a selected operation that the
// run never observed.
type UnexercisedGap struct {
	Operation, Status, Reason string
	// Accepted is the accept file's note when an entry waives the gap.
	Accepted string
}

// Unexercised lists, for every operation the run selected (one of its
// checks passed, failed or was accepted), each documented status never
// observed, in operation order: what --fail-on-unexercised fails on unless
// Accepted is set.
func (c *Conformance) Unexercised() []UnexercisedGap {
	selected := map[string]bool{}
	for _, ch := range c.Checks {
		if ch.Result != ResultSkipped {
			selected[ch.Operation] = true
		}
	}
	var out []UnexercisedGap
	for _, o := range c.Coverage.Operations {
		if !selected[o.Operation] {
			continue
		}
		reasons := map[string]StatusReason{}
		for _, r := range o.NotExercised {
			reasons[r.Status] = r
		}
		for _, s := range missingStatuses(o) {
			r := reasons[s]
			out = append(out, UnexercisedGap{Operation: o.Operation, Status: s, Reason: r.Reason, Accepted: r.Accepted})
		}
	}
	return out
}

// UnwaivedGaps are the Unexercised statuses no accept entry waives: what
// --fail-on-unexercised fails a run on.
func (c *Conformance) UnwaivedGaps() []UnexercisedGap {
	var out []UnexercisedGap
	for _, g := range c.Unexercised() {
		if g.Accepted == "" {
			out = append(out, g)
		}
	}
	return out
}

// Failed reports whether any check failed.
func (c *Conformance) Failed() bool {
	_, fail, _ := c.Counts()
	return fail > 0
}

// Validate reports the first field that breaks the model's rules.
func (c *Conformance) Validate() error {
	kinds := map[string]bool{CheckSchema: true, CheckStatus: true, CheckErrorCode: true, CheckHeaders: true, CheckBehaviour: true}
	results := map[string]bool{ResultPass: true, ResultFail: true, ResultSkipped: true, ResultAccepted: true}
	for i, ch := range c.Checks {
		switch {
		case ch.Operation == "":
			return fmt.Errorf("checks[%d]: operation is empty", i)
		case !kinds[ch.Check]:
			return fmt.Errorf("checks[%d] (%s): check %q is not one of schema, status, error_code, headers, behaviour", i, ch.Operation, ch.Check)
		case !results[ch.Result]:
			return fmt.Errorf("checks[%d] (%s %s): result %q is not one of pass, fail, accepted, skipped", i, ch.Operation, ch.Check, ch.Result)
		}
	}
	return nil
}

// ReadConformance loads a summary from a conformance.json file or a directory holding one.
func ReadConformance(path string) (*Conformance, error) {
	var c Conformance
	path, err := readJSONFile(path, ConformanceFile, "conformance summary", &c, &c.SchemaVersion, ConformanceSchemaVersion)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("conformance summary %s: %w", path, err)
	}
	return &c, nil
}

// WriteConformance writes c as indented JSON to dir/conformance.json, creating dir.
func WriteConformance(dir string, c *Conformance) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("conformance summary: %w", err)
	}
	c.SchemaVersion = ConformanceSchemaVersion
	if err := writeJSONFile(dir, ConformanceFile, c); err != nil {
		return fmt.Errorf("write conformance summary: %w", err)
	}
	return nil
}

// RenderConformanceMarkdown writes one summary as a CI job summary: the
// verdict, failures first with their reasons, then every check and the coverage.
func RenderConformanceMarkdown(w io.Writer, c *Conformance) error {
	md := &mdWriter{w: w}
	_, fail, _ := c.Counts()
	mark := "✅"
	if fail > 0 {
		mark = "❌"
	}
	md.printf("## Conformance: %s\n\n", mdEscape(c.Column()))
	md.printf("%s **%s** against `%s`, started %s.\n\n", mark, c.CountsLine(), mdCode(displayTarget(c.Target)), fmtTime(c.StartedAt))

	checks := sortedChecks(c.Checks)
	if fail > 0 {
		md.printf("### Failures\n\n")
		md.table([]string{"operation", "check", "reason", "evidence"}, []bool{false, false, false, false})
		for _, ch := range checks {
			if ch.Result == ResultFail {
				md.row("`"+mdCode(ch.Operation)+"`", ch.Check, mdEscape(scrubText(ch.Reason)), evidenceLinks(ch.FailureIDs))
			}
		}
		md.printf("\n")
	}
	renderAcceptancesMarkdown(md, c, checks)
	renderEvidenceMarkdown(md, c)
	if len(checks) > 0 {
		md.printf("<details><summary>All %d checks</summary>\n\n", len(checks))
		md.table([]string{"operation", "check", "result", "reason"}, []bool{false, false, false, false})
		for _, ch := range checks {
			md.row("`"+mdCode(ch.Operation)+"`", ch.Check, resultMark(ch.Result), mdEscape(scrubText(ch.Reason)))
		}
		md.printf("\n</details>\n\n")
	}
	if ops := c.Coverage.Operations; len(ops) > 0 {
		exercised := 0
		for _, o := range ops {
			if o.Exercised {
				exercised++
			}
		}
		md.printf("### Coverage\n\n%d of %d documented operations exercised.\n\n", exercised, len(ops))
		md.table([]string{"operation", "exercised", "statuses exercised", "documented, not exercised"}, []bool{false, false, false, false})
		for _, o := range ops {
			ex := "❌"
			if o.Exercised {
				ex = "✅"
			}
			md.row("`"+mdCode(o.Operation)+"`", ex, strings.Join(o.ExercisedStatuses, ", "), mdEscape(notExercisedText(o)))
		}
		md.printf("\n")
	}
	return md.err
}

// sortedChecks orders checks failures first, then accepted, skipped, passed.
func sortedChecks(cs []ConformanceCheck) []ConformanceCheck {
	checks := append([]ConformanceCheck(nil), cs...)
	rank := map[string]int{ResultFail: 0, ResultAccepted: 1, ResultSkipped: 2, ResultPass: 3}
	sort.SliceStable(checks, func(i, j int) bool { return rank[checks[i].Result] < rank[checks[j].Result] })
	return checks
}

// renderAcceptancesMarkdown lists the accepted checks and what each entry
// of the accept file did.
func renderAcceptancesMarkdown(md *mdWriter, c *Conformance, checks []ConformanceCheck) {
	if c.AcceptFile == "" {
		return
	}
	md.printf("### Accepted deviations\n\n")
	if n := c.AcceptedCount(); n > 0 {
		md.table([]string{"operation", "check", "reason", "evidence"}, []bool{false, false, false, false})
		for _, ch := range checks {
			if ch.Result == ResultAccepted {
				md.row("`"+mdCode(ch.Operation)+"`", ch.Check, mdEscape(scrubText(ch.Reason)), evidenceLinks(ch.FailureIDs))
			}
		}
		md.printf("\n")
	}
	md.printf("Entries of `%s`:\n\n", mdCode(c.AcceptFile))
	md.table([]string{"line", "operation", "check", "state", "matched", "expires", "reason"}, []bool{true, false, false, false, false, false, false})
	for _, d := range c.Acceptances {
		md.row(fmt.Sprint(d.Line), "`"+mdCode(d.Operation)+"`", d.Check, acceptStateText(d.State), evidenceLinks(d.FailureIDs)+mdEscape(strings.Join(d.Statuses, ", ")), d.Expires, mdEscape(scrubText(d.Reason)))
	}
	md.printf("\n")
}

// acceptStateText says what an entry's state means for the run.
func acceptStateText(state string) string {
	switch state {
	case AcceptApplied:
		return "applied"
	case AcceptExpired:
		return "❌ expired: its failures fail again"
	case AcceptStale:
		return "stale: matched nothing"
	}
	return state
}

// missingStatuses lists documented statuses the suites never saw.
func missingStatuses(o OperationCoverage) []string {
	seen := map[string]bool{}
	for _, s := range o.ExercisedStatuses {
		seen[s] = true
	}
	var out []string
	for _, s := range o.DocumentedStatuses {
		if !seen[s] {
			out = append(out, s)
		}
	}
	return out
}

// notExercisedText lists the missing statuses, each with its reason when the summary gives one.
func notExercisedText(o OperationCoverage) string {
	reasons := map[string]string{}
	for _, r := range o.NotExercised {
		reasons[r.Status] = r.Reason
	}
	missing := missingStatuses(o)
	for i, s := range missing {
		if r := reasons[s]; r != "" {
			missing[i] = s + " (" + r + ")"
		}
	}
	return strings.Join(missing, ", ")
}

// resultMark renders a check result for Markdown.
func resultMark(result string) string {
	switch result {
	case ResultPass:
		return "✅ pass"
	case ResultFail:
		return "❌ fail"
	case ResultSkipped:
		return "➖ skipped"
	case ResultAccepted:
		return "☑️ accepted"
	}
	return "·"
}
