package reports

import (
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/fgharness/fgharness/internal/evidence"
)

// ConformanceHTMLFile is the conformance summary as one self-contained page.
const ConformanceHTMLFile = "conformance.html"

// shownBody bounds how much of a body a report prints; failures.json
// keeps the whole body for replay.
const shownBody = 4096

// ClipFailures returns copies of fs fit for a report: bodies clipped to
// limit bytes, and the steps and cleanup exchanges (which only replay
// needs) left out.
func ClipFailures(fs []evidence.Failure, limit int) []evidence.Failure {
	out := make([]evidence.Failure, len(fs))
	for i, f := range fs {
		f.Steps, f.Cleanup = nil, nil
		f.Request.Body = clipBody(f.Request.Body, limit)
		if f.Response != nil {
			r := *f.Response
			r.Body = clipBody(r.Body, limit)
			f.Response = &r
		}
		out[i] = f
	}
	return out
}

func clipBody(b evidence.Body, limit int) evidence.Body {
	if b.Encoding != "" || b.Clipped > 0 || len(b.Text) <= limit {
		return b
	}
	cut := limit
	for cut > 0 && !utf8Start(b.Text[cut]) {
		cut--
	}
	return evidence.Body{Text: b.Text[:cut], Clipped: len(b.Text)}
}

func utf8Start(c byte) bool { return c&0xC0 != 0x80 }

// evidenceLinks points a failed check at its evidence below.
func evidenceLinks(ids []string) string {
	links := make([]string, len(ids))
	for i, id := range ids {
		links[i] = "[" + id + "](#" + id + ")"
	}
	return strings.Join(links, " ")
}

// failureView is one failure in words, shared by the Markdown and HTML renderers.
type failureView struct {
	ID, Operation, Check, Rule, Violation, Source, Found, Accepted string
	Request, Answer, Curl, Replay                                  string
	Checkable                                                      bool
}

func viewsOf(c *Conformance) []failureView {
	var out []failureView
	for _, f := range c.Failures {
		v := failureView{
			ID: f.ID, Operation: f.Operation, Check: f.Check, Rule: scrubText(f.Rule), Source: scrubText(f.Source),
			Accepted: scrubText(f.Accepted), Checkable: f.Expect.Checkable(),
			Replay: "fgh contract replay DIR " + f.ID,
		}
		if f.Violation.Location != "" && f.Violation.Location != "behaviour" {
			v.Violation = scrubText(f.Violation.String())
		}
		var found []string
		if f.Seed != nil {
			found = append(found, fmt.Sprintf("seed %d", *f.Seed))
		}
		if f.Shrunk {
			found = append(found, "shrunk to a minimal case")
		}
		v.Found = strings.Join(found, ", ")
		if f.Request.Method != "" {
			v.Request = scrubText(requestText(f.Request))
			if c.Auth == "token" {
				v.Curl = evidence.Curl(scrubRequest(f.Request))
			}
		}
		if f.Response != nil {
			v.Answer = scrubText(answerText(*f.Response))
		}
		out = append(out, v)
	}
	return out
}

// scrubRequest is q with secret-looking text scrubbed, so that what
// builds on it (the curl command, whose $FGH_TOKEN scrubText would eat)
// needs no scrubbing afterwards.
func scrubRequest(q evidence.Request) evidence.Request {
	q.URL = scrubText(q.URL)
	h := make(http.Header, len(q.Header))
	for k, vs := range q.Header {
		for _, v := range vs {
			h.Add(k, scrubText(v))
		}
	}
	q.Header = h
	if q.Body.Encoding == "" {
		q.Body.Text = scrubText(q.Body.Text)
	}
	return q
}

// requestText is a request the way it reads on the wire.
func requestText(q evidence.Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", q.Method, q.URL)
	writeHeaders(&b, q.Header)
	writeBody(&b, q.Body)
	return b.String()
}

func answerText(p evidence.Response) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s\n", p.Status, http.StatusText(p.Status))
	writeHeaders(&b, p.Header)
	writeBody(&b, p.Body)
	return b.String()
}

