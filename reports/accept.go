package reports

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fgharness/fgharness/internal/evidence"
)

// CheckUnexercised is the check an accepted deviation names to waive a
// documented status that --fail-on-unexercised would otherwise fail on.
const CheckUnexercised = "unexercised"

// States of an accepted deviation after a run.
const (
	AcceptApplied = "applied" // it matched failures and is in force: they are accepted
	AcceptExpired = "expired" // it matched failures but its date has passed: they fail again
	AcceptStale   = "stale"   // it matched nothing in this run
)

// Acceptance is one known deviation of a vendor, as an accept file states
// it. It matches a failure when Operation and Check are the failure's and
// every matcher set in Match holds.
type Acceptance struct {
	Operation string      `json:"operation"` // an operationId, or "*" for any
	Check     string      `json:"check"`     // schema, status, error_code, headers, behaviour or unexercised
	Match     AcceptMatch `json:"match"`
	Reason    string      `json:"reason"`
	Link      string      `json:"link,omitempty"`
	Expires   string      `json:"expires"` // YYYY-MM-DD, in force through that day (UTC)
	Line      int         `json:"line"`    // of the entry in the accept file

	message *regexp.Regexp
	until   time.Time // the first instant the entry no longer holds
}

// AcceptMatch narrows an acceptance to particular violations; at least one
// matcher is required, and all that are set must hold.
type AcceptMatch struct {
	// ID is a failure id (stable across runs for the same operation, check
	// and place).
	ID string `json:"id,omitempty"`
	// Location is the violation's location ("status", "body /request_id",
	// "header X-Cff-Request-Id", "behaviour"), compared exactly, or as a
	// prefix when it ends with "*".
	Location string `json:"location,omitempty"`
	// Message is a regular expression (Go RE2 syntax) searched, unanchored,
	// in the violation's one-line text as the report's "Where" line shows it
	// and in the rule; a hit in either is a match.
	Message string `json:"message,omitempty"`
	// Status is the answer's status; for the unexercised check, the
	// documented status that was never observed.
	Status int `json:"status,omitempty"`
}

// AcceptedDeviation is one entry of the accept file and what it did in a
// run, as conformance.json records it.
type AcceptedDeviation struct {
	Acceptance
	State string `json:"state"` // AcceptApplied, AcceptExpired or AcceptStale
	// FailureIDs are the failures it matched; Statuses the unexercised
	// statuses ("operation status") it matched.
	FailureIDs []string `json:"failure_ids,omitempty"`
	Statuses   []string `json:"statuses,omitempty"`
}

// Acceptances are the entries of one accept file and, once a run judged
// its failures against them, what each matched. Safe for concurrent use.
type Acceptances struct {
	File    string
	Entries []Acceptance
	// Now decides expiry; LoadAcceptances sets it to the time of loading.
	Now time.Time

	mu   sync.Mutex
	hits map[int]*AcceptedDeviation // by index into Entries
}

// AcceptVerdict is what the accept file says about one failure or status.
type AcceptVerdict struct {
	// Accepted: an entry in force matched; Note says which and why.
	// Expired: only entries past their date matched; Note says so.
	Accepted, Expired bool
	Note              string
}

var acceptChecks = []string{CheckSchema, CheckStatus, CheckErrorCode, CheckHeaders, CheckBehaviour, CheckUnexercised}

// LoadAcceptances reads and checks an accept file; its errors name the
// file, the line and the field at fault.
func LoadAcceptances(path string) (*Acceptances, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("accept file: %w", err)
	}
	a, err := ParseAcceptances(path, data)
	if err != nil {
		return nil, err
	}
	a.Now = time.Now()
	return a, nil
}

