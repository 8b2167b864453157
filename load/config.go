package load

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ScenarioFile is a --config YAML file. Its keys are the flag names of
// `fgh load` (rate: 500/s, duration: 5m, fanout: [0, 1, 5, 10], …) plus
// thresholds, a list of expressions or of {expr, abort_on_fail, delay}.
// Flags and FGH_* variables win over the file.
type ScenarioFile struct {
	Values     map[string][]string
	Thresholds []ThresholdSpec
}

// Keys lists the flag names the file sets, sorted.
func (f *ScenarioFile) Keys() []string {
	keys := make([]string, 0, len(f.Values))
	for k := range f.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// builtinScenarios are the shipped load/scenarios files, so that the
// documented `--config load/scenarios/nightly.yaml` works from any directory.
//
//go:embed scenarios/*.yaml
var builtinScenarios embed.FS

// ReadScenarioFile parses a --config file. A path that is not on disk but
// names a shipped scenario (load/scenarios/nightly.yaml, nightly.yaml or
// nightly) reads the copy built into fgh.
func ReadScenarioFile(path string) (*ScenarioFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if builtin, ok := builtinScenario(path); ok {
			data, err = builtin, nil
		} else {
			return nil, fmt.Errorf("read --config: %w (built-in scenarios: %s)", err, strings.Join(BuiltinScenarios(), ", "))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read --config: %w", err)
	}
	f, err := ParseScenarioFile(data)
	if err != nil {
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	return f, nil
}

// BuiltinScenarios names the shipped scenario files.
func BuiltinScenarios() []string {
	entries, _ := builtinScenarios.ReadDir("scenarios")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// builtinScenario returns the shipped file a missing --config path names.
func builtinScenario(path string) ([]byte, bool) {
	dir, name := filepath.Split(filepath.ToSlash(path))
	if dir != "" && dir != "scenarios/" && !strings.HasSuffix(dir, "load/scenarios/") {
		return nil, false
	}
	if !strings.HasSuffix(name, ".yaml") {
		name += ".yaml"
	}
	data, err := builtinScenarios.ReadFile("scenarios/" + name)
	return data, err == nil
}

// ParseScenarioFile parses the YAML of a --config file.
func ParseScenarioFile(data []byte) (*ScenarioFile, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	f := &ScenarioFile{Values: map[string][]string{}}
	if len(doc.Content) == 0 {
		return f, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping of flag names to values", root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		if key == "thresholds" || key == "threshold" {
			ts, err := parseThresholds(val)
			if err != nil {
				return nil, err
			}
			f.Thresholds = append(f.Thresholds, ts...)
			continue
		}
		switch val.Kind {
		case yaml.ScalarNode:
			f.Values[key] = []string{val.Value}
		case yaml.SequenceNode:
			for _, item := range val.Content {
				if item.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("line %d: %s: want a list of plain values", item.Line, key)
				}
				f.Values[key] = append(f.Values[key], item.Value)
			}
		default:
			return nil, fmt.Errorf("line %d: %s: want a value or a list of values", val.Line, key)
		}
	}
	return f, nil
}

func parseThresholds(n *yaml.Node) ([]ThresholdSpec, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: thresholds: want a list", n.Line)
	}
	var out []ThresholdSpec
	for _, item := range n.Content {
		if item.Kind == yaml.ScalarNode {
			out = append(out, ThresholdSpec{Expr: item.Value})
			continue
		}
		var raw struct {
			Expr        string `yaml:"expr"`
			AbortOnFail bool   `yaml:"abort_on_fail"`
			Delay       string `yaml:"delay"`
		}
		if err := item.Decode(&raw); err != nil {
			return nil, fmt.Errorf("line %d: threshold: %w", item.Line, err)
		}
		if raw.Expr == "" {
			return nil, fmt.Errorf("line %d: threshold without expr", item.Line)
		}
		t := ThresholdSpec{Expr: raw.Expr, AbortOnFail: raw.AbortOnFail}
		if raw.Delay != "" {
			d, err := time.ParseDuration(raw.Delay)
			if err != nil {
				return nil, fmt.Errorf("line %d: threshold delay %q: %w", item.Line, raw.Delay, err)
			}
			t.Delay = d
		}
		out = append(out, t)
	}
	return out, nil
}

// ReadPayload reads a --payload file: the exact bytes every invocation sends.
func ReadPayload(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read --payload: %w", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
