package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/contract"
	"github.com/fgharness/fgharness/suites/framework"
	"github.com/fgharness/fgharness/suites/fuzz"
)

func newContractCmd() *cobra.Command {
	var opts contract.Options
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Run the contract suites against an endpoint (the built-in emulator without --target)",
		Long: `fgh contract runs every contract suite against one FunctionGraph endpoint:
each request and response is validated against the spec, and the behaviour
the documents promise is checked. Without --target it starts the built-in
emulator in this process and runs against that.

Reports land in --out: junit.xml, ginkgo.json, the conformance summary
(conformance.json, conformance.md, conformance.html) that fgh report compat
reads, and failures.json. Every failure has an id and its evidence (the
request, the answer and the rule it broke); fgh contract replay re-sends it.
--har writes every exchange as a HAR log, credentials redacted.

Labels select specs: areas (invocation, functions, versions, workflows,
dependencies, triggers, metrics, iam, extension), kinds (schema, errors,
behaviour, negative), conformance, destructive, and op:<operationId>.

Before any spec runs, a preflight call checks that the target answers, that
its scheme matches (http vs https), that --target has no path, and that the
credentials are accepted; each failure is one line saying what to fix.
Redirects are never followed (a request carries credentials); a 3xx answer
is a contract failure that says where it pointed.

--fuzz runs generated requests instead of the suites: for every operation,
valid ones (the documented body with members left out or drawn anew:
boundary numbers, long and Unicode strings) and invalid ones (wrong type,
out of range or enum, pattern breaks, missing required members, malformed
JSON, the wrong media type) plus FunctionGraph's limits (payload of 6 MB
and one byte more, memory and timeout limits, URNs outside the grammar,
the 11th extension of a function where an Extension API is reachable).
Each operation first sends its edge set, the same for every seed: each
value beside a range or an enum, each limit, each valid boundary; random
cases fill the rest of its budget. Every answer must be no 5xx, a documented status, 2xx for a valid request
to what the run owns, a documented 4xx for an invalid one, and valid
against the spec. A failing case is shrunk to a minimal one (pgregory.net/
rapid) and written to failures.json and fuzz.md; fgh contract replay
re-sends it. --seed repeats a run exactly; --fuzz-budget bounds it in cases
per operation (at least the edge set) or in time; --rate caps requests per second (429 answers
pause every worker for their Retry-After); --workers fuzzes that many
operations at once. What it creates is named fgh-<run>-... and deleted at
the end; --read-only sends only what creates nothing.

After the generated requests, --fuzz sends stateful sequences (not under
--read-only): random chains of calls along the spec's producer-consumer
links (a function's versions, aliases, test events and triggers;
dependency versions; workflows and their executions), checking that what
was created is readable and listed, an update shows on the next read, a
deleted thing answers 404 and leaves its list, aliases and versions agree
and executions settle, with reads retried for up to 5s while a change
settles (30s for an execution). A failing sequence is shrunk to the
shortest one that still fails, within 10s and a request budget in
proportion to a case --fuzz-budget; replay re-sends its steps. They take
the run's --seed, --rate and --workers (each sequence has its own seed)
and a fifth of a time --fuzz-budget (docs/sequences.md).

--accept FILE names known deviations of a vendor (YAML; docs/gates.md):
each entry gives the operation, the check, a matcher on the violation, a
reason and an expiry date. A check whose failures all match an entry in
force is reported as accepted and does not fail the run; once its date has
passed the entry no longer holds, and its failures fail again, saying so.
An entry that matched nothing is reported as stale. A bad file is a usage
error naming the line and the field.

--fail-on-unexercised fails the run when a documented status of an
operation the run selected was never observed (the coverage section of
the conformance summary lists them, with the reason); an accept entry with
check unexercised waives a status.

Exit status: 0 when every spec passed, 1 when a contract failed, 2 on a
usage or connection error (including a target that stops answering during
the run, or a label filter that selects no spec), 130 when interrupted.`,
		Example: `  fgh contract
  fgh contract --target https://functiongraph.cn-north-4.myhuaweicloud.com --project-id ID --ak AK --sk SK
  fgh contract --target URL --project-id ID --token T --read-only --function URN
  fgh contract --label-filter 'invocation && !negative' --out /tmp/contract
  fgh contract --har /tmp/contract.har
  fgh contract --fuzz --seed 42 --fuzz-budget 100 --rate 20
  fgh contract --target URL --project-id ID --token T --accept vendor-x-accepted.yaml --fail-on-unexercised`,
		Args: cobra.NoArgs,
		// replay is the one subcommand: contract's own flags stay its own.
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Launch = launch.Contract
			opts.FuzzStarted = func(seed uint64) { fmt.Fprintf(cmd.OutOrStdout(), "fuzz seed %d\n", seed) }
			res, err := contract.Run(cmd.Context(), opts)
			if res.Interrupted {
				return withExitCode(exitInterrupted, fmt.Errorf("interrupted: the reports of what ran are in %s", opts.OutDir))
			}
			if err != nil {
				if errors.Is(err, contract.ErrUsage) || errors.Is(err, framework.ErrUnreachable) || res.Conformance == nil {
					return withExitCode(exitUsage, err)
				}
				return withExitCode(exitFailed, err)
			}
			out := cmd.OutOrStdout()
			if res.Fuzz != nil {
				fmt.Fprint(out, res.Fuzz.Summary())
				if res.Sequences != nil {
					fmt.Fprint(out, res.Sequences.Summary())
				}
				if res.Acceptances != nil {
					if err := reports.RenderAcceptanceText(out, res.Acceptances); err != nil {
						return withExitCode(exitUsage, err)
					}
				}
				if opts.OutDir != "" {
					fmt.Fprintf(out, "reports: %s, %s\n", filepath.Join(opts.OutDir, contract.FuzzReportFile), filepath.Join(opts.OutDir, evidence.FailuresFile))
				}
				if !res.Passed {
					return withExitCode(exitFailed, errors.New("fuzzing found answers that break the contract; see the failures above and the reports"))
				}
				return nil
			}
			if c := res.Conformance; c != nil {
				fmt.Fprintf(out, "conformance: %s in %.1fs against %s\n", c.CountsLine(), res.Duration.Seconds(), c.Target)
				if err := reports.RenderAcceptanceText(out, c); err != nil {
					return withExitCode(exitUsage, err)
				}
			}
			printUnexercised(out, res.Unexercised)
			if opts.OutDir != "" {
				fmt.Fprintf(out, "reports: %s\n", filepath.Join(opts.OutDir, framework.ConformanceMDFile))
				printFailureIDs(out, res.Conformance, opts.OutDir)
			}
			if !res.Passed {
				if len(res.Unexercised) > 0 && res.Conformance != nil && !res.Conformance.Failed() {
					return withExitCode(exitFailed, unexercisedError(res.Unexercised, "the selected operations"))
				}
				return withExitCode(exitFailed, errors.New("the endpoint broke the contract; see the failures above and the reports"))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	addTargetFlags(fl, &opts.Target, "base URL of the endpoint; empty starts the built-in emulator", "project ID")
	fl.StringVar(&opts.LabelFilter, "label-filter", "", "Ginkgo label filter selecting specs, e.g. 'invocation && !negative'")
	fl.StringVar(&opts.OutDir, "out", filepath.Join("reports", "out", "contract"), "directory for the JUnit, Ginkgo JSON and conformance reports")
	fl.StringVar(&opts.HAR, "har", "", "write every exchange of the run to this file as a HAR 1.2 log (credentials redacted)")
	fl.StringVar(&opts.Name, "name", "", "name of this run in the conformance summary (vendor, region, build)")
	fl.BoolVar(&opts.ReadOnly, "read-only", false, "run only specs that create nothing (invocations use --function)")
	fl.StringVar(&opts.FunctionURN, "function", "", "existing function URN for invocation specs (with --read-only)")
	fl.StringVar(&opts.ExtensionAPI, "extension-api", "", "host:port of the target's Extension API, when reachable from here")
	fl.IntVar(&opts.ExtensionBasePort, "extension-port", framework.DefaultExtensionBasePort, "first of the 10 ports the suites' extension servers listen on (0 with the built-in emulator: a free range)")
	fl.IntVar(&opts.ExtensionBasePort, "extension-base-port", framework.DefaultExtensionBasePort, "old name of --extension-port")
	_ = fl.MarkDeprecated("extension-base-port", "use --extension-port, as fgh load does")
	fl.StringVar(&opts.AcceptFile, "accept", "", "YAML file of known deviations: matching failures are reported as accepted and do not fail the run (docs/gates.md)")
	fl.BoolVar(&opts.FailOnUnexercised, "fail-on-unexercised", false, "fail when a documented status of a selected operation was never observed")
	fl.BoolVar(&opts.Verbose, "verbose", false, "print every spec, not only failures")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "bound for the whole run (default 30m)")
	fl.DurationVar(&opts.RequestTimeout, "request-timeout", framework.DefaultRequestTimeout, "bound for one API call without an answer")
	addFuzzFlags(fl, &opts)
	// The suites' own tests break the built-in emulator on purpose to prove the specs catch it.
	fl.StringVar(&opts.Defect, "test-defect", "", "inject a named defect into the built-in emulator (tests of the suites only)")
	_ = fl.MarkHidden("test-defect")
	cmd.AddCommand(newReplayCmd())
	return cmd
}

