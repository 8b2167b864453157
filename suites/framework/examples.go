package framework

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
)

// preferredExample names the request example a generated request starts
// from when an operation has several: the one a target can satisfy without
// outside resources (an inline zip rather than an OBS bucket).
var preferredExample = map[string]string{
	fgs.OpCreateFunction:                    "inlineZip",
	fgs.OpCreateDependency:                  "zip",
	fgs.OpInvokeFunction:                    "downloadFile",
	fgs.OpKeystoneCreateUserTokenByPassword: "projectById",
}

// PreferredExample decodes the request example generated requests of an
// operation start from; ok is false when it documents no JSON object.
func PreferredExample(sp *spec.Spec, opID string) (name string, body map[string]any, ok bool) {
	examples := sp.RequestExamples(opID)
	if len(examples) == 0 {
		return "", nil, false
	}
	chosen := examples[0]
	for _, ex := range examples {
		if ex.Name == preferredExample[opID] {
			chosen = ex
		}
	}
	if err := json.Unmarshal(chosen.Body, &body); err != nil {
		return chosen.Name, nil, false
	}
	return chosen.Name, body, true
}

// CloneJSON deep-copies a decoded JSON object.
func CloneJSON(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("re-encode a decoded JSON object: %v", err))
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("decode a JSON object just encoded: %v", err))
	}
	return out
}

// Number reads a JSON number however it was decoded or written.
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// ParamText is how a JSON value travels in a query or a path.
func ParamText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
