package emulator

import (
	"strings"
	"testing"
)

// invokedVersion invokes the URN with a tail log and reads which version ran.
func (te *testEmulator) invokedVersion(u string) string {
	te.t.Helper()
	r := te.do("POST", te.path("/fgs/functions/"+esc(u)+"/invocations"), `{}`, "X-Cff-Log-Type", "tail")
	var out struct {
		Log string `json:"log"`
	}
	r.decode(te.t, &out)
	_, rest, ok := strings.Cut(out.Log, "version: ")
	if r.status != 200 || !ok {
		te.t.Fatalf("invoke %s: %d %s", u, r.status, r.body)
	}
	v, _, _ := strings.Cut(rest, "\n")
	return v
}

func (te *testEmulator) publish(fn, version string) {
	te.t.Helper()
	if r := te.do("POST", te.path("/fgs/functions/"+esc(te.fnURN(fn))+"/versions"), map[string]string{"version": version}); r.status != 200 {
		te.t.Fatalf("publish %s: %d %s", version, r.status, r.body)
	}
}

// aliasFixture makes function fn with versions v1 and v2 and alias on v1,
// and returns the path of its aliases.
func (te *testEmulator) aliasFixture(fn, alias string) string {
	te.t.Helper()
	te.createFunction(fn, nil)
	te.publish(fn, "v1")
	te.publish(fn, "v2")
	base := te.path("/fgs/functions/" + esc(te.fnURN(fn)) + "/aliases")
	if r := te.do("POST", base, map[string]any{"name": alias, "version": "v1"}); r.status != 200 {
		te.t.Fatalf("create alias: %d %s", r.status, r.body)
	}
	return base
}

func TestAliasShowUpdateDelete(t *testing.T) {
	te := startTest(t)
	base := te.aliasFixture("al", "prod")
	strategy := map[string]any{"v2": map[string]any{"combine_type": "and",
		"rules": []any{map[string]string{"rule_type": "Header", "param": "version", "op": "=", "value": "v2"}}}}
	r := te.do("PUT", base+"/prod", map[string]any{"version": "v2", "description": "moved", "additional_version_strategy": map[string]any{}})
	if r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	if r := te.do("PUT", base+"/prod", map[string]any{"version": "v1", "additional_version_strategy": strategy}); r.status != 200 {
		t.Fatalf("update with strategy: %d %s", r.status, r.body)
	}
	var a alias
	te.do("GET", base+"/prod", nil).decode(t, &a)
	if a.Version != "v1" || a.Description != "" || a.AdditionalVersionStrategy["v2"] == nil || !strings.HasSuffix(a.AliasURN, ":!prod") {
		t.Fatalf("show: %+v", a)
	}
	for _, bad := range []map[string]any{
		{"version": "v9"},
		{"version": "v1", "additional_version_weights": map[string]int{"v1": 10}},
		{"version": "v1", "additional_version_weights": map[string]int{"v2": 60, "latest": 50}},
	} {
		if code := te.do("PUT", base+"/prod", bad).errorCode(t); code != codeBadVersion && code != codeBadRequest {
			t.Errorf("%v: %s", bad, code)
		}
	}
	if code := te.do("GET", base+"/nope", nil).errorCode(t); code != codeAliasNotFound {
		t.Fatalf("unknown alias: %s", code)
	}
	if r := te.do("DELETE", base+"/prod", nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if code := te.do("GET", base+"/prod", nil).errorCode(t); code != codeAliasNotFound {
		t.Fatalf("deleted alias: %s", code)
	}
}

// An alias sends its additional version the documented share (percent) of
// invocations, visible as the version in each invocation's log.
func TestAliasRoutesWeightedShare(t *testing.T) {
	te := startTest(t)
	base := te.aliasFixture("canary", "live")
	live := strings.TrimSuffix(te.fnURN("canary"), "latest") + "!live"
	share := func(weight, n int) int {
		t.Helper()
		if r := te.do("PUT", base+"/live", map[string]any{"version": "v1", "additional_version_weights": map[string]int{"v2": weight}}); r.status != 200 {
			t.Fatalf("weight %d: %d %s", weight, r.status, r.body)
		}
		hits := 0
		for range n {
			switch v := te.invokedVersion(live); v {
			case "v2":
				hits++
			case "v1":
			default:
				t.Fatalf("alias ran version %q", v)
			}
		}
		return hits
	}
	if got := share(0, 20); got != 0 {
		t.Fatalf("weight 0: v2 ran %d times", got)
	}
	if got := share(100, 20); got != 20 {
		t.Fatalf("weight 100: v2 ran %d of 20 times", got)
	}
	// 400 draws at 30 %: mean 120, sd 9.2; the bounds are over 5 sd away.
	if got := share(30, 400); got < 70 || got > 170 {
		t.Fatalf("weight 30: v2 ran %d of 400 times", got)
	}
}

// Rule-based routing sends the invocations that meet an additional
// version's rules there, and the rest to the alias's version.
func TestAliasRoutesByRule(t *testing.T) {
	te := startTest(t)
	base := te.aliasFixture("rules", "live")
	rule := func(ruleType, op, value, combine string) map[string]any {
		return map[string]any{"version": "v1", "additional_version_strategy": map[string]any{"v2": map[string]any{
			"combine_type": combine, "rules": []any{map[string]string{"rule_type": ruleType, "param": "x-canary", "op": op, "value": value}}}}}
	}
	live := strings.TrimSuffix(te.fnURN("rules"), "latest") + "!live"
	ran := func(header ...string) string {
		t.Helper()
		r := te.do("POST", te.path("/fgs/functions/"+esc(live)+"/invocations"), `{}`, append([]string{"X-Cff-Log-Type", "tail"}, header...)...)
		var out struct {
			Log string `json:"log"`
		}
		r.decode(t, &out)
		_, rest, _ := strings.Cut(out.Log, "version: ")
		v, _, _ := strings.Cut(rest, "\n")
		return v
	}
	for _, c := range []struct {
		body   map[string]any
		header []string
		want   string
	}{
		{rule("Header", "=", "yes", "and"), []string{"X-Canary", "yes"}, "v2"},
		{rule("header", "=", "yes", "and"), []string{"X-Canary", "no"}, "v1"},
		{rule("header", "=", "yes", "and"), nil, "v1"},
		{rule("header", "in", "a, b", "or"), []string{"X-Canary", "b"}, "v2"},
		{rule("cookie", "=", "yes", "and"), []string{"Cookie", "x-canary=yes"}, "v2"},
		{rule("cookie", "=", "yes", "and"), []string{"X-Canary", "yes"}, "v1"},
	} {
		if r := te.do("PUT", base+"/live", c.body); r.status != 200 {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		if got := ran(c.header...); got != c.want {
			t.Errorf("rules %v with %v: ran %s, want %s", c.body["additional_version_strategy"], c.header, got, c.want)
		}
	}
}
