package reports

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
)

// CompatMatrix is the vendor compatibility matrix: one row per operation ×
// check, one column per conformance summary.
type CompatMatrix struct {
	Columns []CompatColumn
	Rows    []CompatRow
}

// CompatColumn is one target's column, its totals and its conformance score.
type CompatColumn struct {
	Name                string
	Target              string
	Pass, Fail, Skipped int
	Accepted            int
	Score               Score
}

// CompatRow is one operation × check across every target.
type CompatRow struct {
	Operation string
	Check     string
	Cells     []CompatCell // one per column
}

// CompatCell is one target's result for a row; Result is "" when the target's run did not make the check.
type CompatCell struct {
	Result  string
	Reasons []string
}

// BuildCompatMatrix lines up summaries side by side. When a summary holds
// the same operation × check several times, one failure fails the cell, and
// any pass without a failure passes it.
func BuildCompatMatrix(summaries []*Conformance) *CompatMatrix {
	m := &CompatMatrix{}
	type key struct{ op, check string }
	rows := map[key]*CompatRow{}
	for col, c := range summaries {
		pass, fail, skipped := c.Counts()
		m.Columns = append(m.Columns, CompatColumn{Name: c.Column(), Target: displayTarget(c.Target), Pass: pass, Fail: fail, Skipped: skipped, Accepted: c.AcceptedCount()})
		for _, ch := range c.Checks {
			k := key{ch.Operation, ch.Check}
			row := rows[k]
			if row == nil {
				row = &CompatRow{Operation: ch.Operation, Check: ch.Check, Cells: make([]CompatCell, len(summaries))}
				rows[k] = row
			}
			cell := &row.Cells[col]
			cell.Result = worstResult(cell.Result, ch.Result)
			if ch.Reason != "" && ch.Result != ResultPass {
				cell.Reasons = append(cell.Reasons, scrubText(ch.Reason))
			}
		}
	}
	checkOrder := map[string]int{CheckSchema: 0, CheckStatus: 1, CheckErrorCode: 2, CheckHeaders: 3, CheckBehaviour: 4}
	for _, r := range rows {
		m.Rows = append(m.Rows, *r)
	}
	sort.Slice(m.Rows, func(i, j int) bool {
		a, b := m.Rows[i], m.Rows[j]
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		return checkOrder[a.Check] < checkOrder[b.Check]
	})
	for col := range m.Columns {
		m.Columns[col].Score = scoreColumn(m.Rows, col)
	}
	return m
}

