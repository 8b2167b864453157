package emulator

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/aksk"
)

var documentedCode = regexp.MustCompile(`^(?:FSS\.\d{4}|IAM\.\d{4})$`)

// TestBadInputs sends malformed and hostile requests: each must get a 4xx
// with an Error body and a documented code, never a 5xx, and change nothing.
func TestBadInputs(t *testing.T) {
	te := startTest(t)
	te.strict = false // these requests break the spec on purpose
	te.createFunction("victim", nil)
	u := esc(te.fnURN("victim"))
	fn := te.path("/fgs/functions/" + u)
	create := func(mut func(m map[string]any)) map[string]any {
		m := map[string]any{"func_name": "newfn", "package": "default", "runtime": "Python3.9", "timeout": 30,
			"handler": "index.handler", "memory_size": 256, "code_type": "inline"}
		mut(m)
		return m
	}
	huge := bytes.Repeat([]byte("a"), 7<<20)
	hugeJSON := append(append([]byte(`{"k":"`), huge...), `"}`...)

	cases := []struct {
		name, method, path string
		body               any
		header             []string
		status             int
		code               string
	}{
		{"invoke bad json", "POST", fn + "/invocations", `{"k":`, nil, 400, codeBadRequest},
		{"invoke not an object", "POST", fn + "/invocations", `[1,2]`, nil, 400, codeBadRequest},
		{"invoke string event", "POST", fn + "/invocations", `"hello"`, nil, 400, codeBadRequest},
		{"invoke empty body", "POST", fn + "/invocations", ``, nil, 400, codeBadRequest},
		{"invoke over 6 MB", "POST", fn + "/invocations", hugeJSON, nil, 413, codeTooLarge},
		{"invoke bad log type", "POST", fn + "/invocations", `{}`, []string{"X-Cff-Log-Type", "everything"}, 400, codeBadRequest},
		{"invoke bad request version", "POST", fn + "/invocations", `{}`, []string{"X-CFF-Request-Version", "v9"}, 400, codeBadRequest},
		{"invoke bad instance memory", "POST", fn + "/invocations", `{}`, []string{"X-Cff-Instance-Memory", "lots"}, 400, codeBadMemory},
		{"invoke unknown function", "POST", te.path("/fgs/functions/" + esc(te.fnURN("ghost")) + "/invocations"), `{}`, nil, 404, codeFunctionNotFound},
		{"invoke unknown version", "POST", te.path("/fgs/functions/" + esc(strings.TrimSuffix(te.fnURN("victim"), "latest")+"v404") + "/invocations"), `{}`, nil, 404, codeFunctionNotFound},
		{"async bad json", "POST", fn + "/invocations-async", `nope`, nil, 400, codeBadRequest},
		{"malformed urn", "GET", te.path("/fgs/functions/not-a-urn/config"), nil, nil, 400, codeBadRequest},
		{"urn wrong kind", "GET", te.path("/fgs/functions/" + esc("urn:fss:cn-north-4:"+te.project()+":lambda:default:victim:latest") + "/config"), nil, nil, 400, codeBadRequest},
		{"urn other project", "GET", te.path("/fgs/functions/" + esc("urn:fss:cn-north-4:0000:function:default:victim:latest") + "/config"), nil, nil, 403, codeForbidden},
		{"urn too many parts", "GET", te.path("/fgs/functions/" + esc(te.fnURN("victim")+":x:y") + "/config"), nil, nil, 400, codeBadRequest},
		{"encoded slash in urn", "GET", te.path("/fgs/functions/urn%3Afss%3Acn-north-4%3A" + te.project() + "%3Afunction%3Adefault%3Avic%2Ftim/config"), nil, nil, 400, codeBadRequest},
		{"create bad json", "POST", te.path("/fgs/functions"), `{"func_name":`, nil, 400, codeBadRequest},
		{"create empty body", "POST", te.path("/fgs/functions"), ``, nil, 400, codeBadRequest},
		{"create wrong type", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["timeout"] = "thirty" }), nil, 400, codeBadTimeout},
		{"create bad runtime", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["runtime"] = "Cobol85" }), nil, 400, codeBadRuntime},
		{"create bad memory", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["memory_size"] = 100 }), nil, 400, codeBadMemory},
		{"create timeout too small", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["timeout"] = 1 }), nil, 400, codeBadTimeout},
		{"create timeout too large", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["timeout"] = 300000 }), nil, 400, codeBadTimeout},
		{"create handler without dot", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["handler"] = "handler" }), nil, 400, codeBadHandler},
		{"create handler trailing dot", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["handler"] = "index." }), nil, 400, codeBadHandler},
		{"create bad name", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["func_name"] = "9-bad name" }), nil, 400, codeBadFuncName},
		{"create missing runtime", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { delete(m, "runtime") }), nil, 400, codeBadRuntime},
		{"create bad code type", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["code_type"] = "floppy" }), nil, 400, codeBadCodeType},
		{"create zip without file", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["code_type"] = "zip"; m["code_filename"] = "a.zip" }), nil, 400, codeCodeMissing},
		{"create obs without url", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["code_type"] = "obs" }), nil, 400, codeBadURL},
		{"create bad base64", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["func_code"] = map[string]any{"file": "!!!"} }), nil, 400, codeBadCode},
		{"create bad user_data", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["user_data"] = "not json" }), nil, 400, codeBadUserData},
		{"create unknown behaviour", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["user_data"] = `{"FGH_HANDLER":"explode"}` }), nil, 400, codeBadUserData},
		{"create duplicate", "POST", te.path("/fgs/functions"), create(func(m map[string]any) { m["func_name"] = "victim" }), nil, 409, codeConflict},
		{"create text content type", "POST", te.path("/fgs/functions"), create(func(map[string]any) {}), []string{"Content-Type", "text/plain"}, 400, ""},
		{"update renames", "PUT", fn + "/config", map[string]any{"func_name": "other", "runtime": "Python3.9", "timeout": 30, "handler": "index.handler", "memory_size": 128}, nil, 400, codeBadFuncName},
		{"update concurrency out of range", "PUT", fn + "/config", map[string]any{"func_name": "victim", "runtime": "Python3.9", "timeout": 30, "handler": "index.handler", "memory_size": 128, "strategy_config": map[string]any{"concurrency": 5000}}, nil, 400, codeBadRequest},
		{"publish latest name", "POST", fn + "/versions", map[string]string{"version": "latest"}, nil, 400, codeBadVersion},
		{"alias to missing version", "POST", fn + "/aliases", map[string]string{"name": "prod", "version": "v9"}, nil, 400, codeBadVersion},
		{"list bad marker", "GET", te.path("/fgs/functions?marker=abc"), nil, nil, 400, codeBadQuery},
		{"metric bad type", "GET", te.path("/fgs/function/report?type=vibes"), nil, nil, 400, codeBadQuery},
		{"workflow missing fields", "POST", te.path("/fgs/workflows"), map[string]any{"name": "w"}, nil, 400, codeBadRequest},
		{"batch delete wrong type", "DELETE", te.path("/fgs/workflows"), map[string]any{"workflow_urns": "all"}, nil, 400, codeBadRequest},
		{"dependency bad name", "POST", te.path("/fgs/dependencies"), map[string]any{"depend_type": "zip", "depend_file": "UEsDBA==", "runtime": "Python3.9", "name": "-bad"}, nil, 400, codeBadRequest},
		{"dependency zip without file", "POST", te.path("/fgs/dependencies/version"), map[string]any{"depend_type": "zip", "runtime": "Python3.9", "name": "dep"}, nil, 400, codeBadRequest},
		{"timer bad rate", "POST", te.path("/fgs/triggers/" + u), map[string]any{"trigger_type_code": "TIMER", "event_data": map[string]any{"name": "t", "schedule_type": "Rate", "schedule": "soon"}}, nil, 400, codeBadRequest},
		{"timer seconds rate", "POST", te.path("/fgs/triggers/" + u), map[string]any{"trigger_type_code": "TIMER", "event_data": map[string]any{"name": "t", "schedule_type": "Rate", "schedule": "30s"}}, nil, 400, codeBadRequest},
		{"timer rate over an hour of minutes", "POST", te.path("/fgs/triggers/" + u), map[string]any{"trigger_type_code": "TIMER", "event_data": map[string]any{"name": "t", "schedule_type": "Rate", "schedule": "61m"}}, nil, 400, codeBadRequest},
		{"timer cron never fires", "POST", te.path("/fgs/triggers/" + u), map[string]any{"trigger_type_code": "TIMER", "event_data": map[string]any{"name": "t", "schedule_type": "Cron", "schedule": "0 0 0 30 Feb ?"}}, nil, 400, codeBadRequest},
		{"timer cron garbage", "POST", te.path("/fgs/triggers/" + u), map[string]any{"trigger_type_code": "TIMER", "event_data": map[string]any{"name": "t", "schedule_type": "Cron", "schedule": "every tuesday"}}, nil, 400, codeBadRequest},
		{"timer without schedule_type", "POST", te.path("/fgs/triggers/" + u), map[string]any{"trigger_type_code": "TIMER", "event_data": map[string]any{"name": "t", "schedule": "1d"}}, nil, 400, codeBadRequest},
		{"timer bad name", "POST", te.path("/fgs/triggers/" + u), map[string]any{"trigger_type_code": "TIMER", "event_data": map[string]any{"name": "9 lives", "schedule_type": "Rate", "schedule": "1d"}}, nil, 400, codeBadRequest},
		{"timer event_data wrong type", "POST", te.path("/fgs/triggers/" + u), map[string]any{"trigger_type_code": "TIMER", "event_data": "1d"}, nil, 400, codeBadRequest},
		{"delete unknown trigger", "DELETE", te.path("/fgs/triggers/" + u + "/TIMER/nope"), nil, nil, 404, codeNotFound},
		{"unknown path", "GET", "/v2/" + te.project() + "/fgs/unicorns", nil, nil, 404, codeNotFound},
		{"unknown method", "PATCH", fn + "/config", `{}`, nil, 404, codeNotFound},
		{"root path", "GET", "/", nil, nil, 404, codeNotFound},
		{"dot dot segment", "GET", "/v2/" + te.project() + "/fgs/functions/../../v3/auth/tokens", nil, nil, 400, codeBadRequest},
		{"dot segment", "GET", "/v2/" + te.project() + "/./fgs/functions", nil, nil, 400, codeBadRequest},
		{"double slash", "GET", "/v2//" + te.project() + "/fgs/functions", nil, nil, 400, codeBadRequest},
		{"trailing slash", "GET", te.path("/fgs/functions/"), nil, nil, 404, codeNotFound},
		{"other project", "GET", "/v2/0000/fgs/functions", nil, nil, 403, codeForbidden},
		{"x-project-id mismatch", "GET", te.path("/fgs/functions"), nil, []string{"X-Project-Id", "0000"}, 403, codeForbidden},
		{"no credentials", "GET", te.path("/fgs/functions"), nil, []string{"X-Auth-Token", ""}, 401, codeUnauthorized},
		{"wrong token", "GET", te.path("/fgs/functions"), nil, []string{"X-Auth-Token", "guess"}, 401, codeUnauthorized},
		{"token with junk bytes", "GET", te.path("/fgs/functions"), nil, []string{"X-Auth-Token", "токен; DROP TABLE--"}, 401, codeUnauthorized},
		{"garbage authorization", "GET", te.path("/fgs/functions"), nil, []string{"X-Auth-Token", "", "Authorization", "Basic Zm9vOmJhcg=="}, 401, codeUnauthorized},
		{"signature without date", "GET", te.path("/fgs/functions"), nil, []string{"X-Auth-Token", "", "Authorization", "SDK-HMAC-SHA256 Access=" + DefaultAK + ", SignedHeaders=host, Signature=00"}, 401, codeUnauthorized},
		{"iam wrong password", "POST", "/v3/auth/tokens", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{"name": DefaultUser, "password": "nope", "domain": map[string]any{"name": "d"}}}}, "scope": map[string]any{"project": map[string]any{"id": te.project()}}}}, []string{"X-Auth-Token", ""}, 401, codeIAMUnauthorized},
		{"iam bad body", "POST", "/v3/auth/tokens", `{"auth":1}`, []string{"X-Auth-Token", ""}, 400, ""},
		{"admin without token", "GET", "/_fgh/v1/faults", nil, []string{"X-Auth-Token", ""}, 401, codeUnauthorized},
		{"admin bad faults", "PUT", "/_fgh/v1/faults", `error_rate: 7`, []string{adminTokenHeader, DefaultAdmin}, 400, codeBadRequest},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d bad inputs", len(cases))
	}
	before := te.local.Emulator.store.snapshot()
	for _, c := range cases {
		r := te.do(c.method, c.path, c.body, c.header...)
		switch {
		case r.status >= 500 || r.status < 400:
			t.Errorf("%s: status %d, want a 4xx: %.300s", c.name, r.status, r.body)
			continue
		case c.status != 0 && r.status != c.status:
			t.Errorf("%s: status %d, want %d: %.300s", c.name, r.status, c.status, r.body)
		}
		code := r.errorCode(t)
		if !documentedCode.MatchString(code) || (c.code != "" && code != c.code) {
			t.Errorf("%s: code %s, want %s: %.300s", c.name, code, c.code, r.body)
		}
	}
	if after := te.local.Emulator.store.snapshot(); after != before {
		t.Errorf("bad inputs changed the store:\nbefore %s\nafter  %s", before, after)
	}
}

func TestSignedRequests(t *testing.T) {
	te := startTest(t)
	sign := func(sk string, when time.Time) response {
		req, _ := http.NewRequest("GET", te.local.URL+te.path("/fgs/functions"), nil)
		if err := aksk.Sign(req, nil, DefaultAK, sk, when); err != nil {
			t.Fatal(err)
		}
		return te.send(req, nil)
	}
	if r := sign(DefaultSK, time.Now()); r.status != 200 {
		t.Fatalf("signed: %d %s", r.status, r.body)
	}
	te.strict = false
	if r := sign("wrong", time.Now()); r.status != 401 {
		t.Fatalf("wrong SK: %d %s", r.status, r.body)
	}
	if r := sign(DefaultSK, time.Now().Add(-20*time.Minute)); r.status != 401 || !strings.Contains(string(r.body), "X-Sdk-Date") {
		t.Fatalf("stale date: %d %s", r.status, r.body)
	}
}
