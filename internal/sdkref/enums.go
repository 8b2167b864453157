package sdkref

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"
)

var modelPkg = reflect.TypeOf(model.ShowWorkFlowRequest{}).PkgPath()

// IsEnum reports whether t (pointers followed) is one of the SDK's enum
// types: a model struct whose only member is the unexported value.
func IsEnum(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && t.PkgPath() == modelPkg && t.NumField() == 1 && t.Field(0).Name == "value"
}

var (
	enumsOnce sync.Once
	enums     map[string][]string
	enumsErr  error
)

// EnumValues lists the values the SDK defines for an enum type.
func EnumValues(t reflect.Type) ([]string, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	enumsOnce.Do(func() { enums, enumsErr = readEnums() })
	if enumsErr != nil {
		return nil, enumsErr
	}
	v, ok := enums[t.Name()]
	if !ok {
		return nil, fmt.Errorf("no Get%sEnum in the SDK model source", t.Name())
	}
	return v, nil
}

// readEnums parses the model package's source: the values only exist as
// literals inside the Get<Type>Enum functions, which reflection cannot
// reach. The go tool locates the pinned module in the module cache.
func readEnums() (map[string][]string, error) {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}{{range .GoFiles}} {{.}}{{end}}", modelPkg).Output()
	if err != nil {
		return nil, fmt.Errorf("locate the SDK model source with go list: %w", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) < 2 {
		return nil, fmt.Errorf("go list found no Go files for %s", modelPkg)
	}
	dir, names := fields[0], fields[1:]
	fset := token.NewFileSet()
	values := map[string][]string{}
	for _, name := range names {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse the SDK model source: %w", err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Get") || !strings.HasSuffix(fn.Name.Name, "Enum") {
				continue
			}
			typeName := strings.TrimSuffix(strings.TrimPrefix(fn.Name.Name, "Get"), "Enum")
			values[typeName] = enumLiterals(fn)
		}
	}
	return values, nil
}

// enumLiterals collects the `value: "..."` literals of one Get<Type>Enum.
func enumLiterals(fn *ast.FuncDecl) []string {
	var vals []string
	ast.Inspect(fn, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		if id, ok := kv.Key.(*ast.Ident); ok && id.Name == "value" {
			if lit, ok := kv.Value.(*ast.BasicLit); ok {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					vals = append(vals, s)
				} else {
					vals = append(vals, lit.Value)
				}
			}
		}
		return true
	})
	return vals
}