// worstResult combines two results of one cell: fail beats accepted beats
// pass beats skipped beats not run.
func worstResult(a, b string) string {
	rank := map[string]int{"": 0, ResultSkipped: 1, ResultPass: 2, ResultAccepted: 3, ResultFail: 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// Differs reports whether the targets disagree on a row (ignoring targets that did not run it).
func (r CompatRow) Differs() bool {
	seen := ""
	for _, c := range r.Cells {
		if c.Result == "" || c.Result == ResultSkipped {
			continue
		}
		if seen != "" && c.Result != seen {
			return true
		}
		seen = c.Result
	}
	return false
}

// RenderMarkdown writes the matrix as a Markdown table, totals first.
func (m *CompatMatrix) RenderMarkdown(w io.Writer) error {
	md := &mdWriter{w: w}
	md.printf("## Compatibility matrix\n\n")
	head := []string{"operation", "check"}
	for _, c := range m.Columns {
		head = append(head, mdEscape(c.Name))
	}
	md.table(head, make([]bool, len(head)))
	totals := []string{"**total**", ""}
	scores := []string{"**score**", ""}
	for _, c := range m.Columns {
		t := fmt.Sprintf("%d ✅ %d ❌ %d ➖", c.Pass, c.Fail, c.Skipped)
		if c.Accepted > 0 {
			t += fmt.Sprintf(" %d ☑️", c.Accepted)
		}
		totals = append(totals, t)
		scores = append(scores, "**"+c.Score.String()+"**")
	}
	md.row(totals...)
	md.row(scores...)
	for _, r := range m.Rows {
		cells := []string{"`" + mdCode(r.Operation) + "`", r.Check}
		for _, c := range r.Cells {
			cell := compatMark(c.Result)
			if len(c.Reasons) > 0 {
				cell += " " + mdEscape(strings.Join(c.Reasons, "; "))
			}
			cells = append(cells, cell)
		}
		md.row(cells...)
	}
	md.printf("\n✅ pass · ❌ fail · ☑️ accepted deviation · ➖ skipped · blank: not run against that target\n")
	md.printf("\nScore: the weighted share of the judged cells (pass, fail or accepted) that passed; behaviour cells weigh %g, the others 1; accepted cells count as not passed, skipped and blank cells are left out (docs/gates.md).\n", checkWeights[CheckBehaviour])
	return md.err
}

func compatMark(result string) string {
	switch result {
	case ResultPass:
		return "✅"
	case ResultFail:
		return "❌"
	case ResultSkipped:
		return "➖"
	case ResultAccepted:
		return "☑️"
	}
	return ""
}

// RenderHTML writes the matrix as a self-contained page; reasons show on hover.
func (m *CompatMatrix) RenderHTML(w io.Writer) error {
	return compatPage.Execute(w, struct {
		*CompatMatrix
		BehaviourWeight float64
	}{m, checkWeights[CheckBehaviour]})
}

// compatWord is a cell's result as a word: the HTML page uses words, not
// emoji, which a machine without an emoji font draws as empty boxes.
func compatWord(result string) string {
	if result == ResultSkipped {
		return "skip"
	}
	return result
}

var compatPage = template.Must(template.New("compat").Funcs(template.FuncMap{
	"mark":   compatWord,
	"reason": func(c CompatCell) string { return strings.Join(c.Reasons, "\n") },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fgh compatibility matrix</title>
<style>` + pageStyle + `
td.cell{text-align:center} .cell.pass{background:#dafbe1;color:#1a7f37} .cell.fail{background:#ffebe9;color:#cf222e;font-weight:600} .cell.skipped{background:#f0f1f4;color:#666} .cell.accepted{background:#fff8c5;color:#9a6700}
span.cell{padding:1px 6px;border-radius:3px}
tr.differs td:first-child{border-left:3px solid #d29922}
</style></head>
<body><main>
<h1>Compatibility matrix</h1>
<div class="sub">One row per operation and check, one column per target. Rows where targets disagree are marked on the left; hover a cell for the reason.</div>
<table id="compat"><tr><th>operation</th><th>check</th>{{range .Columns}}<th title="{{.Target}}">{{.Name}}</th>{{end}}</tr>
<tr><th>total</th><th></th>{{range .Columns}}<th>{{.Pass}} pass · {{.Fail}} fail · {{.Skipped}} skip{{if .Accepted}} · {{.Accepted}} accepted{{end}}</th>{{end}}</tr>
<tr id="score"><th>score</th><th></th>{{range .Columns}}<th title="{{.Score.Explain}}">{{.Score}}</th>{{end}}</tr>
{{range .Rows}}<tr{{if .Differs}} class="differs"{{end}}><td><code>{{.Operation}}</code></td><td>{{.Check}}</td>{{range .Cells}}<td class="cell {{.Result}}" title="{{reason .}}">{{mark .Result}}</td>{{end}}</tr>
{{end}}</table>
<p><span class="cell pass">pass</span> · <span class="cell fail">fail</span> · <span class="cell accepted">accepted</span>: a known deviation an accept file accepts · <span class="cell skipped">skip</span>: skipped · blank: not run against that target</p>
<p>Score: the weighted share of the judged cells (pass, fail or accepted) that passed; behaviour cells weigh {{.BehaviourWeight}}, the others 1; accepted cells count as not passed, skipped and blank cells are left out.</p>
</main></body></html>
`))
