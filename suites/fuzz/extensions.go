package fuzz

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// extensionPlan is the plan of registerExtension: its one case is the
// edge of FunctionGraph's limit of extensions per function, sent to the
// Extension API of a function of its own (ten registered extensions would
// otherwise receive the events of every operation's invocations).
func extensionPlan(op spec.Operation, fn *fuzzed) (*plan, string) {
	if fn == nil {
		return nil, "needs a function of the run to register extensions with"
	}
	return &plan{op: op, fn: fn, path: map[string]string{}, positive: true, changesFunction: true, extensions: true}, ""
}

// eleventh is what makes the last registration invalid.
const eleventh = "an eleventh extension (at most 10 register with one function)"

// registerExtensions sends the edge of the extension limit: registrations
// of n distinct extensions to the function's Extension API, the first
// fgs.MaxExtensions at the run's extension ports (valid: each must be
// answered 2xx), then the rest (invalid: each must be refused with a
// documented 4xx; with all ten ports taken an eleventh can only reuse one,
// which the documents forbid too). It returns the requests sent and the
// first failure, whose steps are the function, its Extension API and the
// registrations before the failing one.
func (r *runner) registerExtensions(ctx context.Context, p *plan, n int, name func(string) string) (int, *evidence.Failure) {
	addr, reason, err := r.f.ExtensionAPIOf(ctx, p.fn.urn.String())
	switch {
	case err != nil:
		r.loseTarget(err)
		return 0, nil
	case reason != "":
		return 0, nil
	}
	var creds http.Header
	if p.fn.made != nil {
		creds = credentialsOf(p.fn.made.Request.Header)
	}
	body, _ := json.Marshal(map[string]string{"address": addr})
	handedOut := evidence.Exchange{
		Request:  evidence.Request{Method: http.MethodGet, URL: r.f.ExtensionAPIAdminURL(p.fn.urn.String()), Header: creds},
		Response: &evidence.Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: evidence.NewBody(body)},
	}
	sent := []evidence.Exchange{handedOut}
	base := r.f.ExtensionBasePort
	if base == 0 {
		base = fw.DefaultExtensionBasePort
	}
	for i := range n {
		port := base + min(i, fgs.MaxExtensions-1)
		c := testCase{valid: i < fgs.MaxExtensions, req: fw.Request{
			Operation: p.op.ID, BaseURL: "http://" + addr, Body: map[string]any{},
			Header: http.Header{
				fgs.HeaderExtensionName:    {name("ext") + ".sh"},
				fgs.HeaderExtensionAddress: {net.JoinHostPort("127.0.0.1", strconv.Itoa(port))},
			},
		}}
		if base != fw.DefaultExtensionBasePort {
			// The run's ports lie outside the documented 8081–8090.
			c.req.Tolerate.AcceptRequest = []string{"header " + fgs.HeaderExtensionAddress}
		}
		if !c.valid {
			c.broken = eleventh
			c.req.Tolerate.InvalidRequest = true
		}
		resp, err := r.send(ctx, c.req)
		if err != nil {
			r.loseTarget(err)
			return i, nil
		}
		if fd := judge(p, c, resp); fd != nil {
			ex := resp.Exchange.Evidence()
			fail := fd.failure(p.op, ex, r.opts.Seed)
			steps, cleanup := r.replaySteps(p, resp, creds)
			fail.Steps, fail.Cleanup = append(steps, sent...), cleanup
			return i + 1, &fail
		}
		sent = append(sent, resp.Exchange.Evidence())
	}
	return n, nil
}
