package framework

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/fgs"
)

// preflightOperation is the cheapest authenticated read every endpoint
// serves: it proves reachability, the scheme and the credentials at once.
const preflightOperation = fgs.OpListQuotas

// preflight checks the target before any spec runs, so that a wrong URL, a
// scheme that does not match the server, or refused credentials end the run
// with one line that says what to fix instead of a hundred failed specs.
func (f *Framework) preflight(ctx context.Context) error {
	u, err := url.Parse(f.Target.BaseURL)
	if err != nil {
		return fmt.Errorf("%w: target %q: %v", ErrUnreachable, f.Target.Redacted(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.requestTimeout())
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", hostPort(u))
	if err != nil {
		return fmt.Errorf("%w: cannot connect to %s (%v); check --target and that the endpoint is up", ErrUnreachable, f.Target.Redacted(), err)
	}
	conn.Close()

	op, ok := f.Spec.Operation(preflightOperation)
	if !ok {
		return fmt.Errorf("preflight: no operation %s in the spec", preflightOperation)
	}
	path, err := op.Expand(map[string]string{"project_id": f.Target.ProjectID})
	if err != nil {
		return fmt.Errorf("preflight: %w", err)
	}
	// Its own client: the preflight is not part of the conformance record.
	pc, err := client.New(f.Target, client.WithHTTPClient(&http.Client{Transport: f.Transport.Base, CheckRedirect: refuseRedirect}))
	if err != nil {
		return err
	}
	res, err := pc.Send(ctx, client.Request{Operation: op.ID, Method: op.Method, Path: path})
	var apiErr *client.APIError
	if err != nil && !errors.As(err, &apiErr) {
		return f.explainPreflightError(ctx, u, err)
	}
	switch {
	case u.Scheme == "http" && res.Status == http.StatusBadRequest && speaksTLS(ctx, u):
		return fmt.Errorf("%w: %s answers HTTPS, not plain HTTP: use --target https://%s", ErrUnreachable, f.Target.Redacted(), u.Host)
	case res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden:
		// The APIError's text is cleared of the credentials a server might echo.
		return fmt.Errorf("%w: %s refused the credentials (%s): check --token or --ak/--sk and --project-id",
			ErrUnreachable, f.Target.Redacted(), oneLine([]byte(apiErr.Error())))
	case res.Status >= 300 && res.Status < 400:
		return fmt.Errorf("%w: %s answers %d with a redirect to %s; fgh does not follow redirects, so point --target at the endpoint itself",
			ErrUnreachable, f.Target.Redacted(), res.Status, redactURL(res.Header.Get("Location")))
	}
	return nil
}

// explainPreflightError turns a transport error into the fix a user needs.
func (f *Framework) explainPreflightError(ctx context.Context, u *url.URL, err error) error {
	var rhe tls.RecordHeaderError
	switch {
	case errors.As(err, &rhe) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%w: %s does not speak TLS (it answered plain HTTP): use --target http://%s", ErrUnreachable, f.Target.Redacted(), u.Host)
	case u.Scheme == "http" && speaksTLS(ctx, u):
		return fmt.Errorf("%w: %s answers HTTPS, not plain HTTP: use --target https://%s", ErrUnreachable, f.Target.Redacted(), u.Host)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("%w: %s accepted a connection but did not answer within %s; check the endpoint, or raise --request-timeout",
			ErrUnreachable, f.Target.Redacted(), f.requestTimeout())
	}
	return fmt.Errorf("%w: %s: %v", ErrUnreachable, f.Target.Redacted(), redactError(err))
}

// speaksTLS tells whether the server at u completes a TLS handshake, which
// explains why a plain-HTTP request to it failed.
func speaksTLS(ctx context.Context, u *url.URL) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}} //nolint:gosec // a probe: nothing is sent over it
	conn, err := d.DialContext(ctx, "tcp", hostPort(u))
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// redactURL keeps only scheme, host and path of a URL a server handed out:
// its query may carry anything.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return "(no usable Location)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// redactError drops the request URL net/http puts into its errors, which
// may carry a query string the user passed.
func redactError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	if s == "" {
		return "empty body"
	}
	return s
}

// refuseRedirect never follows a redirect: the request carries credentials,
// and a redirect to another origin would hand them to a stranger. The 3xx
// answer comes back to the caller, who reports it.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// sideChannelHTTP sends the few calls that bypass the validating transport
// (the emulator's health and admin API); like every other client here it
// refuses redirects, so the admin credential cannot be carried elsewhere.
var sideChannelHTTP = &http.Client{CheckRedirect: refuseRedirect, Timeout: DefaultRequestTimeout}
