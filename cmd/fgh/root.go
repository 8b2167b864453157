package main

import (
	"fmt"
	"os"
	"strings"

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

// subcommands is filled by init functions, one file per subcommand, so
// commands are added without editing this file.
var subcommands []func() *cobra.Command

func register(newCmd func() *cobra.Command) { subcommands = append(subcommands, newCmd) }

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
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd())
	}
	return root
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