// ParseAcceptances parses an accept file's content; name is used in errors.
//
// The file is a YAML mapping with one key, accept, holding a list of
// entries; each entry has operation, check, match (id, location, message,
// status), reason, link and expires.
func ParseAcceptances(name string, data []byte) (*Acceptances, error) {
	a := &Acceptances{File: name}
	fail := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("accept file %s:%d: %s", name, n.Line, fmt.Sprintf(format, args...))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("accept file %s: %w", name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("accept file %s: empty; it needs an accept: list of entries", name)
	}
	root := doc.Content[0]
	fields, err := mappingFields(root, []string{"accept"}, fail)
	if err != nil {
		return nil, err
	}
	list, ok := fields["accept"]
	if !ok {
		return nil, fail(root, "missing the accept: list of entries")
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fail(list, "accept must be a list of entries")
	}
	for i, item := range list.Content {
		e, err := parseAcceptance(item, fail)
		if err != nil {
			return nil, fmt.Errorf("%w (entry %d)", err, i+1)
		}
		a.Entries = append(a.Entries, e)
	}
	return a, nil
}

type nodeError func(n *yaml.Node, format string, args ...any) error

// mappingFields returns the values of a mapping by key, refusing unknown
// and repeated keys.
func mappingFields(n *yaml.Node, known []string, fail nodeError) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fail(n, "expected a mapping with the fields %s", strings.Join(known, ", "))
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(known, k.Value) {
			return nil, fail(k, "unknown field %q (known: %s)", k.Value, strings.Join(known, ", "))
		}
		if _, dup := out[k.Value]; dup {
			return nil, fail(k, "field %q given twice", k.Value)
		}
		out[k.Value] = v
	}
	return out, nil
}

func parseAcceptance(item *yaml.Node, fail nodeError) (Acceptance, error) {
	e := Acceptance{Line: item.Line}
	fields, err := mappingFields(item, []string{"operation", "check", "match", "reason", "link", "expires"}, fail)
	if err != nil {
		return e, err
	}
	str := func(key string, required bool) (string, error) {
		v, ok := fields[key]
		if !ok {
			if required {
				return "", fail(item, "missing field %q", key)
			}
			return "", nil
		}
		if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
			return "", fail(v, "%s must be a non-empty text", key)
		}
		return strings.TrimSpace(v.Value), nil
	}
	var errs []error
	collect := func(dst *string, key string, required bool) {
		s, err := str(key, required)
		*dst = s
		if err != nil {
			errs = append(errs, err)
		}
	}
	collect(&e.Operation, "operation", true)
	collect(&e.Check, "check", true)
	collect(&e.Reason, "reason", true)
	collect(&e.Link, "link", false)
	collect(&e.Expires, "expires", true)
	if err := errors.Join(errs...); err != nil {
		return e, err
	}
	if !slices.Contains(acceptChecks, e.Check) {
		return e, fail(fields["check"], "check %q is not one of %s", e.Check, strings.Join(acceptChecks, ", "))
	}
	day, err := time.Parse(time.DateOnly, e.Expires)
	if err != nil {
		return e, fail(fields["expires"], "expires %q is not a date YYYY-MM-DD", e.Expires)
	}
	e.until = day.AddDate(0, 0, 1)
	m, ok := fields["match"]
	if !ok {
		return e, fail(item, "missing field \"match\": say which violations it accepts (id, location, message, status)")
	}
	if e.Match, e.message, err = parseMatch(m, e.Check, fail); err != nil {
		return e, err
	}
	return e, nil
}

func parseMatch(n *yaml.Node, check string, fail nodeError) (AcceptMatch, *regexp.Regexp, error) {
	var m AcceptMatch
	fields, err := mappingFields(n, []string{"id", "location", "message", "status"}, fail)
	if err != nil {
		return m, nil, err
	}
	for key, v := range fields {
		if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
			return m, nil, fail(v, "match.%s must be a non-empty text", key)
		}
	}
	if v, ok := fields["status"]; ok {
		s, err := strconv.Atoi(v.Value)
		if err != nil || s < 100 || s > 599 {
			return m, nil, fail(v, "match.status %q is not an HTTP status", v.Value)
		}
		m.Status = s
	}
	var re *regexp.Regexp
	if v, ok := fields["message"]; ok {
		if re, err = regexp.Compile(v.Value); err != nil {
			return m, nil, fail(v, "match.message is not a regular expression: %v", err)
		}
		m.Message = v.Value
	}
	if v, ok := fields["id"]; ok {
		m.ID = strings.TrimSpace(v.Value)
	}
	if v, ok := fields["location"]; ok {
		m.Location = strings.TrimSpace(v.Value)
	}
	if check == CheckUnexercised {
		if m.Status == 0 || len(fields) != 1 {
			return m, nil, fail(n, "an unexercised entry matches by status alone (match: {status: 503})")
		}
		return m, re, nil
	}
	if len(fields) == 0 {
		return m, nil, fail(n, "match needs at least one of id, location, message, status")
	}
	return m, re, nil
}

