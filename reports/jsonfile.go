package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// readJSONFile decodes what (a report, a conformance summary) from the JSON
// file at path, or at path/name when path is a directory, into v; it
// refuses a file whose schema version, decoded into version, is newer than
// this fgh reads. It returns the file it read.
func readJSONFile(path, name, what string, v any, version *int, newest int) (string, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, name)
	}
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, v)
		if err != nil {
			err = fmt.Errorf("parse %s: %w", path, err)
		}
	}
	if err != nil {
		return path, fmt.Errorf("read %s: %w", what, err)
	}
	if *version > newest {
		return path, fmt.Errorf("%s %s has schema_version %d; this fgh reads up to %d: upgrade fgh", what, path, *version, newest)
	}
	return path, nil
}

// writeJSONFile writes v as indented JSON to dir/name through a temporary
// file, so a reader never sees half a file; it creates dir.
func writeJSONFile(dir, name string, v any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, name+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}
