package proxy

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/framework"
)

// Summary is the proxy's verdict so far.
type Summary struct {
	Conformance *reports.Conformance
	// Failures is how many failures hold evidence (repeats of one rule
	// beyond a few are only counted in the checks).
	Failures int
	// Unexercised lists, with Options.FailOnUnexercised, the documented
	// statuses of the operations the clients used that no exchange was
	// answered with and no accept entry waives.
	Unexercised []reports.UnexercisedGap
	stats
}

// Failed tells whether the upstream broke the contract (beyond what the
// accept file accepts), left an exchange unanswered, or, with
// FailOnUnexercised, never answered a documented status of an operation
// the clients used.
func (s Summary) Failed() bool {
	return s.Conformance.Failed() || s.UpstreamErrors > 0 || len(s.Unexercised) > 0
}

// reportBodyLimit bounds a body inside the conformance summary;
// failures.json keeps it whole.
const reportBodyLimit = 16 << 10

// Summary is the conformance summary of every exchange so far, with the
// evidence of its failures.
func (p *Proxy) Summary() Summary {
	c := p.tally.conformance(p.spec, p.upstream.Scheme+"://"+p.upstream.Host, p.opts.Name)
	run := p.rec.Run()
	c.Auth = run.Auth
	c.Failures = reports.ClipFailures(run.Failures, reportBodyLimit)
	ids := map[checkKey][]string{}
	for _, f := range run.Failures {
		k := checkKey{f.Operation, f.Check}
		ids[k] = append(ids[k], f.ID)
	}
	for i, ch := range c.Checks {
		if ch.Result == reports.ResultFail || ch.Result == reports.ResultAccepted {
			c.Checks[i].FailureIDs = ids[checkKey{ch.Operation, ch.Check}]
		}
	}
	p.accept.Annotate(c)
	s := Summary{Conformance: c, Failures: len(run.Failures), stats: p.tally.stats()}
	if p.opts.FailOnUnexercised {
		s.Unexercised = c.UnwaivedGaps()
	}
	return s
}

// WriteReports writes conformance.json, conformance.md, conformance.html
// and failures.json into dir, then scrubs every credential the proxy saw
// pass from them.
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
	renderCounts(&md, s)
	if err := os.WriteFile(filepath.Join(dir, framework.ConformanceMDFile), md.Bytes(), 0o644); err != nil {
		return s, fmt.Errorf("write conformance summary: %w", err)
	}
	var page bytes.Buffer
	if err := reports.RenderConformanceHTML(&page, s.Conformance); err != nil {
		return s, fmt.Errorf("render conformance page: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, framework.ConformanceHTMLFile), page.Bytes(), 0o644); err != nil {
		return s, fmt.Errorf("write conformance page: %w", err)
	}
	if err := p.rec.WriteFailures(dir); err != nil {
		return s, err
	}
	for _, name := range []string{framework.ConformanceJSON, framework.ConformanceMDFile, framework.ConformanceHTMLFile, framework.FailuresFile} {
		// The last line of defence: a credential that reached a report by
		// a way the redaction did not foresee is replaced there.
		if err := framework.ScrubFile(filepath.Join(dir, name), p.secrets.redact); err != nil {
			return s, err
		}
	}
	if p.opts.HAR != "" {
		if err := framework.WriteHAR(p.rec, p.opts.HAR, p.secrets.redact); err != nil {
			return s, err
		}
	}
	return s, nil
}

// renderCounts appends what the proxy saw besides the checks: how many
// exchanges it validated, refused and could not get answered.
func renderCounts(w io.Writer, s Summary) {
	fmt.Fprintf(w, "### Proxy\n\n%d exchanges validated, %d requests refused by the proxy (size, time or load limits), %d without a usable upstream answer. The evidence of the first %d violations of each operation, check and place is kept; later ones are counted in the check.\n\n",
		s.Exchanges, s.Refused, s.UpstreamErrors, maxKeptPerRule)
	for _, e := range s.Errors {
		fmt.Fprintf(w, "- no answer: %s\n", strings.Join(strings.Fields(e), " "))
	}
	if len(s.Errors) > 0 {
		fmt.Fprintln(w)
	}
}
