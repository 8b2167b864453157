package emulator

import (
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/fgs"
)

func TestFunctionLifecycle(t *testing.T) {
	te := startTest(t)
	cfg := te.createFunction("hello", nil)
	if cfg["func_urn"] != te.fnURN("hello") || cfg["code_size"].(float64) == 0 || len(cfg["digest"].(string)) != 128 {
		t.Fatalf("create answer: %v", cfg)
	}
	u := esc(te.fnURN("hello"))

	r := te.do("GET", te.path("/fgs/functions/"+u+"/config"), nil)
	if r.status != 200 {
		t.Fatalf("show: %d %s", r.status, r.body)
	}
	r = te.do("PUT", te.path("/fgs/functions/"+u+"/config"), map[string]any{
		"func_name": "hello", "runtime": "Python3.9", "timeout": 60, "handler": "index.handler", "memory_size": 512,
		"user_data": `{"FGH_HANDLER":"echo"}`,
	})
	var updated functionConfig
	r.decode(t, &updated)
	if r.status != 200 || updated.MemorySize != 512 || updated.Timeout != 60 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}

	r = te.do("POST", te.path("/fgs/functions/"+u+"/invocations"), `{"k":"v"}`, "X-Cff-Log-Type", "tail")
	var inv struct {
		RequestID string `json:"request_id"`
		Result    string `json:"result"`
		Log       string `json:"log"`
		Status    int    `json:"status"`
	}
	r.decode(t, &inv)
	if r.status != 200 || inv.Result != `{"k":"v"}` || inv.Status != 200 || inv.RequestID != r.header.Get("X-Cff-Request-Id") {
		t.Fatalf("invoke: %d %s %v", r.status, r.body, r.header)
	}
	if !strings.Contains(inv.Log, "Start invoke request '"+inv.RequestID) || len(inv.Log) > fgs.MaxTailLogBytes {
		t.Errorf("log: %q", inv.Log)
	}
	if !strings.Contains(r.header.Get("X-Cff-Invoke-Summary"), `"memorySize":512`) {
		t.Errorf("summary: %s", r.header.Get("X-Cff-Invoke-Summary"))
	}

	r = te.do("POST", te.path("/fgs/functions/"+u+"/versions"), map[string]string{"version": "v1", "description": "first"})
	if r.status != 200 {
		t.Fatalf("publish: %d %s", r.status, r.body)
	}
	r = te.do("POST", te.path("/fgs/functions/"+u+"/versions"), map[string]string{})
	if r.status != 200 {
		t.Fatalf("publish auto-named: %d %s", r.status, r.body)
	}
	r = te.do("GET", te.path("/fgs/functions/"+u+"/versions"), nil)
	var versions struct {
		Versions []functionConfig `json:"versions"`
		Count    int              `json:"count"`
	}
	r.decode(t, &versions)
	if versions.Count != 3 || versions.Versions[1].Version != "v1" || !strings.HasPrefix(versions.Versions[2].Version, "v20") {
		t.Fatalf("versions: %s", r.body)
	}
	v1 := esc(strings.TrimSuffix(te.fnURN("hello"), "latest") + "v1")
	r = te.do("POST", te.path("/fgs/functions/"+v1+"/invocations"), `{"a":1}`)
	if r.status != 200 {
		t.Fatalf("invoke v1: %d %s", r.status, r.body)
	}

	r = te.do("POST", te.path("/fgs/functions/"+u+"/aliases"), map[string]any{"name": "prod", "version": "v1"})
	if r.status != 200 {
		t.Fatalf("alias: %d %s", r.status, r.body)
	}
	r = te.do("GET", te.path("/fgs/functions/"+u+"/aliases"), nil)
	if r.status != 200 || !strings.Contains(string(r.body), ":!prod") {
		t.Fatalf("aliases: %d %s", r.status, r.body)
	}
	r = te.do("GET", te.path("/fgs/functions/"+u+"/code"), nil)
	if r.status != 200 || !strings.Contains(string(r.body), "aW1wb3J0IGpzb24K") {
		t.Fatalf("code: %d %s", r.status, r.body)
	}
	r = te.do("PUT", te.path("/fgs/functions/"+u+"/code"), map[string]any{"code_type": "zip", "code_filename": "index.zip", "func_code": map[string]string{"file": "UEsDBA=="}})
	if r.status != 200 || !strings.Contains(string(r.body), `"code_size":4`) {
		t.Fatalf("update code: %d %s", r.status, r.body)
	}
	r = te.do("GET", te.path("/fgs/functions?maxitems=1"), nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"count":1`) {
		t.Fatalf("list: %d %s", r.status, r.body)
	}

	r = te.do("DELETE", te.path("/fgs/functions/"+u), nil)
	if r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	te.do("GET", te.path("/fgs/functions/"+u+"/config"), nil).expectError(t, "after delete", 404, codeFunctionNotFound)
}
