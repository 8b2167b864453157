// Package proxy owns fgh proxy: a reverse proxy that passes real clients' requests to an upstream FunctionGraph endpoint, validates every exchange against the spec and keeps the conformance summary and the evidence of every violation.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/httpguard"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
	"github.com/fgharness/fgharness/suites/framework"
)

// Defaults of Options. Zero header, body and idle timeouts take
// httpguard's defaults, the emulator's: a client that trickles its headers
// or body is cut off as it would be there.
const (
	DefaultListen = "127.0.0.1:8088"
	// DefaultRequestTimeout covers a synchronous invocation of a function
	// at the documented maximum timeout (900 s) with room to spare.
	DefaultRequestTimeout = 16 * time.Minute
	DefaultMaxInFlight    = 64
	// DefaultMaxConns caps open connections as the emulator does: at the
	// cap a new one replaces the oldest idle or trickling one.
	DefaultMaxConns     = 2048
	DefaultDrainTimeout = 10 * time.Second
)

const (
	// bodySlack is how far past the documented bound (fgs.MaxRequestBytes)
	// a request body is still forwarded: the upstream's own answer to a
	// body just over its limit is part of what the proxy judges.
	bodySlack = 1 << 20
	// maxKeptPerRule bounds the failures kept with their evidence per
	// operation, check and place; a client repeating one call does not
	// grow the record, later ones are only counted.
	maxKeptPerRule = 3
	// Source of the proxy's failures in the evidence.
	source = "proxy"
)

// Options configure a proxy. Zero durations and counts take the defaults.
type Options struct {
	Upstream string // base URL of the endpoint the clients mean to reach
	Listen   string // host:port; loopback unless AllowRemote
	// AllowRemote permits a non-loopback Listen address.
	AllowRemote bool
	// AK and SK, when both set, re-sign every request for the upstream
	// (the client's own credentials are dropped); otherwise each request
	// goes on with the client's credentials and, when it is signed, with
	// the client's Host header, which its signature covers.
	AK, SK    string
	ProjectID string // X-Project-Id added to re-signed requests that lack one
	OutDir    string // reports: conformance.json, conformance.md, failures.json
	Name      string // name of the run in the conformance summary
	// AcceptFile names known deviations of the upstream (the YAML of fgh
	// contract --accept): violations an entry in force matches are
	// reported as accepted and do not fail the run.
	AcceptFile string
	// HAR, when set, is the file every forwarded exchange is written to
	// as a HAR 1.2 log (credentials redacted), with the reports.
	HAR string
	// FailOnUnexercised fails the run when a documented status of an
	// operation the clients used was never observed (and no accept entry
	// with check unexercised waives it).
	FailOnUnexercised bool
	// ReportEvery, when positive, rewrites the reports this often.
	ReportEvery                             time.Duration
	HeaderTimeout, BodyTimeout, IdleTimeout time.Duration
	RequestTimeout, DrainTimeout            time.Duration
	MaxInFlight, MaxConns                   int
	Log                                     *slog.Logger
	// Transport reaches the upstream (nil: a clone of http.DefaultTransport).
	// Whatever it is, redirects are never followed: a RoundTripper does not.
	Transport http.RoundTripper
}

func (o *Options) defaults() {
	orDefault(&o.Listen, DefaultListen)
	orDefault(&o.RequestTimeout, DefaultRequestTimeout)
	orDefault(&o.DrainTimeout, DefaultDrainTimeout)
	orDefault(&o.MaxInFlight, DefaultMaxInFlight)
	orDefault(&o.MaxConns, DefaultMaxConns)
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
}

func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// ErrUsage marks an error in the options; the message says what to change.
var ErrUsage = errors.New("usage")

// Proxy forwards and validates; it is an http.Handler.
type Proxy struct {
	opts     Options
	upstream *url.URL
	spec     *spec.Spec
	validate *framework.ValidatingTransport
	resign   *client.Credentials // nil: the client's own credentials go on
	rec      *evidence.Recorder
	accept   *reports.Acceptances // nil without an accept file
	tally    *tally
	secrets  *secretSet
	slots    chan struct{}
	log      *slog.Logger
}

// New checks opts and builds the proxy; it does not listen (see Run).
func New(opts Options) (*Proxy, error) {
	opts.defaults()
	u, err := checkUpstream(opts.Upstream)
	if err != nil {
		return nil, err
	}
	if err := checkListen(opts.Listen, opts.AllowRemote, opts.AK != ""); err != nil {
		return nil, err
	}
	if (opts.AK == "") != (opts.SK == "") {
		return nil, fmt.Errorf("%w: --ak and --sk go together: pass both to re-sign, or neither to forward the clients' own credentials", ErrUsage)
	}
	sp := spec.MustLoad()
	var accept *reports.Acceptances
	if opts.AcceptFile != "" {
		a, err := framework.LoadAcceptances(opts.AcceptFile, sp)
		if err != nil {
			return nil, fmt.Errorf("%w: --accept: %v", ErrUsage, err)
		}
		accept = a
	}
	p := &Proxy{
		opts: opts, upstream: u, spec: sp, accept: accept,
		validate: &framework.ValidatingTransport{Spec: sp, Base: opts.Transport},
		tally:    newTally(),
		secrets:  newSecretSet(),
		slots:    make(chan struct{}, opts.MaxInFlight),
		log:      opts.Log,
	}
	auth := "client"
	if opts.AK != "" {
		c := client.Target{ProjectID: opts.ProjectID, AK: opts.AK, SK: opts.SK}.Credentials()
		p.resign, auth = &c, c.Kind()
	}
	p.rec = evidence.NewRecorder(evidence.Run{Target: u.Scheme + "://" + u.Host, ProjectID: opts.ProjectID, Auth: auth},
		evidence.WithSecrets(opts.SK), evidence.KeepExchanges(opts.HAR != ""))
	return p, nil
}

