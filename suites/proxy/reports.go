package proxy

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/framework"
)

// Summary is the proxy's verdict so far.
type Summary struct {
	Conformance *reports.Conformance
	// Failures is how many failures hold evidence (repeats of one rule
	// beyond a few are only counted in the checks).
	Failures int
	stats
}

// Failed tells whether the upstream broke the contract or left an
// exchange unanswered.
func (s Summary) Failed() bool { return s.Conformance.Failed() || s.UpstreamErrors > 0 }

// Summary is the conformance summary of every exchange so far.
func (p *Proxy) Summary() Summary {
	c := p.tally.conformance(p.spec, p.upstream.Scheme+"://"+p.upstream.Host, p.opts.Name)
	return Summary{Conformance: c, Failures: len(p.rec.Failures()), stats: p.tally.stats()}
}

// WriteReports writes conformance.json, conformance.md and failures.json
// into dir, then scrubs every credential the proxy saw pass from them.
func (p *Proxy) WriteReports(dir string) (Summary, error) {
	s := p.Summary()
	if dir == "" {
		return s, nil
	}
	if err := reports.WriteConformance(dir, s.Conformance); err != nil {
		return s, err
	}
	var md bytes.Buffer
	if err := reports.RenderConformanceMarkdown(&md, s.Conformance); err != nil {
		return s, fmt.Errorf("render conformance summary: %w", err)
	}
	renderEvidence(&md, s, p.rec.Failures())
	if err := os.WriteFile(filepath.Join(dir, framework.ConformanceMDFile), md.Bytes(), 0o644); err != nil {
		return s, fmt.Errorf("write conformance summary: %w", err)
	}
	if err := p.rec.WriteFailures(dir); err != nil {
		return s, err
	}
	for _, name := range []string{framework.ConformanceJSON, framework.ConformanceMDFile, evidence.FailuresFile} {
		// The last line of defence: a credential that reached a report by
		// a way the redaction did not foresee is replaced there.
		if err := framework.ScrubFile(filepath.Join(dir, name), p.secrets.redact); err != nil {
			return s, err
		}
	}
	return s, nil
}

// renderEvidence appends what the proxy saw and each kept failure: the
// violated rule, the request and the answer.
func renderEvidence(w io.Writer, s Summary, failures []evidence.Failure) {
	fmt.Fprintf(w, "### Proxy\n\n%d exchanges validated, %d requests refused by the proxy (size, time or load limits), %d without a usable upstream answer.\n\n",
		s.Exchanges, s.Refused, s.UpstreamErrors)
	for _, e := range s.Errors {
		fmt.Fprintf(w, "- no answer: %s\n", oneLine(e))
	}
	if len(s.Errors) > 0 {
		fmt.Fprintln(w)
	}
	if len(failures) == 0 {
		return
	}
	fmt.Fprintf(w, "### Violations with evidence\n\nThe first %d of each rule; failures.json holds every request and answer in full, credentials redacted.\n\n", maxKeptPerRule)
	for _, f := range failures {
		fmt.Fprintf(w, "#### %s · `%s` · %s\n\n", f.ID, f.Operation, f.Check)
		fmt.Fprintf(w, "- rule: %s\n- violation: %s\n- request: `%s %s`\n", f.Rule, oneLine(f.Violation.String()), f.Request.Method, f.Request.URL)
		if f.Response != nil {
			fmt.Fprintf(w, "- answer: %d\n", f.Response.Status)
		}
		fmt.Fprintf(w, "\n<details><summary>request and answer</summary>\n\n```\n%s\n```\n\n", fence(exchangeText(f)))
		fmt.Fprintf(w, "</details>\n\n")
	}
}

// maxShownBody keeps a Markdown report readable: longer bodies are cut
// there and kept whole in failures.json.
const maxShownBody = 2048

func exchangeText(f evidence.Failure) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", f.Request.Method, f.Request.URL)
	writeHeaderAndBody(&b, f.Request.Header, f.Request.Body)
	if f.Response != nil {
		fmt.Fprintf(&b, "\n%d\n", f.Response.Status)
		writeHeaderAndBody(&b, f.Response.Header, f.Response.Body)
	}
	return b.String()
}

func writeHeaderAndBody(b *strings.Builder, h map[string][]string, body evidence.Body) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
	text := body.Text
	if body.Encoding != "" {
		text = fmt.Sprintf("(%d bytes, not text)", body.Len())
	}
	if len(text) > maxShownBody {
		text = text[:maxShownBody] + fmt.Sprintf("… (%d bytes in all)", len(text))
	}
	if text != "" {
		fmt.Fprintf(b, "\n%s\n", text)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// fence keeps a body from closing the Markdown code block around it.
func fence(s string) string { return strings.ReplaceAll(s, "```", "`\u200b``") }
