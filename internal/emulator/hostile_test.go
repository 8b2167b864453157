package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/httpguard"
	"github.com/fgharness/fgharness/internal/httpguard/httpguardtest"
	"github.com/fgharness/fgharness/internal/syncbuf"
)

func dialRaw(t *testing.T, te *testEmulator) *httpguardtest.Conn {
	t.Helper()
	return httpguardtest.Dial(t, te.local.URL)
}

var errorBody = httpguardtest.ErrorBody

func (te *testEmulator) invokePath(name string) string {
	return te.path("/fgs/functions/" + esc(te.fnURN(name)) + "/invocations")
}

// TestNoBodyIsReadBeforeCredentials: a request announcing 64 MB is answered
// at once, without its body, when its credentials are junk or the route
// takes less; before, the emulator waited for (and allocated) the body.
func TestNoBodyIsReadBeforeCredentials(t *testing.T) {
	te := startTest(t)
	te.createFunction("target", nil)
	const announced = "Content-Length: 67108864\r\n"
	cases := []struct {
		name, head string
		status     int
		code       string
	}{
		{"IAM token route", "POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n", 413, codeTooLarge},
		{"junk Authorization", "POST " + te.invokePath("target") + " HTTP/1.1\r\nHost: x\r\nAuthorization: junk\r\n", 401, codeUnauthorized},
		{"unknown AK", "POST " + te.invokePath("target") + " HTTP/1.1\r\nHost: x\r\nX-Sdk-Date: " + time.Now().UTC().Format("20060102T150405Z") +
			"\r\nAuthorization: SDK-HMAC-SHA256 Access=NOBODY, SignedHeaders=host;x-sdk-date, Signature=00\r\n", 401, codeUnauthorized},
		{"wrong token", "POST " + te.invokePath("target") + " HTTP/1.1\r\nHost: x\r\nX-Auth-Token: nope\r\n", 401, codeUnauthorized},
		{"valid token, over the invoke limit", "POST " + te.invokePath("target") + " HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " + te.local.Config.Token + "\r\n", 413, codeTooLarge},
	}
	for _, tc := range cases {
		c := dialRaw(t, te)
		c.Send(tc.head + announced + "\r\n{")
		status, ct, body, err := c.Answer(5 * time.Second)
		if err != nil {
			t.Errorf("%s: no answer before the body: %v", tc.name, err)
			continue
		}
		errorBody(t, tc.name, status, tc.status, ct, body, tc.code)
	}
}

// TestBodyBufferGrowsWithTheBytes: authorised requests that announce 5 MB
// and send a few bytes hold a few KB each, not what they announced.
func TestBodyBufferGrowsWithTheBytes(t *testing.T) {
	te := startTest(t)
	te.createFunction("target", nil)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const conns = 20
	for range conns {
		c := dialRaw(t, te)
		c.Send("POST " + te.invokePath("target") + " HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " + te.local.Config.Token +
			"\r\nContent-Length: 5000000\r\n\r\n{\"a\":")
	}
	time.Sleep(300 * time.Millisecond) // the handlers are reading by now
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > conns<<20 {
		t.Errorf("heap grew %d MB for %d bodies of 5 bytes announced as 5 MB", grew>>20, conns)
	}
}

// TestPerRouteBodyLimits: a 7 MB description on a route that takes no code
// is refused 413 with the Error body; a code route still takes 7 MB.
func TestPerRouteBodyLimits(t *testing.T) {
	te := startTest(t)
	te.strict = false
	te.createFunction("target", nil)
	desc := strings.Repeat("d", 7<<20)
	r := te.do("PUT", te.path("/fgs/functions/"+esc(te.fnURN("target"))+"/config"),
		map[string]any{"func_name": "target", "runtime": "Python3.9", "timeout": 30, "handler": "index.handler", "memory_size": 256, "description": desc})
	if r.status != 413 || r.errorCode(t) != codeTooLarge {
		t.Errorf("7 MB description: %d %.200s, want 413 %s", r.status, r.body, codeTooLarge)
	}
	r = te.do("PUT", te.path("/fgs/functions/"+esc(te.fnURN("target"))+"/code"),
		map[string]any{"code_type": "zip", "code_filename": "index.zip", "func_code": map[string]string{"file": strings.Repeat("QUJD", 7<<18)}})
	if r.status == 413 {
		t.Errorf("7 MB code package refused: %.200s", r.body)
	}
}