// checkUpstream accepts an http(s) base URL without path, query or
// credentials, the form --target takes.
func checkUpstream(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: --upstream is required: the base URL of the endpoint the clients mean to reach", ErrUsage)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: --upstream %q: %v", ErrUsage, raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: --upstream %q: the scheme must be http or https", ErrUsage, raw)
	case u.Host == "":
		return nil, fmt.Errorf("%w: --upstream %q has no host", ErrUsage, raw)
	case u.User != nil:
		return nil, fmt.Errorf("%w: --upstream must not carry credentials: pass --ak/--sk, or let the clients authenticate", ErrUsage)
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "":
		return nil, fmt.Errorf("%w: --upstream %q has a path or query: give only scheme://host[:port]; the clients' paths are kept as they are", ErrUsage, raw)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// checkListen keeps the proxy on this machine unless allowRemote says
// otherwise; a re-signing proxy never serves other machines, since it would
// lend them the credentials it signs with.
func checkListen(listen string, allowRemote, resigns bool) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("%w: --listen %q is not host:port: %v", ErrUsage, listen, err)
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	switch {
	case !allowRemote:
		return fmt.Errorf("%w: --listen host %q is not a loopback address; the proxy serves only this machine unless you pass --allow-remote", ErrUsage, host)
	case resigns:
		return fmt.Errorf("%w: --allow-remote with --ak/--sk would let every machine that reaches %s act with your credentials; listen on loopback, or let the clients sign", ErrUsage, listen)
	}
	return nil
}

// ServeHTTP forwards one request and validates the exchange.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	default:
		p.tally.refused()
		w.Header().Set("Retry-After", "1")
		refuse(w, http.StatusServiceUnavailable, fmt.Sprintf("the proxy has %d requests in flight; retry shortly", cap(p.slots)))
		return
	}
	p.secrets.fromHeader(r.Header)
	opID := ""
	if op, _, err := p.spec.FindRoute(r); err == nil {
		opID = op.ID
	}
	body, ok := p.readBody(w, r, fgs.MaxRequestBytes(opID)+bodySlack)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.opts.RequestTimeout)
	defer cancel()
	out, err := p.outgoing(ctx, r, body)
	if err != nil {
		p.log.Error("proxy: cannot build the upstream request", "error", p.secrets.redact(err.Error()))
		refuse(w, http.StatusBadGateway, "the proxy could not build the upstream request: "+p.secrets.redact(err.Error()))
		return
	}
	tol := &framework.Tolerate{}
	out = out.WithContext(framework.WithTolerate(ctx, tol))
	started := time.Now()
	resp, err := p.validate.RoundTrip(out)
	if err != nil {
		p.upstreamFailed(w, out, body, started, err)
		return
	}
	respBody, _ := io.ReadAll(resp.Body) // the transport buffered it
	resp.Body.Close()
	vex, _ := tol.Exchange()
	p.record(out, body, resp, respBody, started, vex)
	writeResponse(w, resp, respBody)
}

// readBody reads the request body within limit and the body timeout,
// the emulator's way (httpguard.ReadBody, which lifts the read deadline
// once the body is in, so a slow upstream does not cut the client off).
// ok is false when the client was answered already.
func (p *Proxy) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := httpguard.ReadBody(w, r, limit, nil)
	if err == nil {
		return body, true
	}
	p.tally.refused()
	switch {
	case httpguard.IsTooLarge(err):
		refuse(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over the %d bytes the proxy forwards for this operation", limit))
	case errors.Is(err, os.ErrDeadlineExceeded):
		refuse(w, http.StatusRequestTimeout, "the request body did not arrive in time")
	default:
		refuse(w, http.StatusBadRequest, "the request body could not be read")
	}
	return nil, false
}

// upstreamFailed answers the client when the upstream gave no usable
// answer, and records the exchange with its error.
func (p *Proxy) upstreamFailed(w http.ResponseWriter, out *http.Request, body []byte, started time.Time, err error) {
	msg := p.secrets.redact(err.Error())
	ex := evidence.FromHTTP(out, body, nil, nil)
	ex.Operation, ex.Started, ex.Duration, ex.Error = operationOf(p.spec, out), started, time.Since(started), msg
	ex.ID = p.rec.Record(p.secrets.redactor(out.Header, nil).Exchange(ex))
	p.tally.upstreamError(ex.Operation + ": " + msg)
	p.log.Warn("proxy: no answer from the upstream", "exchange", ex.ID, "operation", ex.Operation, "error", msg)
	status := http.StatusBadGateway
	if errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusGatewayTimeout
	}
	refuse(w, status, "the upstream gave no usable answer: "+msg)
}

func operationOf(s *spec.Spec, r *http.Request) string {
	if op, _, err := s.FindRoute(r); err == nil {
		return op.ID
	}
	return r.Method + " " + r.URL.EscapedPath()
}
