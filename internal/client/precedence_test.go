package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/load"
	"github.com/fgharness/fgharness/suites/framework"
)

// TestCredentialPrecedenceOnEveryPath sends one request through each
// request path of the harness — the client, the contract framework and the
// load runner's hitter — for each combination of credentials, and checks
// that all three authenticate the same way (see client.Credentials).
func TestCredentialPrecedenceOnEveryPath(t *testing.T) {
	const token, ak, sk, project = "tok-precedence", "AKPRECEDENCE", "sk-precedence", "p1"
	for _, tc := range []struct {
		name      string
		token     string
		ak, sk    string
		wantToken bool // X-Auth-Token: tok-precedence, no signature
		wantSign  bool // Authorization with the AK, X-Project-Id signed, no token
	}{
		{name: "token only", token: token, wantToken: true},
		{name: "AK/SK only", ak: ak, sk: sk, wantSign: true},
		{name: "token and AK/SK: the token wins", token: token, ak: ak, sk: sk, wantToken: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newHeaderRecorder(t)
			target := client.Target{BaseURL: rec.srv.URL, ProjectID: project, Token: tc.token, AK: tc.ak, SK: tc.sk}
			for path, send := range map[string]func(client.Target){
				"client":    sendThroughClient(t),
				"framework": sendThroughFramework(t),
				"load":      sendThroughLoad(t),
			} {
				rec.reset()
				send(target)
				h := rec.last()
				if h == nil {
					t.Fatalf("%s: no request reached the endpoint", path)
				}
				gotToken, auth := h.Get("X-Auth-Token"), h.Get("Authorization")
				switch {
				case tc.wantToken && (gotToken != token || auth != ""):
					t.Errorf("%s: X-Auth-Token %q, Authorization %q; want the token and no signature", path, gotToken, auth)
				case tc.wantSign && (gotToken != "" || !strings.Contains(auth, "Access="+ak) || !strings.Contains(auth, "x-project-id")):
					t.Errorf("%s: X-Auth-Token %q, Authorization %q; want an AK/SK signature over x-project-id and no token", path, gotToken, auth)
				}
				if tc.wantSign && h.Get("X-Project-Id") != project {
					t.Errorf("%s: X-Project-Id %q, want %q", path, h.Get("X-Project-Id"), project)
				}
			}
		})
	}
}

func sendThroughClient(t *testing.T) func(client.Target) {
	return func(target client.Target) {
		c, err := client.New(target)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Do(context.Background(), http.MethodGet, "/v2/{project_id}/fgs/functions", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func sendThroughFramework(t *testing.T) func(client.Target) {
	return func(target client.Target) {
		f, err := framework.Setup(context.Background(), framework.Config{Target: target})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close(context.Background())
		if _, err := f.Do(context.Background(), framework.Request{Operation: fgs.OpListFunctions}); err != nil {
			t.Fatal(err)
		}
	}
}

func sendThroughLoad(t *testing.T) func(client.Target) {
	return func(target client.Target) {
		_, err := load.Run(context.Background(), load.Options{
			Scenario: load.ScenarioSyncInvoke, Target: target,
			Function: "urn:fss:cn-north-4:p1:function:default:f:latest",
			Pacing:   load.Pacing{Rate: vegeta.Rate{Freq: 20, Per: time.Second}}, Duration: 200 * time.Millisecond,
			MaxRequests: 2, OutDir: t.TempDir(),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// headerRecorder is a loopback endpoint that keeps the headers of the last
// request and answers like FunctionGraph would, briefly.
type headerRecorder struct {
	srv *httptest.Server
	mu  sync.Mutex
	hdr http.Header
}

func newHeaderRecorder(t *testing.T) *headerRecorder {
	r := &headerRecorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.hdr = req.Header.Clone()
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(req.URL.Path, "/invocations") {
			w.Header().Set("X-Cff-Request-Id", "r1")
			_, _ = w.Write([]byte(`{"request_id":"r1","result":"{}","log":"","status":200}`))
			return
		}
		_, _ = w.Write([]byte(`{"functions":[],"next_marker":0,"count":0}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *headerRecorder) reset() {
	r.mu.Lock()
	r.hdr = nil
	r.mu.Unlock()
}

func (r *headerRecorder) last() http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hdr
}
