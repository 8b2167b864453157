// Package replay re-sends a recorded failure to an endpoint, authenticated at replay time, and checks its rule again; `fgh contract replay` calls it.
package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
	"github.com/fgharness/fgharness/suites/framework"
)

// ErrUsage marks errors a user fixes by changing flags or the environment.
var ErrUsage = errors.New("usage")

// Options say which failure to replay, and where.
type Options struct {
	RunDir    string // the --out directory of the run (holds failures.json)
	FailureID string
	// Target is where to send; with no BaseURL the built-in emulator is
	// started through Launch (behind Defect, in the suites' own tests).
	// Credentials come from here, never from the run's files; an empty
	// ProjectID means the run's.
	Target  client.Target
	Launch  framework.Launcher
	Defect  string
	Timeout time.Duration // per request; 0 means framework.DefaultRequestTimeout
}

// Step is one re-sent exchange before or after the failing request.
type Step struct {
	Operation string
	Status    int
	Error     string
}

// Result is what the replayed request got and whether the rule broke again.
type Result struct {
	Failure evidence.Failure
	Target  string // scheme://host:port replayed against
	Steps   []Step
	Cleanup []Step
	// Answer is the replayed answer (redacted), Violations its spec violations.
	Answer     *evidence.Response
	Violations []evidence.Violation
	// Broken lists the conditions of the rule the answer broke again;
	// Checkable is false when the rule is judged by code replay does not have.
	Broken    []string
	Checkable bool
}

// Reproduced tells whether the endpoint broke the rule again.
func (r Result) Reproduced() bool { return len(r.Broken) > 0 }

// Run replays the failure opts name.
func Run(ctx context.Context, opts Options) (Result, error) {
	run, err := evidence.ReadRun(opts.RunDir)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	fl, ok := run.Failure(opts.FailureID)
	if !ok {
		return Result{}, fmt.Errorf("%w: no failure %q in %s (%s)", ErrUsage, opts.FailureID, opts.RunDir, knownIDs(run))
	}
	target := opts.Target
	if target.ProjectID == "" {
		target.ProjectID = run.ProjectID
	}
	if target.BaseURL == "" {
		if opts.Launch == nil {
			return Result{}, fmt.Errorf("%w: no target: pass --target", ErrUsage)
		}
		local, err := framework.StartLocal(ctx, framework.Config{Target: target, Launch: opts.Launch, Defect: opts.Defect,
			ExtensionBasePort: extensionBase(fl)})
		if err != nil {
			return Result{}, fmt.Errorf("%w: %v", ErrUsage, err)
		}
		defer func() { _ = local.Close(context.Background()) }()
		target = local.Target
	} else if err := target.Validate(); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	sp, err := spec.Load()
	if err != nil {
		return Result{}, err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = framework.DefaultRequestTimeout
	}
	// The client refuses redirects, caps the answer and applies the one
	// credential rule; the validating transport judges each exchange.
	c, err := client.New(target, client.WithTransport(&framework.ValidatingTransport{Spec: sp}), client.WithTimeout(timeout))
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	s := &sender{
		spec: sp, client: c, target: target, recordedOrigin: run.Target, recordedProject: run.ProjectID,
		redact: evidence.NewRedactor(target.Token, target.SK),
	}
	res := Result{Failure: fl, Target: target.Redacted(), Checkable: fl.Expect.Checkable()}
	for _, ex := range fl.Steps {
		res.Steps = append(res.Steps, s.step(ctx, ex))
	}
	answer, vs, err := s.send(ctx, fl.Operation, fl.Request)
	for _, ex := range fl.Cleanup {
		res.Cleanup = append(res.Cleanup, s.step(context.WithoutCancel(ctx), ex))
	}
	if err != nil {
		return res, fmt.Errorf("replay %s: %s", fl.ID, s.redact.Text(err.Error()))
	}
	res.Answer, res.Violations = s.redact.Response(answer), vs
	if res.Checkable {
		res.Broken = fl.Recheck(answer, vs)
	}
	return res, nil
}

// extensionBase is the lowest port the failure's requests register an
// extension at (0: none), so that a built-in emulator started for the
// replay accepts the recorded addresses as the recorded one did.
func extensionBase(fl evidence.Failure) int {
	base := 0
	for _, q := range append(requestsOf(fl.Steps), fl.Request) {
		_, p, err := net.SplitHostPort(q.Header.Get(fgs.HeaderExtensionAddress))
		if port, perr := strconv.Atoi(p); err == nil && perr == nil && port > 0 && (base == 0 || port < base) {
			base = port
		}
	}
	return base
}

func requestsOf(exs []evidence.Exchange) []evidence.Request {
	out := make([]evidence.Request, len(exs))
	for i, ex := range exs {
		out[i] = ex.Request
	}
	return out
}

func knownIDs(run evidence.Run) string {
	if len(run.Failures) == 0 {
		return "the run recorded no failure"
	}
	ids := make([]string, len(run.Failures))
	for i, f := range run.Failures {
		ids[i] = f.ID
	}
	return "known: " + strings.Join(ids, ", ")
}