// TestSlowClientsAreCutOff: a connection that sends nothing, one that stops
// after its headers and one that trickles its body are all closed at the
// configured timeouts; before, they stayed open for good.
func TestSlowClientsAreCutOff(t *testing.T) {
	te := startTest(t, func(c *Config) {
		c.HeaderTimeout, c.BodyTimeout, c.ConnIdleTimeout = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	})
	te.createFunction("target", nil)
	silent := dialRaw(t, te)
	afterHeaders := dialRaw(t, te)
	afterHeaders.Send("POST " + te.invokePath("target") + " HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " + te.local.Config.Token + "\r\nContent-Length: 100\r\n\r\n")
	trickle := dialRaw(t, te)
	trickle.Send("POST " + te.invokePath("target") + " HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " + te.local.Config.Token + "\r\nContent-Length: 100\r\n\r\n")
	defer trickle.Trickle(100 * time.Millisecond)()
	for name, c := range map[string]*httpguardtest.Conn{"silent": silent, "stops after headers": afterHeaders, "trickles": trickle} {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := io.ReadAll(c.Reader()) // whatever it answers, the emulator must then close
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: still open after 10 s", name)
		}
	}
}

// TestConnectionCap: at the cap a new connection replaces the oldest quiet
// one, so health still answers among idle connections; when every
// connection is busy the newcomer gets 503 FSS.0503, and the cap is logged.
func TestConnectionCap(t *testing.T) {
	var logs syncbuf.Buffer
	te := startTest(t, func(c *Config) {
		c.MaxConns = 8
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	te.client.CloseIdleConnections()
	for range 8 {
		dialRaw(t, te) // idle: quiet
	}
	for i := range 3 {
		c := dialRaw(t, te)
		c.Send("GET /_fgh/v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if status, _, body, err := c.Answer(5 * time.Second); err != nil || status != 200 {
			t.Fatalf("health %d among idle connections at the cap: %d %s %v", i, status, body, err)
		}
		c.Close()
	}
	te.strict = false // /metrics is not a FunctionGraph operation
	if m := te.do("GET", "/metrics", nil).body; !bytes.Contains(m, []byte(`fgh_emulator_connections_refused_total{reason="quiet_replaced"}`)) {
		t.Error("/metrics does not count the quiet connections replaced")
	}
	// Every connection busy: a fresh emulator, so that no quiet connection
	// of the first part is left to make room.
	te = startTest(t, func(c *Config) {
		c.MaxConns = 4
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	te.createSleeper("sleeper", "3s")
	te.client.CloseIdleConnections()
	g := te.local.Emulator.conns
	waitConns := func(what string, ok func(open, quiet int) bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			open, quiet := g.Counts()
			if ok(open, quiet) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d open, %d quiet", what, open, quiet)
			}
		}
	}
	waitConns("the set-up connection did not close", func(open, _ int) bool { return open == 0 })
	busy := make([]*httpguardtest.Conn, 4)
	for i := range busy {
		busy[i] = dialRaw(t, te)
		busy[i].Send("POST " + te.invokePath("sleeper") + " HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " + te.local.Config.Token + "\r\nContent-Length: 2\r\n\r\n{}")
	}
	waitConns("the sleepers are not all busy", func(open, quiet int) bool { return open == 4 && quiet == 0 })
	c := dialRaw(t, te)
	c.Send("GET /_fgh/v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	status, ct, body, err := c.Answer(5 * time.Second)
	if err != nil {
		t.Fatalf("no answer over the cap: %v", err)
	}
	errorBody(t, "over the cap, all busy", status, 503, ct, body, codeUnavailable)
	if !strings.Contains(logs.String(), "connection limit reached") {
		t.Errorf("the cap was not logged:\n%s", logs.String())
	}
	for _, b := range busy {
		b.Close()
	}
	// Until the emulator has let go of them, a new connection is shed with
	// an unasked 503, which the client takes as a broken connection.
	waitConns("the busy connections did not close", func(open, _ int) bool { return open == 0 })
	te.strict = false // /metrics is not a FunctionGraph operation
	var metrics string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if r := te.do("GET", "/metrics", nil); r.status == 200 {
			metrics = string(r.body)
			break
		}
	}
	if !strings.Contains(metrics, `fgh_emulator_connections_refused_total{reason="shed_503"}`) {
		t.Error("/metrics does not count the connections shed with 503")
	}
}

// TestNetHTTPOwnAnswersAreErrorBodies: what net/http refuses before any
// handler runs is answered in the Error body with the status net/http chose.
func TestNetHTTPOwnAnswersAreErrorBodies(t *testing.T) {
	te := startTest(t)
	cases := []struct {
		name, request string
		status        int
	}{
		{"garbage request line", "NOT HTTP AT ALL\r\n\r\n", 400},
		{"bad Content-Length", "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400},
		{"no Host", "GET /_fgh/v1/healthz HTTP/1.1\r\n\r\n", 400},
		{"bad header name", "GET /_fgh/v1/healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400},
		{"headers over the limit", "GET /_fgh/v1/healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", httpguard.MaxHeaderBytes+8<<10) + "\r\n\r\n", 431},
		{"unknown transfer encoding", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"unknown expectation", "POST /x HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\nContent-Length: 2\r\n\r\n{}", 417},
		{"HTTP/2 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
	}
	for _, tc := range cases {
		c := dialRaw(t, te)
		c.Send(tc.request)
		status, ct, body, err := c.Answer(5 * time.Second)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		errorBody(t, tc.name, status, tc.status, ct, body, codeBadRequest)
	}
}

// TestCaseAndDuplicateKeysCannotBypassValidation: members named in another
// case do not override validated ones, duplicates are refused, and the
// function created stays readable and deletable.
func TestCaseAndDuplicateKeysCannotBypassValidation(t *testing.T) {
	te := startTest(t)
	te.strict = false
	body := `{"func_name":"okname","FUNC_NAME":"x/../\u0000y","package":"default","runtime":"Python3.9","timeout":30,"Timeout":999999,` +
		`"handler":"index.handler","memory_size":256,"Memory_Size":-7,"code_type":"inline","func_code":{"file":"aW1wb3J0IGpzb24K"}}`
	r := te.do("POST", te.path("/fgs/functions"), body)
	if r.status != 200 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var cfg struct {
		Name    string `json:"func_name"`
		Memory  int    `json:"memory_size"`
		Timeout int    `json:"timeout"`
	}
	r.decode(t, &cfg)
	if cfg.Name != "okname" || cfg.Memory != 256 || cfg.Timeout != 30 {
		t.Errorf("stored %+v, want what was validated: okname, 256 MB, 30 s", cfg)
	}
	cfgPath := te.path("/fgs/functions/" + esc(te.fnURN("okname")) + "/config")
	if r := te.do("GET", cfgPath, nil); r.status != 200 {
		t.Errorf("read back: %d %s", r.status, r.body)
	}
	if r := te.do("DELETE", te.path("/fgs/functions/"+esc(te.fnURN("okname"))), nil); r.status != 204 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	dup := `{"func_name":"okname","func_name":"other","package":"default","runtime":"Python3.9","timeout":30,"handler":"index.handler","memory_size":256}`
	if r := te.do("POST", te.path("/fgs/functions"), dup); r.status != 400 || r.errorCode(t) != codeBadRequest {
		t.Errorf("duplicate key: %d %s, want 400", r.status, r.body)
	}
}

// TestAmbiguousRequestsAreRefused: two X-Auth-Token headers, and a URN
// with a NUL byte, are 400s.
func TestAmbiguousRequestsAreRefused(t *testing.T) {
	te := startTest(t)
	te.strict = false
	te.createFunction("target", nil)
	req, _ := http.NewRequest("GET", te.local.URL+te.path("/fgs/functions/"+esc(te.fnURN("target"))+"/config"), nil)
	req.Header["X-Auth-Token"] = []string{te.local.Config.Token, "other"}
	if r := te.send(req, nil); r.status != 400 || r.errorCode(t) != codeBadRequest {
		t.Errorf("two X-Auth-Token: %d %s, want 400", r.status, r.body)
	}
	nul := "urn:fss:" + te.local.Config.Region + ":" + te.project() + ":function:default:tar%00get:latest"
	if r := te.do("GET", te.path("/fgs/functions/"+nul+"/config"), nil); r.status != 400 || r.errorCode(t) != codeBadRequest {
		t.Errorf("URN with %%00: %d %s, want 400", r.status, r.body)
	}
}

// TestFaultsNeedTheAdminToken: neither the API token nor an IAM user's token
// may change faults; the admin token may, alone.
func TestFaultsNeedTheAdminToken(t *testing.T) {
	te := startTest(t)
	login := fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"password":%q,"domain":{"name":"d"}}}},"scope":{"project":{"id":%q}}}}`,
		DefaultUser, DefaultPassword, te.project())
	r := te.do("POST", "/v3/auth/tokens", login)
	iamToken := r.header.Get("X-Subject-Token")
	if r.status != 201 || iamToken == "" {
		t.Fatalf("IAM login: %d %s", r.status, r.body)
	}
	const faults = `{"error_rate":1}`
	for name, h := range map[string][]string{
		"API token":        nil,
		"IAM user's token": {"X-Auth-Token", iamToken},
		"wrong admin":      {adminTokenHeader, "guess"},
	} {
		if r := te.do("PUT", "/_fgh/v1/faults", faults, h...); r.status != 401 || r.errorCode(t) != codeUnauthorized {
			t.Errorf("%s: %d %s, want 401", name, r.status, r.body)
		}
	}
	if f := te.local.Emulator.currentFaults(); f.Active() {
		t.Fatalf("faults changed without the admin token: %+v", f)
	}
	if r := te.do("PUT", "/_fgh/v1/faults", faults, "X-Auth-Token", "", adminTokenHeader, DefaultAdmin); r.status != 200 {
		t.Errorf("admin token: %d %s", r.status, r.body)
	}
	off := startTest(t, func(c *Config) { c.AdminToken = "" })
	if r := off.do("PUT", "/_fgh/v1/faults", faults, adminTokenHeader, DefaultAdmin); r.status != 403 {
		t.Errorf("no admin token configured: %d %s, want 403", r.status, r.body)
	}
	if !bytes.Contains(te.do("GET", "/_fgh/v1/faults", nil).body, []byte(`"error_rate":1`)) {
		t.Error("GET faults with the API token does not show them")
	}
}
