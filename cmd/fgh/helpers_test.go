package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/fghtest"
)

// beFGH makes the test binary run main() instead of the tests, so the
// process tests below (signals, shards) run the real command without a build step.
const beFGH = "FGH_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(beFGH) == "1" {
		main()
		os.Exit(0)
	}
	fghtest.Main(m)
}

// fghProcess is `fgh args...` as a child process, with no FGH_* variable
// inherited except those in env.
func fghProcess(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = fghtest.Env(append([]string{beFGH + "=1"}, env...)...)
	return cmd
}

// cliRun is the outcome of one fgh subprocess; Ginkgo runs one suite per
// process, so every `fgh contract` here is one (see fghProcess).
type cliRun struct {
	code   int
	output string // stdout and stderr
}

func runFGHProcess(t *testing.T, env []string, args ...string) cliRun {
	t.Helper()
	code, output := fghtest.Output(t, fghProcess(t, env, args...), 3*time.Minute)
	return cliRun{code: code, output: output}
}

func (r cliRun) expect(t *testing.T, code int, mentions ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d; output:\n%s", r.code, code, r.output)
	}
	for _, m := range mentions {
		if !strings.Contains(r.output, m) {
			t.Errorf("output does not mention %q:\n%s", m, r.output)
		}
	}
}

// execute runs the root command in this process with args and returns
// what it wrote to stdout and to stderr, and its error.
func execute(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

// exitCodeOf is the status main exits with after err.
func exitCodeOf(err error) int {
	var ec *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return ec.code
	}
	return exitUsage
}
