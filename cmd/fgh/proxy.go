package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/proxy"
)

func newProxyCmd() *cobra.Command {
	var opts proxy.Options
	var logLevel string
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Validate real clients' traffic: a reverse proxy to an endpoint that checks every exchange against the spec",
		Long: `fgh proxy listens on --listen and forwards every request to --upstream,
validating each request and answer against the spec. Point a real client
(an official SDK, Terraform, Serverless Devs) at the proxy's address instead
of the endpoint; the report tells which operations the client used and every
violation, with the request and answer as evidence.

Credentials: by default each request goes on with the client's own. A signed
request (AK/SK, SDK-HMAC-SHA256) keeps the client's Host header, which its
signature covers, so the upstream verifies the client's own signature
against the proxy's host:port; a request with a token takes the upstream's
Host. When the upstream only accepts its own host name, pass --ak/--sk: the
proxy drops the client's credentials and signs every request for the
upstream itself (then it listens on loopback only, whatever --allow-remote
says). Tokens, signatures and secret keys never reach a log line or a report.

Limits, so a hostile client cannot exhaust the proxy: headers within 10s,
the body within 30s more, a body at most the operation's documented limit
plus 1 MB (6 MB invocations, 50 MB code packages, 1 MB otherwise), answers
up to 32 MB, --max-in-flight requests at once (then 503 with Retry-After)
and --max-conns connections (then the oldest idle one is closed), the
emulator's own defences. The proxy's own refusals carry the header X-Fgh-Proxy and an
FGH.0<status> error code. Redirects are never followed: a 3xx answer is
passed back and reported as a violation.

Reports land in --out when the proxy stops, and every --report-every:
conformance.json, conformance.md and conformance.html (the model of fgh
contract, which fgh report compat reads; the proxy judges the schema,
status, headers and error_code checks), and failures.json with each
violation's evidence, which fgh contract replay re-sends.

--har FILE writes every forwarded exchange as a HAR log with the reports,
credentials redacted (the proxy keeps the exchanges in memory until then).

--accept FILE names known deviations of the upstream, in the YAML of fgh
contract --accept (docs/gates.md): a check whose violations all match an
entry in force is reported as accepted and does not fail the run; once the
entry's date has passed they fail again, saying so; an entry that matched
nothing is reported as stale.

--fail-on-unexercised fails the run when a documented status of an
operation the clients used was never answered through the proxy (an
accept entry with check unexercised waives one).

Stop it with SIGINT or SIGTERM: it stops accepting, lets exchanges in
flight finish (--drain-timeout; a second signal cuts it short), writes the
reports and exits 0 when no exchange broke the contract, 1 when one did
(beyond the accepted deviations), the upstream left one unanswered or,
with --fail-on-unexercised, a status was never observed, 2 on a usage
error, and 130 when exchanges in flight had to be abandoned (the reports
lack them).`,
		Example: `  fgh proxy --upstream https://functiongraph.cn-north-4.myhuaweicloud.com
  fgh proxy --upstream http://127.0.0.1:8000 --listen 127.0.0.1:9000 --out reports/out/proxy
  fgh proxy --upstream URL --ak AK --sk SK --project-id ID --report-every 1m
  fgh proxy --upstream URL --accept vendor-x-accepted.yaml --fail-on-unexercised --har /tmp/proxy.har`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if opts.Log, err = stderrLogger(cmd, logLevel); err != nil {
				return err
			}
			ctx, stop := untilSignal(cmd.Context())
			defer stop()
			out := cmd.OutOrStdout()
			res, err := proxy.Run(ctx, opts, func(addr string) {
				fmt.Fprintf(out, "fgh proxy listening on http://%s, forwarding to %s\n", addr, opts.Upstream)
			})
			if err != nil && res.Summary.Conformance == nil {
				if errors.Is(err, proxy.ErrUsage) {
					return withExitCode(exitUsage, err)
				}
				return withExitCode(exitFailed, err)
			}
			s := res.Summary
			pass, fail, _ := s.Conformance.Counts()
			accepted := ""
			if n := s.Conformance.AcceptedCount(); n > 0 {
				accepted = fmt.Sprintf(", %d accepted", n)
			}
			fmt.Fprintf(out, "proxy: %d exchanges, %d checks passed, %d failed%s, %d refused, %d without an upstream answer\n",
				s.Exchanges, pass, fail, accepted, s.Refused, s.UpstreamErrors)
			if rerr := reports.RenderAcceptanceText(out, s.Conformance); rerr != nil && err == nil {
				err = rerr
			}
			printUnexercised(out, s.Unexercised)
			if opts.OutDir != "" {
				fmt.Fprintf(out, "reports: %s\n", filepath.Join(opts.OutDir, framework.ConformanceMDFile))
			}
			if opts.HAR != "" {
				fmt.Fprintf(out, "HAR: %s\n", opts.HAR)
			}
			switch {
			case err != nil:
				return withExitCode(exitFailed, err)
			case res.Abandoned:
				return withExitCode(exitInterrupted, fmt.Errorf("stopped with exchanges in flight: the reports in %s lack them", opts.OutDir))
			case s.Conformance.Failed() || s.UpstreamErrors > 0:
				return withExitCode(exitFailed, errors.New("the upstream broke the contract; see the reports"))
			case s.Failed():
				return withExitCode(exitFailed, unexercisedError(s.Unexercised, "the operations the clients used"))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Upstream, "upstream", "", "base URL of the endpoint to forward to (scheme://host[:port])")
	fl.StringVar(&opts.Listen, "listen", proxy.DefaultListen, "host:port to listen on, loopback unless --allow-remote (port 0 picks one)")
	fl.BoolVar(&opts.AllowRemote, "allow-remote", false, "allow a non-loopback --listen address (not with --ak/--sk)")
	fl.StringVar(&opts.AK, "ak", "", "access key: re-sign every request for the upstream (with --sk)")
	fl.StringVar(&opts.SK, "sk", "", "secret key of --ak")
	fl.StringVar(&opts.ProjectID, "project-id", "", "X-Project-Id for re-signed requests that carry none")
	fl.StringVar(&opts.OutDir, "out", filepath.Join("reports", "out", "proxy"), "directory for conformance.json/.md/.html and failures.json")
	fl.StringVar(&opts.Name, "name", "", "name of this run in the conformance summary (client, vendor, build)")
	fl.StringVar(&opts.AcceptFile, "accept", "", "YAML file of known deviations: matching violations are reported as accepted and do not fail the run (docs/gates.md)")
	fl.StringVar(&opts.HAR, "har", "", "write every forwarded exchange to this file as a HAR 1.2 log (credentials redacted), with the reports")
	fl.BoolVar(&opts.FailOnUnexercised, "fail-on-unexercised", false, "fail when a documented status of an operation the clients used was never observed")
	fl.DurationVar(&opts.ReportEvery, "report-every", 0, "also write the reports this often (0: only when stopping)")
	fl.DurationVar(&opts.RequestTimeout, "request-timeout", proxy.DefaultRequestTimeout, "bound for one upstream exchange")
	fl.DurationVar(&opts.DrainTimeout, "drain-timeout", proxy.DefaultDrainTimeout, "how long exchanges in flight may finish on shutdown")
	fl.IntVar(&opts.MaxInFlight, "max-in-flight", proxy.DefaultMaxInFlight, "requests forwarded at once; more are answered 503")
	fl.IntVar(&opts.MaxConns, "max-conns", proxy.DefaultMaxConns, "open client connections at most; at the cap the oldest idle one makes room")
	fl.StringVar(&logLevel, "log-level", "info", "log level: debug (every exchange), info, warn (violations) or error")
	return cmd
}