// Expired tells whether the entry no longer holds at now.
func (e Acceptance) Expired(now time.Time) bool { return !now.Before(e.until) }

// matches tells whether the entry describes failure f.
func (e Acceptance) matches(f evidence.Failure) bool {
	if e.Check == CheckUnexercised || (e.Operation != "*" && e.Operation != f.Operation) || e.Check != f.Check {
		return false
	}
	m := e.Match
	if m.ID != "" && m.ID != f.ID {
		return false
	}
	if m.Location != "" {
		if prefix, ok := strings.CutSuffix(m.Location, "*"); ok {
			if !strings.HasPrefix(f.Violation.Location, prefix) {
				return false
			}
		} else if m.Location != f.Violation.Location {
			return false
		}
	}
	if m.Status != 0 && m.Status != failureStatus(f) {
		return false
	}
	if e.message != nil && !e.message.MatchString(f.Violation.String()) && !e.message.MatchString(f.Rule) {
		return false
	}
	return true
}

func failureStatus(f evidence.Failure) int {
	if f.Response != nil {
		return f.Response.Status
	}
	return f.Violation.Status
}

// note describes an entry in force for a report line.
func (e Acceptance) note() string {
	s := e.Reason
	if e.Link != "" {
		s += " (" + e.Link + ")"
	}
	return s + fmt.Sprintf("; until %s, accept file line %d", e.Expires, e.Line)
}

// JudgeFailure decides f against the entries: the first entry in force
// that matches accepts it; when only expired entries match, it fails
// again and the verdict says which entry expired.
func (a *Acceptances) JudgeFailure(f evidence.Failure) AcceptVerdict {
	if a == nil {
		return AcceptVerdict{}
	}
	return a.judge(func(e Acceptance) bool { return e.matches(f) }, func(d *AcceptedDeviation) {
		// A proxy judges every repeat of a rule under the id of its first.
		if f.ID != "" && !slices.Contains(d.FailureIDs, f.ID) {
			d.FailureIDs = append(d.FailureIDs, f.ID)
		}
	})
}

// JudgeUnexercised decides a documented status of op that the run never
// observed against the entries with check unexercised.
func (a *Acceptances) JudgeUnexercised(op, status string) AcceptVerdict {
	if a == nil {
		return AcceptVerdict{}
	}
	return a.judge(func(e Acceptance) bool {
		return e.Check == CheckUnexercised && (e.Operation == "*" || e.Operation == op) && strconv.Itoa(e.Match.Status) == status
	}, func(d *AcceptedDeviation) { d.Statuses = append(d.Statuses, op+" "+status) })
}

