package emulator

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"testing"
)

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (te *testEmulator) importPackage(name string, pkg []byte) response {
	te.t.Helper()
	return te.do("POST", te.path("/fgs/functions/import"), map[string]string{
		"func_name": name, "file_name": name + ".zip", "file_type": "zip", "file_code": base64.StdEncoding.EncodeToString(pkg),
	})
}

// A function exported with code and configuration imports back as an equal
// function: same settings, same code digest.
func TestExportImportRoundTrip(t *testing.T) {
	te := startTest(t)
	code := zipOf(t, map[string]string{"index.py": "def handler(event, context):\n    return event\n"})
	te.createFunction("orig", map[string]any{
		"code_type": "zip", "code_filename": "orig.zip", "func_code": map[string]string{"file": base64.StdEncoding.EncodeToString(code)},
		"memory_size": 512, "timeout": 45, "description": "round trip", "user_data": `{"FGH_HANDLER":"sleep","FGH_SLEEP":"10ms"}`,
	})
	fn := te.path("/fgs/functions/" + esc(te.fnURN("orig")))
	var orig functionConfig
	te.do("GET", fn+"/config", nil).decode(t, &orig)

	pkg := te.do("GET", fn+"/export?code=true&config=true", nil)
	if pkg.status != 200 || pkg.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %v", pkg.status, pkg.header)
	}
	r := te.importPackage("copy", pkg.body)
	var imported functionConfig
	r.decode(t, &imported)
	if r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	same := imported.Runtime == orig.Runtime && imported.Handler == orig.Handler && imported.MemorySize == orig.MemorySize &&
		imported.Timeout == orig.Timeout && imported.Description == orig.Description && imported.UserData == orig.UserData &&
		imported.Digest == orig.Digest && imported.CodeSize == orig.CodeSize && imported.CodeType == orig.CodeType
	if !same || imported.FuncName != "copy" {
		t.Fatalf("imported %+v\nfrom %+v", imported, orig)
	}

	codeOnly := te.do("GET", fn+"/export?type=code", nil)
	if codeOnly.status != 200 || !bytes.Equal(codeOnly.body, code) {
		t.Fatalf("code-only export is not the code package: %d, %d bytes", codeOnly.status, len(codeOnly.body))
	}
	r = te.importPackage("bare", codeOnly.body)
	r.decode(t, &imported)
	if r.status != 200 || imported.Digest != orig.Digest || imported.Runtime != importRuntime || imported.Handler != importHandler {
		t.Fatalf("bare code import: %d %s", r.status, r.body)
	}

	if code := te.importPackage("copy", pkg.body).errorCode(t); code != codeFunctionExists {
		t.Fatalf("importing over an existing function: %s", code)
	}
	if code := te.importPackage("junk", []byte("not a zip")).errorCode(t); code != codeBadCode {
		t.Fatalf("not a zip: %s", code)
	}
	for _, q := range []string{"", "?type=code&code=true"} {
		if code := te.do("GET", fn+"/export"+q, nil).errorCode(t); code != codeBadQuery {
			t.Fatalf("export%s: %s", q, code)
		}
	}
}

func TestExportConfigOnlyImportsWithEmptyCode(t *testing.T) {
	te := startTest(t)
	te.createFunction("cfg", map[string]any{"memory_size": 1024})
	pkg := te.do("GET", te.path("/fgs/functions/"+esc(te.fnURN("cfg"))+"/export?type=config"), nil)
	r := te.importPackage("cfg-copy", pkg.body)
	var imported functionConfig
	r.decode(t, &imported)
	if r.status != 200 || imported.MemorySize != 1024 || imported.CodeSize != 0 {
		t.Fatalf("config-only import: %d %s", r.status, r.body)
	}
}
