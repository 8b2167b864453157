package framework

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

func TestPackageZipHoldsTheOneFile(t *testing.T) {
	data := PackageZip("node_modules/fgh/index.js", "module.exports = 1;\n")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "node_modules/fgh/index.js" {
		t.Fatalf("files = %v, want the one named", zr.File)
	}
	f, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, err := io.ReadAll(f); err != nil || string(got) != "module.exports = 1;\n" {
		t.Errorf("content %q (%v)", got, err)
	}
}
