package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/launch"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/suites/replay"
)

func newReplayCmd() *cobra.Command {
	var opts replay.Options
	cmd := &cobra.Command{
		Use:   "replay RUN-DIR FAILURE-ID",
		Short: "Send a recorded failure's request again and check its rule",
		Long: `fgh contract replay reads RUN-DIR/failures.json (the --out of a contract
run), sends the failure's request again — after the steps that led to it,
and followed by the cleanup the run sent — and checks the same rule on the
new answer.

Credentials come from the flags or FGH_TOKEN, FGH_AK and FGH_SK, never from
the run's files (they hold none): a token is sent as X-Auth-Token, an AK/SK
pair signs each request now. Without --target the built-in emulator is
started and replayed against. The project ID of the run is used unless
--project-id names another, in which case the run's is replaced in paths
and bodies.

Exit status: 0 when the answer keeps the rule (or the rule cannot be judged
outside the spec that found it; the answer is shown), 1 when the rule is
broken again, 2 on a usage or connection error.`,
		Example: `  fgh contract replay reports/out/contract f1a2b3c4d
  fgh contract replay /tmp/run f1a2b3c4d --target https://functiongraph.example --project-id ID --ak AK --sk SK`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.RunDir, opts.FailureID = args[0], args[1]
			opts.Launch = launch.Contract
			res, err := replay.Run(cmd.Context(), opts)
			if err != nil {
				return withExitCode(exitUsage, err)
			}
			printReplay(cmd.OutOrStdout(), res)
			if res.Reproduced() {
				return withExitCode(exitFailed, errors.New("the failure reproduced: the endpoint breaks the rule again"))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	addTargetFlags(fl, &opts.Target, "base URL to replay against; empty starts the built-in emulator", "project ID (default: the run's)")
	fl.DurationVar(&opts.Timeout, "request-timeout", 0, "bound for one request without an answer (default 10s)")
	fl.StringVar(&opts.Defect, "test-defect", "", "inject a named defect into the built-in emulator (tests of the suites only)")
	_ = fl.MarkHidden("test-defect")
	return cmd
}

// maxListedFailures bounds the failure ids a contract run prints; the
// reports list them all.
const maxListedFailures = 10

// printFailureIDs lists the run's failures that were not accepted, each
// with its id, and how to replay one.
func printFailureIDs(w io.Writer, c *reports.Conformance, dir string) {
	if c == nil {
		return
	}
	n := 0
	for _, f := range c.Failures {
		if f.Accepted != "" {
			continue
		}
		if n++; n <= maxListedFailures {
			fmt.Fprintf(w, "failure %s %s · %s: %s\n", f.ID, f.Operation, f.Check, firstLineOf(f.Rule))
		}
	}
	if n > maxListedFailures {
		fmt.Fprintf(w, "... and %d more in %s\n", n-maxListedFailures, filepath.Join(dir, evidence.FailuresFile))
	}
	if n > 0 {
		fmt.Fprintf(w, "replay one: fgh contract replay %s ID\n", dir)
	}
}

// printReplay says what was sent, what came back and the verdict.
func printReplay(w io.Writer, res replay.Result) {
	f := res.Failure
	fmt.Fprintf(w, "replay %s (%s · %s) against %s\n", f.ID, f.Operation, f.Check, res.Target)
	for i, st := range res.Steps {
		fmt.Fprintf(w, "  step %d %s: %s\n", i+1, st.Operation, stepOutcome(st))
	}
	fmt.Fprintf(w, "  request %s %s: %d\n", f.Request.Method, f.Operation, res.Answer.Status)
	for _, st := range res.Cleanup {
		fmt.Fprintf(w, "  cleanup %s: %s\n", st.Operation, stepOutcome(st))
	}
	fmt.Fprintf(w, "rule: %s\n", firstLineOf(f.Rule))
	if body := strings.TrimSpace(string(res.Answer.Body.Bytes())); body != "" {
		if len(body) > 600 {
			body = body[:600] + "..."
		}
		fmt.Fprintf(w, "answer: %s\n", body)
	}
	switch {
	case !res.Checkable:
		fmt.Fprintln(w, "not judged: the spec that found it judges the rule in its own code; compare the answer above with the recorded one")
	case res.Reproduced():
		fmt.Fprintf(w, "REPRODUCED: %s\n", strings.Join(res.Broken, "; "))
	default:
		fmt.Fprintln(w, "passed: the answer keeps the rule")
	}
}

func stepOutcome(st replay.Step) string {
	if st.Error != "" {
		return "error: " + st.Error
	}
	return fmt.Sprint(st.Status)
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