// Annotate records in c what the accept file did: which never-observed
// statuses of the operations c selected its unexercised entries waive (or
// no longer waive, once expired), the file's name and every entry's
// outcome. It is the last step of building a summary, after every failure
// was judged; nil does nothing. Each call judges the gaps of c afresh,
// so a summary written again later (the proxy's) neither repeats a status
// nor keeps one that has been observed since.
func (a *Acceptances) Annotate(c *Conformance) {
	if a == nil {
		return
	}
	a.forgetUnexercised()
	index := map[string]int{}
	for i, o := range c.Coverage.Operations {
		index[o.Operation] = i
	}
	for _, g := range c.Unexercised() {
		v := a.JudgeUnexercised(g.Operation, g.Status)
		if !v.Accepted && !v.Expired {
			continue
		}
		o := &c.Coverage.Operations[index[g.Operation]]
		j := slices.IndexFunc(o.NotExercised, func(r StatusReason) bool { return r.Status == g.Status })
		if j < 0 {
			o.NotExercised = append(o.NotExercised, StatusReason{Status: g.Status})
			j = len(o.NotExercised) - 1
		}
		if r := &o.NotExercised[j]; v.Accepted {
			r.Accepted = v.Note
		} else {
			r.Reason = strings.TrimSuffix(v.Note+" — "+r.Reason, " — ")
		}
	}
	c.AcceptFile, c.Acceptances = a.File, a.Outcomes()
}

// forgetUnexercised drops what the unexercised entries matched so far.
func (a *Acceptances) forgetUnexercised() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range a.hits {
		if a.Entries[i].Check == CheckUnexercised {
			delete(a.hits, i)
		}
	}
}

func (a *Acceptances) judge(match func(Acceptance) bool, hit func(*AcceptedDeviation)) AcceptVerdict {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hits == nil {
		a.hits = map[int]*AcceptedDeviation{}
	}
	expired := -1
	for i, e := range a.Entries {
		if !match(e) {
			continue
		}
		if e.Expired(a.Now) {
			if expired < 0 {
				expired = i
			}
			continue
		}
		hit(a.deviation(i, AcceptApplied))
		return AcceptVerdict{Accepted: true, Note: e.note()}
	}
	if expired < 0 {
		return AcceptVerdict{}
	}
	e := a.Entries[expired]
	hit(a.deviation(expired, AcceptExpired))
	return AcceptVerdict{Expired: true, Note: fmt.Sprintf("accepted deviation expired on %s (accept file line %d: %s); it fails again", e.Expires, e.Line, e.Reason)}
}

func (a *Acceptances) deviation(i int, state string) *AcceptedDeviation {
	d := a.hits[i]
	if d == nil {
		d = &AcceptedDeviation{Acceptance: a.Entries[i], State: state}
		a.hits[i] = d
	}
	return d
}

// Outcomes lists every entry with what it did in the run, in file order:
// applied, expired, or stale when it matched nothing.
func (a *Acceptances) Outcomes() []AcceptedDeviation {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]AcceptedDeviation, len(a.Entries))
	for i, e := range a.Entries {
		if d := a.hits[i]; d != nil {
			out[i] = *d
			sort.Strings(out[i].FailureIDs)
			continue
		}
		out[i] = AcceptedDeviation{Acceptance: e, State: AcceptStale}
	}
	return out
}

// RenderAcceptanceText writes what the accept file did, for the terminal:
// each accepted check, then each expired or stale entry.
func RenderAcceptanceText(w io.Writer, c *Conformance) error {
	if c.AcceptFile == "" {
		return nil
	}
	ew := &mdWriter{w: w} // plain text: printf only
	if n := c.AcceptedCount(); n > 0 {
		ew.printf("accepted: %d check(s) failed only with known deviations of %s\n", n, c.AcceptFile)
		for _, ch := range c.Checks {
			if ch.Result == ResultAccepted {
				ew.printf("  %s %s [%s]: %s\n", ch.Operation, ch.Check, strings.Join(ch.FailureIDs, " "), firstLineOf(scrubText(ch.Reason)))
			}
		}
	}
	for _, d := range c.Acceptances {
		switch d.State {
		case AcceptExpired:
			ew.printf("accept file %s:%d (%s %s) expired on %s: its failures fail again [%s]\n", c.AcceptFile, d.Line, d.Operation, d.Check, d.Expires,
				strings.Join(append(append([]string{}, d.FailureIDs...), d.Statuses...), " "))
		case AcceptStale:
			ew.printf("accept file %s:%d (%s %s) is stale: it matched nothing in this run\n", c.AcceptFile, d.Line, d.Operation, d.Check)
		}
	}
	return ew.err
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
