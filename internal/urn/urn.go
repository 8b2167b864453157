// Package urn parses and formats FunctionGraph resource URNs (functions and workflows).
package urn

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Kinds of resource a URN names.
const (
	KindFunction = "function"
	KindWorkflow = "workflow"
)

// Latest is the qualifier of a function's editable head.
const Latest = "latest"

// AliasPrefix marks an alias qualifier ("...:my-func:!prod"); a bare
// qualifier may also name an alias when no version has that name.
const AliasPrefix = "!"

// ErrMalformed is wrapped by every Parse error.
var ErrMalformed = errors.New("malformed URN")

// URN names a function or workflow, optionally qualified by a version or alias.
//
// The canonical form is urn:fss:{region}:{project_id}:{kind}:{package}:{name}[:{qualifier}].
// The Extension API documents also show sn:cn:{region}:{project_id}:function:{tenant}@{package}@{name}[:{qualifier}];
// Parse accepts it and String writes the canonical form.
type URN struct {
	Region    string
	ProjectID string
	Kind      string // KindFunction or KindWorkflow
	Package   string
	Name      string
	Qualifier string // "" (unqualified), "latest", a version name, or an alias (with or without "!")
}

// Function builds a function URN.
func Function(region, projectID, pkg, name, qualifier string) URN {
	return URN{Region: region, ProjectID: projectID, Kind: KindFunction, Package: pkg, Name: name, Qualifier: qualifier}
}

// Workflow builds a workflow URN; workflows are always qualified "latest".
func Workflow(region, projectID, pkg, name string) URN {
	return URN{Region: region, ProjectID: projectID, Kind: KindWorkflow, Package: pkg, Name: name, Qualifier: Latest}
}

// String is the canonical form.
func (u URN) String() string {
	n := len("urn:fss:::::") + len(u.Region) + len(u.ProjectID) + len(u.Kind) + len(u.Package) + len(u.Name)
	if u.Qualifier != "" {
		n += 1 + len(u.Qualifier)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("urn:fss:")
	b.WriteString(u.Region)
	b.WriteByte(':')
	b.WriteString(u.ProjectID)
	b.WriteByte(':')
	b.WriteString(u.Kind)
	b.WriteByte(':')
	b.WriteString(u.Package)
	b.WriteByte(':')
	b.WriteString(u.Name)
	if u.Qualifier != "" {
		b.WriteByte(':')
		b.WriteString(u.Qualifier)
	}
	return b.String()
}

// Unqualified drops the version or alias.
func (u URN) Unqualified() URN { u.Qualifier = ""; return u }

// WithQualifier replaces the version or alias.
func (u URN) WithQualifier(q string) URN { u.Qualifier = q; return u }

// IsLatest tells whether the URN names the editable head (no qualifier or "latest").
func (u URN) IsLatest() bool { return u.Qualifier == "" || u.Qualifier == Latest }

// Alias is the alias named by an explicit "!alias" qualifier, or "".
func (u URN) Alias() string {
	if strings.HasPrefix(u.Qualifier, AliasPrefix) {
		return u.Qualifier[len(AliasPrefix):]
	}
	return ""
}

// Parse reads a URN in either documented form. A percent-encoded URN (the
// path segment form, "urn%3Afss%3A...") is decoded first.
func Parse(s string) (URN, error) {
	if strings.IndexByte(s, '%') >= 0 {
		dec, err := url.PathUnescape(s)
		if err != nil {
			return URN{}, fmt.Errorf("%w %q: bad percent-encoding", ErrMalformed, s)
		}
		s = dec
	}
	switch {
	case strings.HasPrefix(s, "urn:fss:"):
		return parseFSS(s)
	case strings.HasPrefix(s, "sn:"):
		return parseSN(s)
	}
	return URN{}, fmt.Errorf("%w %q: want urn:fss:{region}:{project_id}:function:{package}:{name}[:{version}]", ErrMalformed, s)
}

func parseFSS(s string) (URN, error) {
	parts, ok := split(s[len("urn:fss:"):], 6)
	if !ok {
		return URN{}, fmt.Errorf("%w %q: want urn:fss:{region}:{project_id}:{kind}:{package}:{name}[:{qualifier}]", ErrMalformed, s)
	}
	u := URN{Region: parts[0], ProjectID: parts[1], Kind: parts[2], Package: parts[3], Name: parts[4], Qualifier: parts[5]}
	return u, check(s, u)
}

// parseSN reads sn:cn:{region}:{project_id}:function:{tenant}@{package}@{name}[:{qualifier}].
func parseSN(s string) (URN, error) {
	parts, ok := split(s, 7)
	if !ok || parts[4] == "" {
		return URN{}, fmt.Errorf("%w %q: want sn:cn:{region}:{project_id}:function:{tenant}@{package}@{name}[:{qualifier}]", ErrMalformed, s)
	}
	at := strings.Split(parts[5], "@")
	if len(at) != 3 {
		return URN{}, fmt.Errorf("%w %q: the function part must be {tenant}@{package}@{name}", ErrMalformed, s)
	}
	u := URN{Region: parts[2], ProjectID: parts[3], Kind: parts[4], Package: at[1], Name: at[2], Qualifier: parts[6]}
	return u, check(s, u)
}

// split cuts s at ':' into exactly want-1 mandatory fields plus an optional
// last one (returned as "" when absent).
func split(s string, want int) ([]string, bool) {
	parts := strings.Split(s, ":")
	switch len(parts) {
	case want:
		if parts[want-1] == "" {
			return nil, false
		}
		return parts, true
	case want - 1:
		return append(parts, ""), true
	}
	return nil, false
}

func check(s string, u URN) error {
	switch {
	case u.Kind != KindFunction && u.Kind != KindWorkflow:
		return fmt.Errorf("%w %q: kind %q is neither function nor workflow", ErrMalformed, s, u.Kind)
	case u.Region == "", u.ProjectID == "", u.Package == "", u.Name == "":
		return fmt.Errorf("%w %q: region, project, package and name must all be set", ErrMalformed, s)
	case strings.ContainsAny(s, "/%\\ ?#") || strings.ContainsFunc(s, unicode.IsControl):
		return fmt.Errorf("%w %q: contains a slash, percent sign, space or control character", ErrMalformed, s)
	}
	return nil
}
