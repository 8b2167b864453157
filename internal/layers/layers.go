// Package layers holds fgharness's import rules (docs/architecture.md) and checks a package graph against them.
package layers

import (
	"fmt"
	"sort"
	"strings"
)

// Module is the import path every rule is relative to.
const Module = "github.com/fgharness/fgharness"

// Layers, bottom to top. A package imports its own layer or lower ones,
// never a higher one; within a layer only the pairs in sameLayer may meet.
const (
	LayerLeaf    = 1 // facts, signing, URNs, ports: import nothing of ours
	LayerRequest = 2 // the spec and the client: the one request path
	LayerRun     = 3 // suites, load, reports, and the emulator component
	LayerTop     = 4 // cmd/fgh and the orchestration only it (and tests) start
)

// group is one unit of the rules: a set of packages with a layer.
type group struct {
	name  string
	layer int
	paths []string // module-relative; a path also covers its subpackages
}

var groups = []group{
	{"leaf", LayerLeaf, []string{"internal/fgs", "internal/aksk", "internal/urn", "internal/loopback", "internal/httpguard", "internal/layers", "internal/sdkref", "internal/extsink", "internal/evidence", "internal/rapidrun", "internal/syncbuf"}},
	{"spec", LayerRequest, []string{"spec"}},
	{"client", LayerRequest, []string{"internal/client"}},
	{"reports", LayerRun, []string{"reports"}},
	{"load", LayerRun, []string{"load"}},
	{"suites", LayerRun, []string{"suites"}},
	{"emulator", LayerRun, []string{"internal/emulator"}},
	{"top", LayerTop, []string{"cmd", "internal/demo", "internal/launch", "internal/fgs/opgen", "internal/fghtest"}},
}

// sameLayer lists the imports allowed between different groups of one layer.
var sameLayer = map[[2]string]bool{
	{"load", "reports"}:   true,
	{"suites", "reports"}: true,
}

// onlyFromTop are groups a lower group may not import even when the layers
// would allow it: the emulator is a component cmd/fgh and tests start, and
// what the suites and load receive from it is a target, never a handler.
var onlyFromTop = map[string]bool{"emulator": true}

// forbidden are single imports the layers allow but the design does not:
// the demo runs the suites through suites/contract, never the framework.
var forbidden = map[[2]string]string{
	{"internal/demo", "suites/framework"}: "the demo runs the suites through suites/contract only",
}

// Package is one node of the graph: its import path and its non-test imports.
type Package struct {
	Path    string
	Imports []string
}

// Violation is one import the rules forbid.
type Violation struct {
	From, To string // module-relative import paths
	Rule     string
}

func (v Violation) String() string { return fmt.Sprintf("%s imports %s: %s", v.From, v.To, v.Rule) }

// Check returns every import of pkgs the rules forbid, sorted. Packages
// outside the module and imports of packages outside it are ignored; a
// module package no group covers is itself a violation, so a new package
// has to be placed in the rules before it builds green.
func Check(pkgs []Package) []Violation {
	var out []Violation
	for _, p := range pkgs {
		from, ok := relative(p.Path)
		if !ok {
			continue
		}
		fg, ok := groupOf(from)
		if !ok {
			out = append(out, Violation{From: from, To: "-", Rule: "package is in no layer: add it to internal/layers and docs/architecture.md"})
			continue
		}
		for _, imp := range p.Imports {
			to, ok := relative(imp)
			if !ok {
				continue
			}
			tg, ok := groupOf(to)
			if !ok {
				out = append(out, Violation{From: from, To: to, Rule: "imported package is in no layer: add it to internal/layers and docs/architecture.md"})
				continue
			}
			rule := forbids(fg, tg)
			if why, ok := forbidden[[2]string{from, to}]; ok && rule == "" {
				rule = why
			}
			if rule != "" {
				out = append(out, Violation{From: from, To: to, Rule: rule})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// forbids says why group from may not import group to, or "" when it may.
func forbids(from, to group) string {
	switch {
	case from.name == to.name:
		return ""
	case onlyFromTop[to.name] && from.layer != LayerTop:
		return fmt.Sprintf("the %s is started only by cmd/fgh and tests; hand %s a target (base URL and credentials) instead", to.name, from.name)
	case to.layer > from.layer:
		return fmt.Sprintf("layer %d (%s) may not import the higher layer %d (%s)", from.layer, from.name, to.layer, to.name)
	case to.layer == from.layer && !sameLayer[[2]string{from.name, to.name}]:
		return fmt.Sprintf("%s and %s share layer %d and stay independent", from.name, to.name, from.layer)
	}
	return ""
}

func relative(path string) (string, bool) {
	if path == Module {
		return "", true
	}
	rest, ok := strings.CutPrefix(path, Module+"/")
	return rest, ok
}

// groupOf finds the group with the longest path covering rel, so
// internal/fgs/opgen is a tool of the top layer while internal/fgs is a leaf.
func groupOf(rel string) (group, bool) {
	best, bestLen := group{}, -1
	for _, g := range groups {
		for _, p := range g.paths {
			if (rel == p || strings.HasPrefix(rel, p+"/")) && len(p) > bestLen {
				best, bestLen = g, len(p)
			}
		}
	}
	return best, bestLen >= 0
}
