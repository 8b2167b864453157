package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Failure is one broken rule with the evidence to read and replay it.
type Failure struct {
	// ID is stable across runs for the same operation, check and place
	// ("f" + 8 hex digits, "-2", "-3", ... for repeats within a run), so an
	// accepted deviation or a bug report can name it. Set by Recorder.Fail.
	ID        string `json:"id"`
	Operation string `json:"operation"`
	// Check is the conformance check the rule belongs to (schema, status,
	// errors, headers, behaviour) or a generator's own check name.
	Check string `json:"check"`
	// Rule is the rule in words, e.g. "an invalid request is answered 4xx".
	Rule string `json:"rule"`
	// Violation says where the answer broke the rule and how.
	Violation Violation `json:"violation"`
	// Request is the request that broke it (the shrunk one when Shrunk) and
	// Response its answer; Steps are the exchanges replay re-sends first,
	// in order (a stateful sequence before its last request), and Cleanup
	// the ones it sends after, unchecked (deleting what the steps created).
	Request  Request    `json:"request"`
	Response *Response  `json:"response,omitempty"`
	Steps    []Exchange `json:"steps,omitempty"`
	Cleanup  []Exchange `json:"cleanup,omitempty"`
	// Expect is what replay checks on the re-sent answer.
	Expect Expect `json:"expect"`
	// Seed is the generator seed that found it (nil: not generated);
	// Shrunk tells whether Request is the minimal case of a larger one.
	Seed   *int64 `json:"seed,omitempty"`
	Shrunk bool   `json:"shrunk,omitempty"`
	// Source names what found it: a Ginkgo spec's full text, "fuzz",
	// "sequence", "proxy".
	Source string `json:"source,omitempty"`
	// Accepted is the reason of the accepted deviation that matched it;
	// an accepted failure does not fail the run.
	Accepted string `json:"accepted,omitempty"`
}

// Expect is a failure's rule in a form replay checks without the code
// that found it. A replayed answer reproduces the failure when it breaks
// any condition set here; an Expect with none set cannot be re-checked.
type Expect struct {
	// Status lists the statuses the rule allows, as codes ("404") or
	// classes ("2xx", "4xx").
	Status []string `json:"status,omitempty"`
	// Spec: the exchange must validate against the spec; a violation at
	// Failure.Violation.Location (any violation when it is empty) reproduces.
	Spec bool `json:"spec,omitempty"`
	// BodyLacks must not occur in the answer's body (a deleted alias that
	// is still listed); BodyHas must occur (an update visible on read).
	BodyLacks string `json:"body_lacks,omitempty"`
	BodyHas   string `json:"body_has,omitempty"`
}

// Checkable tells whether replay can judge e.
func (e Expect) Checkable() bool {
	return len(e.Status) > 0 || e.Spec || e.BodyLacks != "" || e.BodyHas != ""
}

// StatusAllowed tells whether status matches one of the codes or classes in allowed.
func StatusAllowed(status int, allowed []string) bool {
	code := strconv.Itoa(status)
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == code || (len(a) == 3 && strings.HasSuffix(a, "xx") && a[0] == code[0]) {
			return true
		}
	}
	return false
}

// Recheck judges a replayed answer against f's rule: broken lists each
// condition the answer breaks again, in words (empty: the answer keeps the
// rule). violations are the spec violations of the replayed exchange.
func (f Failure) Recheck(resp *Response, violations []Violation) (broken []string) {
	e := f.Expect
	if resp == nil {
		return []string{"no answer"}
	}
	if len(e.Status) > 0 && !StatusAllowed(resp.Status, e.Status) {
		broken = append(broken, fmt.Sprintf("status %d, the rule allows %s", resp.Status, strings.Join(e.Status, " or ")))
	}
	if e.Spec {
		for _, v := range violations {
			sameSide := (v.Status == 0) == (f.Violation.Status == 0)
			if f.Violation.Location == "" || sameSide && strings.HasPrefix(v.Location, f.Violation.Location) {
				broken = append(broken, "spec: "+v.String())
				break
			}
		}
	}
	body := string(resp.Body.Bytes())
	if e.BodyLacks != "" && strings.Contains(body, e.BodyLacks) {
		broken = append(broken, fmt.Sprintf("the body still contains %q", e.BodyLacks))
	}
	if e.BodyHas != "" && !strings.Contains(body, e.BodyHas) {
		broken = append(broken, fmt.Sprintf("the body lacks %q", e.BodyHas))
	}
	return broken
}

// String is the violation in one line.
func (v Violation) String() string {
	var b strings.Builder
	if v.Status == 0 {
		b.WriteString("request")
	} else {
		fmt.Fprintf(&b, "response %d", v.Status)
	}
	b.WriteString(": " + v.Location)
	if v.Expected != "" {
		fmt.Fprintf(&b, ": expected %s", v.Expected)
		if v.Actual != "" {
			fmt.Fprintf(&b, ", got %s", v.Actual)
		}
	}
	if v.Message != "" {
		fmt.Fprintf(&b, " (%s)", v.Message)
	}
	return b.String()
}

// baseID names a failure by what broke, not by the run's resource names,
// so the same broken rule gets the same id in the next run.
func baseID(f Failure) string {
	where := f.Violation.Location
	if where == "" {
		where = f.Rule
	}
	sum := sha256.Sum256([]byte(f.Operation + "\x00" + f.Check + "\x00" + where))
	return "f" + hex.EncodeToString(sum[:4])
}
