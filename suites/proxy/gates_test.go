package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fghtest"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/framework"
)

// TestProxyAcceptFile: the SDK's life cycle against an emulator answering
// createFunction 201, with an accept file for it. In force, the check is
// accepted, the run passes and every report says so; expired, the same
// violation fails the run again and the reports say the entry expired.
// Either way the entry that matched nothing is stale.
func TestProxyAcceptFile(t *testing.T) {
	for _, c := range []struct {
		expires string
		state   string
	}{{"2099-12-31", reports.AcceptApplied}, {"2020-01-01", reports.AcceptExpired}} {
		t.Run(c.state, func(t *testing.T) {
			cfg := emulator.DefaultConfig()
			em := startEmulator(t, cfg, "create-201")
			out := t.TempDir()
			px := startProxy(t, Options{Upstream: em.URL, OutDir: out, AcceptFile: fghtest.AcceptCreate201(t, c.expires)})
			sdkLifeCycle(t, sdkVia(t, px.URL, cfg, cfg.SK, http.DefaultTransport))
			res := px.stop(t)
			applied := c.state == reports.AcceptApplied
			if res.Summary.Failed() == applied {
				t.Fatalf("failed=%v with the entry %s", res.Summary.Failed(), c.state)
			}
			conf, err := reports.ReadConformance(out)
			if err != nil {
				t.Fatal(err)
			}
			var create reports.ConformanceCheck
			for _, ch := range conf.Checks {
				if ch.Operation == fgs.OpCreateFunction && ch.Check == reports.CheckStatus {
					create = ch
				} else if ch.Result != reports.ResultPass {
					t.Errorf("%s/%s: %s (%s)", ch.Operation, ch.Check, ch.Result, ch.Reason)
				}
			}
			wantResult, wantReason := reports.ResultAccepted, "vendor X answers 201 Created"
			if !applied {
				wantResult, wantReason = reports.ResultFail, "expired on 2020-01-01"
			}
			if create.Result != wantResult || !strings.Contains(create.Reason, wantReason) || len(create.FailureIDs) != 1 {
				t.Errorf("createFunction/status: %s (%s) %v, want %s mentioning %q with its failure", create.Result, create.Reason, create.FailureIDs, wantResult, wantReason)
			}
			if conf.AcceptFile == "" || len(conf.Acceptances) != 2 || conf.Acceptances[0].State != c.state || conf.Acceptances[1].State != reports.AcceptStale {
				t.Errorf("acceptances in conformance.json: %+v", conf.Acceptances)
			}
			run, err := evidence.ReadRun(out)
			if err != nil || len(run.Failures) != 1 {
				t.Fatalf("failures.json: %v, %d failures", err, len(run.Failures))
			}
			if f := run.Failures[0]; (f.Accepted != "") != applied || f.ID != create.FailureIDs[0] {
				t.Errorf("failure %s accepted %q, want accepted=%v", f.ID, f.Accepted, applied)
			}
			for _, name := range []string{framework.ConformanceMDFile, framework.ConformanceHTMLFile} {
				data, err := os.ReadFile(filepath.Join(out, name))
				if err != nil || !strings.Contains(string(data), "vendor X answers 201 Created") || !strings.Contains(string(data), "stale") {
					t.Errorf("%s does not show the accept file's outcome (%v)", name, err)
				}
			}
		})
	}
}

// TestProxyAcceptsEveryRepeat: a deviation repeated beyond the failures
// that keep their evidence is accepted all the same: the repeats are
// judged under the id of the first.
func TestProxyAcceptsEveryRepeat(t *testing.T) {
	cfg := emulator.DefaultConfig()
	em := startEmulator(t, cfg, "error-code-malformed")
	path := filepath.Join(t.TempDir(), "accept.yaml")
	if err := os.WriteFile(path, []byte(`accept:
  - operation: "*"
    check: error_code
    match: {location: "body /error_code"}
    reason: vendor X spells its error codes its own way
    expires: 2099-12-31
`), 0o644); err != nil {
		t.Fatal(err)
	}
	px := startProxy(t, Options{Upstream: em.URL, OutDir: t.TempDir(), AcceptFile: path})
	missing := px.URL + "/v2/" + cfg.ProjectID + "/fgs/functions/urn:fss:" + cfg.Region + ":" + cfg.ProjectID + ":function:default:nope:latest/config"
	for range maxKeptPerRule + 3 {
		if status := getWithToken(t, missing, cfg.Token); status != http.StatusNotFound {
			t.Fatalf("status %d, want 404", status)
		}
	}
	res := px.stop(t)
	c := res.Summary.Conformance
	if res.Summary.Failed() || c.AcceptedCount() != 1 || res.Summary.Failures != maxKeptPerRule {
		t.Fatalf("failed=%v, %s, %d failures kept; want a pass with one accepted check and %d failures", res.Summary.Failed(), c.CountsLine(), res.Summary.Failures, maxKeptPerRule)
	}
	for _, ch := range c.Checks {
		if ch.Result == reports.ResultAccepted && !strings.Contains(ch.Reason, fmt.Sprintf("%d of %d exchanges", maxKeptPerRule+3, maxKeptPerRule+3)) {
			t.Errorf("accepted check's reason %q does not count every repeat", ch.Reason)
		}
	}
	if ids := c.Acceptances[0].FailureIDs; len(ids) != maxKeptPerRule {
		t.Errorf("the entry lists failures %v, want the %d kept ones once each", ids, maxKeptPerRule)
	}
}

