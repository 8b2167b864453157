package fuzz

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/fgharness/fgharness/internal/evidence"
)

// maxShownBody bounds how much of a body the report prints; the whole
// request stays in failures.json.
const maxShownBody = 2000

// WriteReportFile writes the run as Markdown to path; runDir is the
// directory replay is pointed at.
func WriteReportFile(path string, res Result, runDir string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write the fuzz report: %w", err)
	}
	w := bufio.NewWriter(f)
	WriteReport(w, res, runDir)
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write the fuzz report: %w", err)
	}
	return f.Close()
}

// WriteReport writes the run as Markdown: seed and budget, what each
// operation got, and every failure with its shrunk request, the answer,
// the rule and how to replay it.
func WriteReport(w io.Writer, res Result, runDir string) {
	fmt.Fprintf(w, "# fgh contract --fuzz\n\n")
	fmt.Fprintf(w, "- seed: `%d` (`--seed %d` sends the same requests again)\n", res.Seed, res.Seed)
	fmt.Fprintf(w, "- budget: %s; %d operations, %d requests in %.1fs\n", budgetText(res.Budget), len(res.Operations), res.Requests(), res.Duration.Seconds())
	fmt.Fprintf(w, "- failures: %d\n\n", len(res.Failures))
	for _, fail := range res.Failures {
		writeFailure(w, fail, runDir)
	}
	fmt.Fprintf(w, "## Operations\n\n| operation | valid requests must succeed | requests | of them edge cases | failure |\n|---|---|---|---|---|\n")
	for _, o := range res.Operations {
		positive := "no: names what the run does not own"
		if o.Positive {
			positive = "yes"
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %s |\n", o.Operation, positive, o.Requests, o.Edges, o.FailureID)
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(w, "\n## Not fuzzed\n\n")
		ops := make([]string, 0, len(res.Skipped))
		for op := range res.Skipped {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		for _, op := range ops {
			fmt.Fprintf(w, "- %s: %s\n", op, res.Skipped[op])
		}
	}
}

func writeFailure(w io.Writer, fail evidence.Failure, runDir string) {
	fmt.Fprintf(w, "## %s: %s\n\n", fail.ID, fail.Operation)
	fmt.Fprintf(w, "- rule (%s): %s\n- broken: %s\n", fail.Check, fail.Rule, fail.Violation)
	if fail.Accepted != "" {
		fmt.Fprintf(w, "- accepted deviation: %s\n", fail.Accepted)
	}
	shrunk := ""
	if fail.Shrunk {
		shrunk = " (shrunk)"
	}
	fmt.Fprintf(w, "- request%s: `%s %s`, %d-byte body\n", shrunk, fail.Request.Method, fail.Request.URL, fail.Request.Body.Len())
	if b := fail.Request.Body.Text; b != "" && fail.Request.Body.Encoding == "" {
		fmt.Fprintf(w, "\n```json\n%s\n```\n\n", shown(b))
	}
	if fail.Response != nil {
		fmt.Fprintf(w, "- answer: %d\n\n```\n%s\n```\n\n", fail.Response.Status, shown(fail.Response.Body.Text))
	}
	fmt.Fprintf(w, "- replay: `fgh contract replay %s %s`\n\n", runDir, fail.ID)
}

func shown(s string) string {
	if len(s) <= maxShownBody {
		return s
	}
	return s[:maxShownBody] + fmt.Sprintf("… (%d bytes more)", len(s)-maxShownBody)
}

func budgetText(b Budget) string {
	if b.Time > 0 {
		return b.Time.String() + " for the run"
	}
	return fmt.Sprintf("%d cases per operation", b.Cases)
}

func (r Result) edges() int {
	n := 0
	for _, o := range r.Operations {
		n += o.Edges
	}
	return n
}

// Summary is the run in a few lines for the terminal.
func (r Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fuzz: %d operations, %d requests (%d of the edge set), %d failures in %.1fs (seed %d)\n",
		len(r.Operations), r.Requests(), r.edges(), len(r.Failures), r.Duration.Seconds(), r.Seed)
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "  %s %s %s: %s: %s\n", f.ID, f.Operation, f.Check, f.Rule, f.Violation)
		if f.Accepted != "" {
			fmt.Fprintf(&b, "    accepted: %s\n", f.Accepted)
		}
	}
	return b.String()
}
