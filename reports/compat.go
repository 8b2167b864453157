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

// CompatColumn is one target's column and its totals.
type CompatColumn struct {
	Name                string
	Target              string
	Pass, Fail, Skipped int
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
		m.Columns = append(m.Columns, CompatColumn{Name: c.Column(), Target: displayTarget(c.Target), Pass: pass, Fail: fail, Skipped: skipped})
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
	return m
}

// worstResult combines two results of one cell: fail beats pass beats skipped beats not run.
func worstResult(a, b string) string {
	rank := map[string]int{"": 0, ResultSkipped: 1, ResultPass: 2, ResultFail: 3}
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
	for _, c := range m.Columns {
		totals = append(totals, fmt.Sprintf("%d ✅ %d ❌ %d ➖", c.Pass, c.Fail, c.Skipped))
	}
	md.row(totals...)
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
	md.printf("\n✅ pass · ❌ fail · ➖ skipped · blank: not run against that target\n")
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
	}
	return ""
}

// RenderHTML writes the matrix as a self-contained page; reasons show on hover.
func (m *CompatMatrix) RenderHTML(w io.Writer) error {
	return compatPage.Execute(w, m)
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
td.cell{text-align:center} .cell.pass{background:#dafbe1;color:#1a7f37} .cell.fail{background:#ffebe9;color:#cf222e;font-weight:600} .cell.skipped{background:#f0f1f4;color:#666}
span.cell{padding:1px 6px;border-radius:3px}
tr.differs td:first-child{border-left:3px solid #d29922}
</style></head>
<body><main>
<h1>Compatibility matrix</h1>
<div class="sub">One row per operation and check, one column per target. Rows where targets disagree are marked on the left; hover a cell for the reason.</div>
<table id="compat"><tr><th>operation</th><th>check</th>{{range .Columns}}<th title="{{.Target}}">{{.Name}}</th>{{end}}</tr>
<tr><th>total</th><th></th>{{range .Columns}}<th>{{.Pass}} pass · {{.Fail}} fail · {{.Skipped}} skip</th>{{end}}</tr>
{{range .Rows}}<tr{{if .Differs}} class="differs"{{end}}><td><code>{{.Operation}}</code></td><td>{{.Check}}</td>{{range .Cells}}<td class="cell {{.Result}}" title="{{reason .}}">{{mark .Result}}</td>{{end}}</tr>
{{end}}</table>
<p><span class="cell pass">pass</span> · <span class="cell fail">fail</span> · <span class="cell skipped">skip</span>: skipped · blank: not run against that target</p>
</main></body></html>
`))
