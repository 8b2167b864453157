package emulator

import (
	"strings"
	"sync"
	"testing"
)

// With the instance limit at 1, a second concurrent invocation is refused
// with 429 FSS.0429 while the first runs; at -1 both run.
func TestMaxInstancesRefusesConcurrentInvocations(t *testing.T) {
	te := startTest(t)
	fn := te.createSleeper("single", "400ms")
	limit := func(n int) {
		t.Helper()
		var cfg functionConfig
		r := te.do("PUT", fn+"/config-max-instance", map[string]int{"max_instance_num": n})
		r.decode(t, &cfg)
		if r.status != 200 || cfg.StrategyConfig.Concurrency != n {
			t.Fatalf("max instances %d: %d %s", n, r.status, r.body)
		}
	}
	invokeTwice := func() (statuses []int, codes []string) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		first := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 1 {
					<-first
				}
				r := te.do("POST", fn+"/invocations", `{}`)
				mu.Lock()
				defer mu.Unlock()
				statuses = append(statuses, r.status)
				if r.status != 200 {
					codes = append(codes, string(r.body))
				}
			}()
			if i == 0 {
				waitFor(func() bool {
					var n int64
					te.local.Emulator.store.read(func() { n = te.local.Emulator.store.functions[fnKey{"default", "single"}].rt.inFlight.Load() })
					return n == 1
				})
				close(first)
			}
		}
		wg.Wait()
		return statuses, codes
	}
	limit(1)
	statuses, bodies := invokeTwice()
	if len(bodies) != 1 || !strings.Contains(bodies[0], codeTooManyRequests) || !(statuses[0] == 429 || statuses[1] == 429) {
		t.Fatalf("limit 1: statuses %v, errors %v", statuses, bodies)
	}
	limit(-1)
	if statuses, bodies := invokeTwice(); len(bodies) != 0 {
		t.Fatalf("unlimited: statuses %v, errors %v", statuses, bodies)
	}
	limit(0)
	if code := te.do("POST", fn+"/invocations", `{}`).errorCode(t); code != codeForbidden {
		t.Fatalf("limit 0 (disabled): %s", code)
	}
}

func TestSnapshotStateIsForPublishedJavaVersions(t *testing.T) {
	te := startTest(t)
	te.createFunction("jv", map[string]any{"runtime": "Java11", "handler": "com.example.Handler::handle"})
	te.publish("jv", "v1")
	latest := te.path("/fgs/functions/" + esc(te.fnURN("jv")))
	v1 := te.path("/fgs/functions/" + esc(strings.TrimSuffix(te.fnURN("jv"), "latest")+"v1"))
	state := func(p, action string) string {
		var out struct {
			State string `json:"state"`
		}
		te.do("GET", p+"/snapshots/"+action, nil).decode(t, &out)
		return out.State
	}
	if s := state(v1, "state"); s != "disable" {
		t.Fatalf("initial state %q", s)
	}
	if r := te.do("POST", v1+"/snapshots/enable", nil); r.status != 200 {
		t.Fatalf("enable: %d %s", r.status, r.body)
	}
	if s, used := state(v1, "state"), state(v1, "enableSnapshot"); s != "enable" || used != "true" {
		t.Fatalf("after enable: state %q, enableSnapshot %q", s, used)
	}
	te.do("POST", v1+"/snapshots/disable", nil)
	if s := state(v1, "state"); s != "disable" {
		t.Fatalf("after disable: %q", s)
	}
	if code := te.do("POST", latest+"/snapshots/enable", nil).errorCode(t); code != codeBadVersion {
		t.Fatalf("latest: %s", code)
	}
	te.createFunction("py", nil)
	te.publish("py", "v1")
	py := te.path("/fgs/functions/" + esc(strings.TrimSuffix(te.fnURN("py"), "latest")+"v1"))
	if code := te.do("POST", py+"/snapshots/enable", nil).errorCode(t); code != codeBadRuntime {
		t.Fatalf("python: %s", code)
	}
}

func TestCollectStateIsStored(t *testing.T) {
	te := startTest(t)
	te.createFunction("pin", nil)
	p := te.path("/fgs/functions/" + esc(te.fnURN("pin")) + "/collect/")
	pinned := func() (on bool) {
		s := te.local.Emulator.store
		s.read(func() { on = s.functions[fnKey{"default", "pin"}].pinned })
		return on
	}
	if r := te.do("PUT", p+"true", nil); r.status != 200 || !pinned() {
		t.Fatalf("pin: %d %s", r.status, r.body)
	}
	if r := te.do("PUT", p+"false", nil); r.status != 200 || pinned() {
		t.Fatalf("unpin: %d %s", r.status, r.body)
	}
	if code := te.do("PUT", te.path("/fgs/functions/"+esc(te.fnURN("nobody"))+"/collect/true"), nil).errorCode(t); code != codeFunctionNotFound {
		t.Fatalf("unknown function: %s", code)
	}
}

func TestCustomImageHandlerIsADash(t *testing.T) {
	te := startTest(t)
	cfg := te.createFunction("img", map[string]any{"runtime": "Custom Image", "handler": "-", "code_type": "Custom-Image-Swr",
		"custom_image": map[string]string{"image": "swr.example.com/org/app:1"}})
	if cfg["handler"] != "-" {
		t.Fatalf("handler %v", cfg["handler"])
	}
}

func TestExecutableHandlersNeedNoDot(t *testing.T) {
	te := startTest(t)
	cfg := te.createFunction("custom", map[string]any{"runtime": "Custom", "handler": "bootstrap"})
	if cfg["handler"] != "bootstrap" {
		t.Fatalf("handler %v", cfg["handler"])
	}
	te.strict = false // a deliberately invalid request: the spec refuses it too
	r := te.do("POST", te.path("/fgs/functions"), map[string]any{"func_name": "py", "package": "default", "runtime": "Python3.9",
		"timeout": 3, "handler": "bootstrap", "memory_size": 128, "code_type": "inline", "func_code": map[string]string{"file": "e30="}})
	if r.status != 400 {
		t.Fatalf("python without a dot: %d %s", r.status, r.body)
	}
}