// sender re-sends recorded requests to the replay target.
type sender struct {
	spec            *spec.Spec
	client          *client.Client // over a framework.ValidatingTransport
	target          client.Target
	recordedOrigin  string // scheme://host:port of the recorded run
	recordedProject string
	redact          *evidence.Redactor
	// renamed maps ids the recorded steps' answers named to the ones the
	// replayed answers name, along the spec's links (a test event's id
	// is the target's to choose), and a recorded Extension API address to
	// the one handed out now, for the requests that follow.
	renamed map[string]string
}

func (s *sender) step(ctx context.Context, ex evidence.Exchange) Step {
	st := Step{Operation: ex.Operation}
	answer, _, err := s.send(ctx, ex.Operation, ex.Request)
	if err != nil {
		st.Error = s.redact.Text(err.Error())
	} else {
		st.Status = answer.Status
		s.learnIDs(ex, answer)
		s.learnExtensionAPI(ex, answer)
	}
	return st
}

// learnExtensionAPI pairs the Extension API address an fgh emulator's
// admin API handed out in the recorded run with the one it hands out now,
// so the registrations that follow reach the new one.
func (s *sender) learnExtensionAPI(ex evidence.Exchange, answer *evidence.Response) {
	if ex.Response == nil || !strings.HasSuffix(ex.Request.URL, "/extension-api") {
		return
	}
	var was, now struct {
		Address string `json:"address"`
	}
	if json.Unmarshal(ex.Response.Body.Bytes(), &was) != nil || json.Unmarshal(answer.Body.Bytes(), &now) != nil || was.Address == "" || now.Address == "" {
		return
	}
	s.rename(was.Address, now.Address)
}

func (s *sender) rename(old, now string) {
	if s.renamed == nil {
		s.renamed = map[string]string{}
	}
	s.renamed[old] = now
}

// learnIDs pairs each value the links of ex's operation pick from its
// recorded answer with the value they pick from the replayed one.
func (s *sender) learnIDs(ex evidence.Exchange, answer *evidence.Response) {
	if ex.Response == nil {
		return
	}
	for _, l := range s.spec.Links() {
		if l.From != ex.Operation || l.Status != ex.Response.Status || l.Status != answer.Status {
			continue
		}
		now := l.AnswerValues(answer.Body.Bytes())
		for k, old := range l.AnswerValues(ex.Response.Body.Bytes()) {
			if now[k] != old && old != "" {
				s.rename(old, now[k])
			}
		}
	}
}

// send re-sends q through the client: to the replay target when q went to
// the recorded target (another origin, such as an Extension API, is kept),
// with the project id of the replay target, and authenticated now when q
// was and goes to the target (credentials never leave its origin).
func (s *sender) send(ctx context.Context, operation string, q evidence.Request) (*evidence.Response, []evidence.Violation, error) {
	u, err := url.Parse(q.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("recorded URL %q: %w", q.URL, err)
	}
	body := q.Body.Bytes()
	if origin(u) == s.recordedOrigin {
		base, err := url.Parse(s.target.BaseURL)
		if err != nil {
			return nil, nil, err
		}
		u.Scheme, u.Host = base.Scheme, base.Host
	}
	swap := s.recordedProject != "" && s.target.ProjectID != "" && s.recordedProject != s.target.ProjectID
	if swap {
		u.Path = strings.ReplaceAll(u.Path, s.recordedProject, s.target.ProjectID)
		u.RawPath = ""
		body = bytes.ReplaceAll(body, []byte(s.recordedProject), []byte(s.target.ProjectID))
	}
	for old, now := range s.renamed {
		if u.Host == old {
			u.Host = now
		}
		u.Path = strings.ReplaceAll(u.Path, old, now)
		u.RawPath = ""
		body = bytes.ReplaceAll(body, []byte(old), []byte(now))
	}
	header := http.Header{}
	authenticated := false
	for k, vs := range q.Header {
		switch {
		case evidence.CredentialHeader(k):
			authenticated = true
			continue
		case strings.EqualFold(k, "X-Sdk-Date"), strings.EqualFold(k, "Host"), strings.EqualFold(k, "Content-Length"):
			continue
		}
		for _, v := range vs {
			if swap {
				v = strings.ReplaceAll(v, s.recordedProject, s.target.ProjectID)
			}
			header.Add(k, v)
		}
	}
	if header.Get("Content-Type") == "" {
		header["Content-Type"] = nil // sent without one: an empty entry drops the client's default
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/" // what goes over the wire for an origin alone
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery // as recorded, not re-encoded
	}
	res, ex, err := framework.SendValidated(ctx, s.client, client.Request{
		Operation: operation, Method: q.Method, BaseURL: u.Scheme + "://" + u.Host, Path: path, Header: header, Body: body,
		NoAuth: !authenticated || origin(u) != s.target.Redacted(),
	}, framework.Tolerate{})
	if err != nil {
		return nil, nil, err
	}
	var vs []evidence.Violation
	for _, v := range ex.Violations {
		vs = append(vs, v.Evidence())
	}
	return &evidence.Response{Status: res.Status, Header: res.Header.Clone(), Body: evidence.NewBody(res.Body)}, vs, nil
}

func origin(u *url.URL) string {
	return client.Target{BaseURL: u.Scheme + "://" + u.Host}.Redacted()
}
