package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
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