// printUnexercised lists the statuses --fail-on-unexercised fails a run
// on, for contract and proxy alike.
func printUnexercised(w io.Writer, gaps []reports.UnexercisedGap) {
	for _, g := range gaps {
		fmt.Fprintf(w, "not exercised (--fail-on-unexercised): %s %s: %s\n", g.Operation, g.Status, g.Reason)
	}
}

func unexercisedError(gaps []reports.UnexercisedGap, whose string) error {
	return fmt.Errorf("%d documented status(es) of %s were never observed (--fail-on-unexercised)", len(gaps), whose)
}

// addTargetFlags binds the endpoint and its credentials, the same way for
// a contract run and its replay.
func addTargetFlags(fl *pflag.FlagSet, t *client.Target, targetHelp, projectHelp string) {
	fl.StringVar(&t.BaseURL, "target", "", targetHelp)
	fl.StringVar(&t.ProjectID, "project-id", "", projectHelp)
	fl.StringVar(&t.Region, "region", "", "region, e.g. cn-north-4")
	fl.StringVar(&t.Token, "token", "", "IAM token (X-Auth-Token)")
	fl.StringVar(&t.AK, "ak", "", "access key (AK/SK signing)")
	fl.StringVar(&t.SK, "sk", "", "secret key (AK/SK signing)")
}

// addFuzzFlags binds --fuzz and its settings; the stateful sequences of
// a fuzz run read the same fuzz.Options.
func addFuzzFlags(fl *pflag.FlagSet, opts *contract.Options) {
	opts.FuzzOptions = fuzz.DefaultOptions()
	fo := &opts.FuzzOptions
	fl.BoolVar(&opts.Fuzz, "fuzz", false, "send requests generated from the spec instead of running the suites")
	fl.Uint64Var(&fo.Seed, "seed", 0, "seed of the generated requests; the same seed sends the same requests (0 picks one and prints it)")
	fl.Var(&fo.Budget, "fuzz-budget", "generated cases per operation (e.g. 100), or a duration for the whole run (e.g. 2m)")
	fl.Float64Var(&fo.Rate, "rate", 0, "at most this many requests per second while fuzzing (0: no cap); a 429 pauses every worker for its Retry-After")
	fl.IntVar(&fo.Workers, "workers", fuzz.DefaultWorkers, "operations fuzzed (and sequences run) at once")
}
