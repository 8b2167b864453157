package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Render formats, by name, and the file each is written to inside a run directory.
const (
	FormatText  = "text"
	FormatMD    = "md"
	FormatHTML  = "html"
	FormatJUnit = "junit"
)

// Formats lists every render format in the order WriteAll writes them.
var Formats = []string{FormatText, FormatMD, FormatHTML, FormatJUnit}

// FormatFiles maps a format to its file name inside a run directory.
var FormatFiles = map[string]string{
	FormatText:  "report.txt",
	FormatMD:    "report.md",
	FormatHTML:  "report.html",
	FormatJUnit: "junit.xml",
}

// RenderOption tunes a renderer.
type RenderOption func(*renderConfig)

type renderConfig struct {
	dist *Distribution
}

// WithDistribution gives the HTML renderer a precise latency distribution
// (from histograms.jsonl) instead of the one interpolated from report.json's percentiles.
func WithDistribution(d *Distribution) RenderOption {
	return func(c *renderConfig) { c.dist = d }
}

// Render writes r to w in one format: text, md, html or junit.
func Render(w io.Writer, r *Report, format string, opts ...RenderOption) error {
	var cfg renderConfig
	for _, o := range opts {
		o(&cfg)
	}
	switch format {
	case FormatText:
		return renderText(w, r)
	case FormatMD, "markdown":
		return renderMarkdown(w, r)
	case FormatHTML:
		return renderHTML(w, r, cfg.dist)
	case FormatJUnit, "xml":
		return renderJUnit(w, r)
	}
	return fmt.Errorf("unknown report format %q; use one of %s", format, strings.Join(Formats, ", "))
}

// WriteAll writes report.json and every rendering (report.txt, report.md,
// report.html, junit.xml) into dir. The HTML uses dir/histograms.jsonl when present.
func WriteAll(dir string, r *Report) error {
	if err := WriteReport(dir, r); err != nil {
		return err
	}
	return WriteRenderings(dir, r)
}

// WriteRenderings writes every rendering of r into dir, one file per format,
// using dir/histograms.jsonl for the HTML distribution when present.
func WriteRenderings(dir string, r *Report) error {
	dist, err := LoadDistribution(dir)
	if err != nil {
		return err
	}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Render(&buf, r, f, WithDistribution(dist)); err != nil {
			return fmt.Errorf("render %s: %w", f, err)
		}
		if err := os.WriteFile(filepath.Join(dir, FormatFiles[f]), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s report: %w", f, err)
		}
	}
	return nil
}

// RunDir is the run directory of path: path itself, or the directory holding a report.json.
func RunDir(path string) string {
	st, err := os.Stat(path)
	if err == nil && !st.IsDir() || err != nil && filepath.Ext(path) == ".json" {
		return filepath.Dir(path)
	}
	return path
}

// LoadDistribution reads histograms.jsonl from the run directory of path
// (a directory or a file inside it); nil without error when there is none.
func LoadDistribution(path string) (*Distribution, error) {
	d, err := ReadHistograms(filepath.Join(RunDir(path), HistogramsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return d, err
}
