package layers

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// root is the module's directory, two levels above this package.
var root = filepath.Join("..", "..")

// TestModuleKeepsItsLayers checks the real graph: `go list` of every
// package of the module, non-test imports only (tests may start the
// emulator and import what they need).
func TestModuleKeepsItsLayers(t *testing.T) {
	pkgs := listModule(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; the module has more, so the check would prove nothing", len(pkgs))
	}
	for _, v := range Check(pkgs) {
		t.Errorf("%s (see docs/architecture.md)", v)
	}
}

// TestCheckCatchesWrongImports runs the checker on synthetic graphs: each
// wrong import the rules name must be caught, and the right ones pass.
func TestCheckCatchesWrongImports(t *testing.T) {
	m := func(rel string) string { return Module + "/" + rel }
	for _, tc := range []struct {
		name     string
		from, to string
		caught   bool
	}{
		{"load imports the emulator", "load", "internal/emulator", true},
		{"a suite imports the emulator", "suites/iam", "internal/emulator", true},
		{"the framework imports the Extension API server", "suites/framework", "internal/emulator/extapi", true},
		{"spec imports the emulator", "spec", "internal/emulator", true},
		{"reports imports the emulator", "reports", "internal/emulator", true},
		{"the client imports the framework (upward)", "internal/client", "suites/framework", true},
		{"a leaf imports the client (upward)", "internal/fgs", "internal/client", true},
		{"load imports the suites (same layer)", "load", "suites/framework", true},
		{"reports imports load (same layer)", "reports", "load", true},
		{"spec imports the client (same layer)", "spec", "internal/client", true},
		{"the demo is imported by load (upward)", "load", "internal/demo", true},
		{"an unplaced package", "internal/newthing", "spec", true},
		{"the demo imports the suites framework", "internal/demo", "suites/framework", true},
		{"the demo runs the suites", "internal/demo", "suites/contract", false},
		{"cmd/fgh starts the emulator", "cmd/fgh", "internal/emulator", false},
		{"the launcher starts the emulator", "internal/launch", "internal/emulator", false},
		{"load writes reports", "load", "reports", false},
		{"a suite uses the framework", "suites/iam", "suites/framework", false},
		{"the framework uses the client", "suites/framework", "internal/client", false},
		{"the client uses a leaf", "internal/client", "internal/fgs", false},
		{"the generator reads the spec", "internal/fgs/opgen", "spec", false},
		{"the emulator reads the spec", "internal/emulator", "spec", false},
		{"a standard library import", "internal/fgs", "std:net/http", false},
	} {
		to := m(tc.to)
		if std, ok := strings.CutPrefix(tc.to, "std:"); ok {
			to = std
		}
		vs := Check([]Package{{Path: m(tc.from), Imports: []string{to}}})
		if got := len(vs) > 0; got != tc.caught {
			t.Errorf("%s: caught = %v, want %v (violations: %v)", tc.name, got, tc.caught, vs)
		}
	}
}

// TestSuitesRegisterExplicitly keeps importing a suite free of Ginkgo side
// effects: no package-level Describe, It, BeforeSuite or the like; areas
// record their containers with framework.Area and register on request.
func TestSuitesRegisterExplicitly(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "suites", "*", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no suite files found: %v", err)
	}
	nodes := map[string]bool{"Describe": true, "Context": true, "When": true, "It": true, "BeforeSuite": true, "AfterSuite": true,
		"SynchronizedBeforeSuite": true, "BeforeEach": true, "AfterEach": true, "JustBeforeEach": true, "ReportAfterSuite": true, "ReportBeforeSuite": true, "DescribeTable": true}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				for _, v := range spec.(*ast.ValueSpec).Values {
					if call, ok := v.(*ast.CallExpr); ok {
						if id, ok := call.Fun.(*ast.Ident); ok && nodes[id.Name] {
							t.Errorf("%s: package-level %s registers Ginkgo nodes on import; use the area's Describe (framework.Area) and Register", fset.Position(call.Pos()), id.Name)
						}
					}
				}
			}
		}
	}
}

func listModule(t *testing.T) []Package {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, Package{Path: p.ImportPath, Imports: p.Imports})
	}
	return pkgs
}
