// Package proxy owns fgh proxy: a reverse proxy that passes real clients' requests to an upstream FunctionGraph endpoint, validates every exchange against the spec and keeps the conformance summary and the evidence of every violation.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/httpguard"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
	"github.com/fgharness/fgharness/suites/framework"
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