func writeHeaders(b *strings.Builder, h http.Header) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, v)
		}
	}
}

func writeBody(b *strings.Builder, body evidence.Body) {
	if body.Text == "" {
		return
	}
	if body.Encoding == "base64" {
		fmt.Fprintf(b, "\n(binary, %d bytes)\n", body.Len())
		return
	}
	body = clipBody(body, shownBody)
	b.WriteString("\n" + body.Text)
	if body.Clipped > 0 {
		fmt.Fprintf(b, "… (%d bytes in all; failures.json holds the whole body)", body.Clipped)
	}
	b.WriteString("\n")
}

// fence is a code fence longer than any backtick run in s.
func fence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

func (m *mdWriter) block(lang, s string) {
	f := fence(s)
	m.printf("%s%s\n%s\n%s\n\n", f, lang, strings.TrimRight(s, "\n"), f)
}

// renderEvidenceMarkdown writes each failure's request, answer and rule,
// with the way to reproduce it.
func renderEvidenceMarkdown(md *mdWriter, c *Conformance) {
	views := viewsOf(c)
	if len(views) == 0 {
		return
	}
	md.printf("### Evidence\n\n")
	if c.Seed != nil {
		md.printf("Generated with seed %d.\n\n", *c.Seed)
	}
	md.printf("Each failure has an id; `fgh contract replay DIR ID` (DIR: the directory of this report) sends its request again, authenticated with the credentials you pass, and checks the same rule.\n\n")
	for _, v := range views {
		md.printf("<a id=\"%s\"></a>\n#### `%s` %s · %s\n\n", v.ID, v.ID, mdEscape(v.Operation), mdEscape(v.Check))
		if v.Accepted != "" {
			md.printf("Accepted deviation: %s\n\n", mdEscape(v.Accepted))
		}
		md.printf("**Rule broken:**\n\n")
		md.block("text", v.Rule)
		if v.Violation != "" {
			md.printf("**Where:** %s\n\n", mdEscape(v.Violation))
		}
		if v.Source != "" {
			md.printf("**Found by:** %s\n\n", mdEscape(v.Source))
		}
		if v.Found != "" {
			md.printf("**Generated:** %s\n\n", v.Found)
		}
		if v.Request != "" {
			md.printf("**Request:**\n\n")
			md.block("http", v.Request)
		}
		if v.Answer != "" {
			md.printf("**Answer:**\n\n")
			md.block("http", v.Answer)
		}
		md.printf("**Reproduce:** `%s`", v.Replay)
		if !v.Checkable {
			md.printf(" (re-sends it and shows the answer; this rule is judged by the spec's own code, so compare by hand)")
		}
		md.printf("\n\n")
		if v.Curl != "" {
			md.printf("<details><summary>curl (reads the token from $%s)</summary>\n\n", evidence.TokenEnv)
			md.block("sh", v.Curl)
			md.printf("</details>\n\n")
		}
	}
}

// RenderConformanceHTML writes the summary as one self-contained page:
// the verdict, each failure with its request, answer and rule, every check
// and the coverage.
func RenderConformanceHTML(w io.Writer, c *Conformance) error {
	checks := sortedChecks(c.Checks)
	for i := range checks {
		checks[i].Reason = scrubText(checks[i].Reason)
	}
	return conformancePage.Execute(w, map[string]any{
		"Title": c.Column(), "Target": displayTarget(c.Target), "Started": fmtTime(c.StartedAt),
		"Counts": c.CountsLine(), "Seed": c.Seed, "AcceptFile": c.AcceptFile, "Acceptances": c.Acceptances,
		"Checks": checks, "Failures": viewsOf(c), "Coverage": c.Coverage.Operations,
		"TokenEnv": evidence.TokenEnv,
	})
}

