package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes shared by every subcommand.
const (
	exitFailed      = 1   // a contract failed, a comparison regressed
	exitUsage       = 2   // bad flags, unreachable target, unreadable file
	exitThreshold   = 99  // an SLO threshold failed (k6's convention)
	exitInterrupted = 130 // stopped by SIGINT/SIGTERM after flushing results
)

// exitError carries a process exit code up to main; err may be nil when the
// command already told the user everything.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func withExitCode(code int, err error) error { return &exitError{code: code, err: err} }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "fgh",
		Short: "Contract and load tests for the Huawei Cloud FunctionGraph API",
		Long: `fgh checks that an endpoint speaks the FunctionGraph API as documented
(contract suites), measures how fast it invokes functions and fans out to
extensions (load scenarios), and renders and compares the reports.

Without --target every command runs against the built-in emulator, so the
whole harness works on a machine with no cloud account.

Every flag can also be set through an environment variable: FGH_ followed by
the flag name in upper case with dashes as underscores (--project-id is
FGH_PROJECT_ID). A flag given on the command line wins.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return bindEnv(cmd.Flags())
		},
	}
	// Every command in one list (Cobra sorts them for help and docs/cli.md);
	// a constructor left out is unused code, which staticcheck reports.
	root.AddCommand(
		newContractCmd(),
		newProxyCmd(),
		newLoadCmd(),
		newReportCmd(),
		newSpecCmd(),
		newEmulatorCmd(),
		newDemoCmd(),
		newVersionCmd(),
		newCLIDocCmd(),
	)
	return root
}

// untilSignal is ctx until the first SIGINT or SIGTERM: the signals after
// which a command flushes what it has and exits with exitInterrupted.
func untilSignal(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// stderrLogger is a long-running command's text log on its stderr, at the
// level its --log-level flag names.
func stderrLogger(cmd *cobra.Command, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, withExitCode(exitUsage, fmt.Errorf("--log-level %q: %w", level, err))
	}
	return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: l})), nil
}

// envName is the environment variable that stands in for a flag.
func envName(flag string) string {
	return "FGH_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// bindEnv sets every flag the user did not pass from its FGH_* variable.
func bindEnv(flags *pflag.FlagSet) error {
	var err error
	flags.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		v, ok := os.LookupEnv(envName(f.Name))
		if !ok {
			return
		}
		if setErr := flags.Set(f.Name, v); setErr != nil {
			if secretFlags[f.Name] {
				// pflag's error repeats the value; a secret must not reach the terminal.
				err = withExitCode(exitUsage, fmt.Errorf("%s is not a valid --%s", envName(f.Name), f.Name))
				return
			}
			err = withExitCode(exitUsage, fmt.Errorf("%s=%q is not a valid --%s: %v", envName(f.Name), v, f.Name, setErr))
		}
	})
	return err
}

// secretFlags never have their values echoed.
var secretFlags = map[string]bool{"token": true, "sk": true, "ak": true, "password": true}
