package demo

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
	"path/filepath"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/contract"
)

// indexStep is one row of the index: a step, its verdict and its files.
type indexStep struct {
	Name, Verdict, Headline, SLO string
	Files                        []link
}

type indexPage struct {
	*Summary
	Steps  []indexStep
	Head   []string
	Fanout []fanoutRow
}

// writeIndex writes OutDir/index.html: every step's verdict and headline,
// the fan-out table, and a link to every report file the run wrote.
func writeIndex(s *Summary) error {
	p := indexPage{Summary: s, Head: fanoutHead, Fanout: s.fanoutRows()}
	if c := s.Contract; c != nil {
		p.Steps = append(p.Steps, indexStep{Name: "contract suites", Verdict: c.verdict(), Headline: c.headline(),
			Files: s.existing(ContractDir, contract.ConformanceMDFile, contract.ConformanceJSON, contract.JUnitFile, contract.GinkgoJSONFile)})
	}
	loadFiles := []string{reports.FormatFiles[reports.FormatHTML], reports.FormatFiles[reports.FormatMD],
		reports.FormatFiles[reports.FormatText], reports.ReportFile, reports.FormatFiles[reports.FormatJUnit]}
	if r := s.SyncInvoke; r != nil {
		p.Steps = append(p.Steps, indexStep{Name: SyncInvokeDir, Verdict: thresholdsVerdict(r), Headline: syncHeadline(r),
			SLO: syncSLO(r), Files: s.existing(SyncInvokeDir, loadFiles...)})
	}
	if r := s.Fanout; r != nil {
		p.Steps = append(p.Steps, indexStep{Name: FanoutDir, Verdict: thresholdsVerdict(r), Headline: s.fanoutHeadline(),
			SLO: s.fanoutSLO(), Files: s.existing(FanoutDir, loadFiles...)})
	}
	var buf bytes.Buffer
	if err := indexTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("render the demo index: %w", err)
	}
	if err := os.WriteFile(filepath.Join(s.OutDir, IndexFile), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the demo index: %w", err)
	}
	return nil
}

// existing links the files of dir (inside OutDir) that the run wrote.
func (s *Summary) existing(dir string, names ...string) []link {
	var out []link
	for _, n := range names {
		rel := filepath.Join(dir, n)
		if _, err := os.Stat(filepath.Join(s.OutDir, rel)); err == nil {
			out = append(out, link{Label: n, Href: filepath.ToSlash(rel)})
		}
	}
	return out
}

func joinKs(steps []FanoutStep) string {
	ks := make([]int, len(steps))
	for i, st := range steps {
		ks[i] = extensions(st.Report)
	}
	return joinInts(ks)
}

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fgh demo</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#f6f7f9}
main{max-width:1160px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:4px 0 2px} h2{font-size:17px;margin:28px 0 8px} .sub{color:#666}
table{border-collapse:collapse;background:#fff;margin:6px 0} th,td{border:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f0f1f4} td.n{text-align:right} td:first-child{white-space:nowrap} .PASS{color:#1a7f37;font-weight:600} .FAIL,.INTERRUPTED{color:#cf222e;font-weight:600}
a{margin-right:10px}
</style></head>
<body><main>
<h1>fgh demo</h1>
<div class="sub">against the built-in emulator · started {{.StartedAt.UTC.Format "2006-01-02 15:04:05 UTC"}} · {{printf "%.1f" .Duration.Seconds}}s{{if .Interrupted}} · <span class="FAIL">interrupted</span>{{end}}</div>
<h2>Steps</h2>
<table id="steps"><tr><th>step</th><th>verdict</th><th>headline</th><th>reports</th></tr>
{{range .Steps}}<tr><td>{{.Name}}</td><td class="{{.Verdict}}">{{.Verdict}}</td><td>{{.Headline}}{{with .SLO}}<br>{{.}}{{end}}</td>
<td>{{range .Files}}<a href="{{.Href}}">{{.Label}}</a>{{end}}</td></tr>
{{end}}</table>
{{if .Fanout}}<h2>Extension fan-out by K</h2>
<table id="fanout"><tr>{{range .Head}}<th>{{.}}</th>{{end}}<th>report</th></tr>
{{range .Fanout}}<tr><td class="n">{{.K}}</td><td class="n">{{.Invocations}}</td><td class="n">{{.Delivered}}</td><td class="n">{{.DeliveryP50}}</td><td class="n">{{.DeliveryP99}}</td><td class="n">{{.InvokeP99}}</td><td class="n">{{.Success}}</td><td><a href="{{.HTML}}">report.html</a></td></tr>
{{end}}</table>{{end}}
</main></body></html>
`))
