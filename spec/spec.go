// Package spec owns the OpenAPI documents fgharness is built on: it embeds, loads and checks them, and hands out the operation list, a router and a request/response validator.
package spec

import (
	"context"
	"embed"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed *.yaml
var files embed.FS

// Document names, one per embedded YAML file (functiongraph.yaml, ...).
const (
	FunctionGraph = "functiongraph"
	IAM           = "iam"
	Extension     = "extension"
)

// Spec is the loaded, validated set of documents. It is safe for concurrent use.
type Spec struct {
	docs   map[string]*openapi3.T
	names  []string
	ops    []Operation
	byID   map[string]int
	router *router
}

var (
	loadOnce sync.Once
	loaded   *Spec
	loadErr  error
)

// Load parses and validates the embedded documents once per process and
// returns the shared result.
func Load() (*Spec, error) {
	loadOnce.Do(func() { loaded, loadErr = parseEmbedded() })
	return loaded, loadErr
}

// MustLoad is Load for callers that cannot go on without the spec, such as
// tree construction in the contract suites. The embedded documents are
// checked by this package's tests, so a panic here means a broken build.
func MustLoad() *Spec {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	return s
}

func parseEmbedded() (*Spec, error) {
	entries, err := files.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("list embedded specs: %w", err)
	}
	sources := map[string][]byte{}
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, fmt.Errorf("read embedded %s: %w", e.Name(), err)
		}
		sources[strings.TrimSuffix(e.Name(), path.Ext(e.Name()))] = data
	}
	return Parse(sources)
}

// Parse loads and validates documents given by name (file name without
// extension) and YAML or JSON source. Load uses it on the embedded files;
// `fgh spec validate` and tests use it on others.
func Parse(sources map[string][]byte) (*Spec, error) {
	s := &Spec{docs: map[string]*openapi3.T{}, byID: map[string]int{}}
	for name := range sources {
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	for _, name := range s.names {
		doc, err := ParseDocument(sources[name])
		if err != nil {
			return nil, fmt.Errorf("spec %s: %w", name, err)
		}
		s.docs[name] = doc
		for _, op := range operationsOf(name, doc) {
			if prev, dup := s.byID[op.ID]; dup {
				return nil, fmt.Errorf("spec %s: operationId %q is used again by %s %s (first %s %s)",
					name, op.ID, op.Method, op.Path, s.ops[prev].Method, s.ops[prev].Path)
			}
			s.byID[op.ID] = len(s.ops)
			s.ops = append(s.ops, op)
		}
	}
	s.router = newRouter(s.ops)
	return s, nil
}

// ParseDocument loads one OpenAPI document and validates it, examples included.
func ParseDocument(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return doc, nil
}

// Documents lists the names of the loaded documents, sorted.
func (s *Spec) Documents() []string { return append([]string(nil), s.names...) }

// Document returns one loaded document by name, for callers that need a
// part of it this package does not hand out directly.
func (s *Spec) Document(name string) (*openapi3.T, bool) {
	d, ok := s.docs[name]
	return d, ok
}

// EmbeddedSource returns the source of the embedded document a path names
// (spec/functiongraph.yaml or functiongraph.yaml), so `fgh spec validate
// spec/functiongraph.yaml` works outside a checkout.
func EmbeddedSource(file string) ([]byte, bool) {
	dir, name := path.Split(filepath.ToSlash(file))
	if dir != "" && dir != "spec/" && !strings.HasSuffix(dir, "/spec/") {
		return nil, false
	}
	data, err := files.ReadFile(name)
	return data, err == nil
}