var conformancePage = template.Must(template.New("conformance").Funcs(template.FuncMap{
	"notExercised": notExercisedText,
	"join":         func(s []string) string { return strings.Join(s, ", ") },
	"deref":        func(p *int64) int64 { return *p },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fgh conformance: {{.Title}}</title>
<style>` + pageStyle + `
.pass{color:#1a7f37} .fail{color:#cf222e;font-weight:600} .skipped{color:#666} .accepted{color:#9a6700}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
section.failure{border-left:3px solid #cf222e;padding-left:12px;margin:18px 0}
</style></head>
<body><main>
<h1>Conformance: {{.Title}}</h1>
<div class="sub">{{.Counts}} against <code>{{.Target}}</code>, started {{.Started}}.{{if .Seed}} Generated with seed {{deref .Seed}}.{{end}}</div>
{{if .Failures}}<h2>Failures</h2>
<p>Each failure has an id; <code>fgh contract replay DIR ID</code> (DIR: the directory of this page) sends its request again, authenticated with the credentials you pass, and checks the same rule.</p>
{{range .Failures}}<section class="failure" id="{{.ID}}">
<h3><code>{{.ID}}</code> {{.Operation}} · {{.Check}}</h3>
{{if .Accepted}}<p>Accepted deviation: {{.Accepted}}</p>{{end}}
<p><b>Rule broken:</b></p><pre>{{.Rule}}</pre>
{{if .Violation}}<p><b>Where:</b> {{.Violation}}</p>{{end}}
{{if .Source}}<p><b>Found by:</b> {{.Source}}</p>{{end}}
{{if .Found}}<p><b>Generated:</b> {{.Found}}</p>{{end}}
{{if .Request}}<p><b>Request:</b></p><pre>{{.Request}}</pre>{{end}}
{{if .Answer}}<p><b>Answer:</b></p><pre>{{.Answer}}</pre>{{end}}
<p><b>Reproduce:</b> <code>{{.Replay}}</code>{{if not .Checkable}} (re-sends it and shows the answer; this rule is judged by the spec's own code, so compare by hand){{end}}</p>
{{if .Curl}}<details><summary>curl (reads the token from ${{$.TokenEnv}})</summary><pre>{{.Curl}}</pre></details>{{end}}
</section>
{{end}}{{end}}
{{if .AcceptFile}}<h2>Accepted deviations</h2>
<p>Entries of <code>{{.AcceptFile}}</code>: applied ones accept the failures they match, expired ones let them fail again, stale ones matched nothing.</p>
<table id="acceptances"><tr><th>line</th><th>operation</th><th>check</th><th>state</th><th>matched</th><th>expires</th><th>reason</th></tr>
{{range .Acceptances}}<tr><td>{{.Line}}</td><td><code>{{.Operation}}</code></td><td>{{.Check}}</td><td class="{{if eq .State "expired"}}fail{{else if eq .State "applied"}}accepted{{else}}skipped{{end}}">{{.State}}</td><td>{{range .FailureIDs}}<a href="#{{.}}">{{.}}</a> {{end}}{{join .Statuses}}</td><td>{{.Expires}}</td><td>{{.Reason}}{{if .Link}} (<a href="{{.Link}}">{{.Link}}</a>){{end}}</td></tr>
{{end}}</table>{{end}}
<h2>Checks</h2>
<table><tr><th>operation</th><th>check</th><th>result</th><th>reason</th><th>evidence</th></tr>
{{range .Checks}}<tr><td><code>{{.Operation}}</code></td><td>{{.Check}}</td><td class="{{.Result}}">{{.Result}}</td><td>{{.Reason}}</td><td>{{range .FailureIDs}}<a href="#{{.}}">{{.}}</a> {{end}}</td></tr>
{{end}}</table>
{{if .Coverage}}<h2>Coverage</h2>
<table><tr><th>operation</th><th>exercised</th><th>statuses exercised</th><th>documented, not exercised</th></tr>
{{range .Coverage}}<tr><td><code>{{.Operation}}</code></td><td>{{if .Exercised}}yes{{else}}no{{end}}</td><td>{{join .ExercisedStatuses}}</td><td>{{notExercised .}}</td></tr>
{{end}}</table>{{end}}
</main></body></html>
`))