// TestProxyFailOnUnexercised: the operations the SDK used leave
// documented statuses unanswered (their 4xx and 5xx), which fail the run
// with FailOnUnexercised; operations the SDK never used do not count; an
// accept file with an unexercised entry per gap makes the run pass.
func TestProxyFailOnUnexercised(t *testing.T) {
	cfg := emulator.DefaultConfig()
	em := startEmulator(t, cfg, "")
	sent := &sentOps{ops: map[string]bool{}}
	px := startProxy(t, Options{Upstream: em.URL, OutDir: t.TempDir(), FailOnUnexercised: true})
	sdkLifeCycle(t, sdkVia(t, px.URL, cfg, cfg.SK, sent))
	res := px.stop(t)
	gaps := res.Summary.Unexercised
	if !res.Summary.Failed() || res.Summary.Conformance.Failed() || len(gaps) == 0 {
		t.Fatalf("failed=%v with %d gaps, want a run failed by gaps alone", res.Summary.Failed(), len(gaps))
	}
	used := sent.list()
	var entries strings.Builder
	entries.WriteString("accept:\n")
	for _, g := range gaps {
		if !containsString(used, g.Operation) {
			t.Errorf("gap %s %s: an operation the SDK never used", g.Operation, g.Status)
		}
		if g.Reason != unobserved {
			t.Errorf("gap %s %s: reason %q", g.Operation, g.Status, g.Reason)
		}
		fmt.Fprintf(&entries, "  - {operation: %s, check: unexercised, match: {status: %s}, reason: not provoked by this client, expires: 2099-12-31}\n", g.Operation, g.Status)
	}
	path := filepath.Join(t.TempDir(), "accept.yaml")
	if err := os.WriteFile(path, []byte(entries.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	px = startProxy(t, Options{Upstream: em.URL, OutDir: t.TempDir(), FailOnUnexercised: true, AcceptFile: path})
	sdkLifeCycle(t, sdkVia(t, px.URL, cfg, cfg.SK, http.DefaultTransport))
	res = px.stop(t)
	if res.Summary.Failed() || len(res.Summary.Unexercised) != 0 {
		t.Errorf("every gap waived, still failed=%v with %+v", res.Summary.Failed(), res.Summary.Unexercised)
	}
	for _, d := range res.Summary.Conformance.Acceptances {
		if d.State != reports.AcceptApplied {
			t.Errorf("entry at line %d %s", d.Line, d.State)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// credentialRecorder is the clients' transport: it keeps every credential
// value they send (tokens and AK/SK signatures), which the HAR must not hold.
type credentialRecorder struct {
	mu     sync.Mutex
	values []string
}

func (c *credentialRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.values = append(c.values, credentialsIn(r.Header)...)
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// TestProxyHAR: every exchange forwarded through the proxy is in the HAR
// log, and no credential is: not the SDK's AK/SK signatures, not its
// secret key, not a token or security token, wherever a client put it.
func TestProxyHAR(t *testing.T) {
	cfg := emulator.DefaultConfig()
	const token = "tok-har-test-5e8a1c3b9d7f2e4a"
	const securityToken = "sts-har-test-0a9b8c7d6e5f4a3b"
	cfg.Token = token
	em := startEmulator(t, cfg, "")
	harPath := filepath.Join(t.TempDir(), "proxy.har")
	px := startProxy(t, Options{Upstream: em.URL, OutDir: t.TempDir(), HAR: harPath})
	creds := &credentialRecorder{}
	sdkLifeCycle(t, sdkVia(t, px.URL, cfg, cfg.SK, creds))
	// A token client that also puts its token in the query (a marker the
	// upstream refuses, 400, which the error body may echo).
	list := px.URL + "/v2/" + cfg.ProjectID + "/fgs/functions?marker=" + token
	if status := get(t, creds, list, "X-Auth-Token", token, "X-Security-Token", securityToken); status == http.StatusUnauthorized {
		t.Fatalf("list with a token: status %d", status)
	}
	res := px.stop(t)
	data, err := os.ReadFile(harPath)
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Entries []struct {
				Request struct {
					Method  string `json:"method"`
					URL     string `json:"url"`
					Headers []struct{ Name, Value string }
				} `json:"request"`
				Response struct {
					Status int `json:"status"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &har); err != nil {
		t.Fatalf("the HAR is not JSON: %v", err)
	}
	if n := len(har.Log.Entries); n != res.Summary.Exchanges || n < 15 {
		t.Fatalf("%d HAR entries, %d exchanges validated: want one entry per exchange", n, res.Summary.Exchanges)
	}
	signed := 0
	for _, e := range har.Log.Entries {
		for _, h := range e.Request.Headers {
			if evidence.CredentialHeader(h.Name) {
				signed++
				if h.Value != evidence.Redacted {
					t.Errorf("%s %s: header %s is %q, want it redacted", e.Request.Method, e.Request.URL, h.Name, h.Value)
				}
			}
		}
	}
	if signed < len(har.Log.Entries) {
		t.Errorf("only %d credential headers in %d entries: the HAR should show each was authenticated", signed, len(har.Log.Entries))
	}
	creds.mu.Lock()
	secrets := append([]string{cfg.SK, token, securityToken}, creds.values...)
	creds.mu.Unlock()
	if len(secrets) < 3+len(har.Log.Entries) {
		t.Fatalf("recorded only %d client credentials", len(secrets)-3)
	}
	for _, s := range secrets {
		if strings.Contains(string(data), s) {
			t.Errorf("the HAR holds a credential: %.12s…", s)
		}
	}
}
