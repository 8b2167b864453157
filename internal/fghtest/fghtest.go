// Package fghtest is the set-up the tests of several packages share: fgh as a child process (its build, environment and exit status), the specs a run's Ginkgo report says ran, an accept file and a contract framework on a launched target; only tests import it.
package fghtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/fgharness/fgharness/internal/syncbuf"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// Env is this process's environment without any FGH_* variable (a
// developer's settings must not reach a test's fgh), followed by extra.
func Env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FGH_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// Exit runs cmd, whose output the caller has directed, killing it after
// timeout, and returns its exit status; a process that cannot run fails the test.
func Exit(t testing.TB, cmd *exec.Cmd, timeout time.Duration) int {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	stop := time.AfterFunc(timeout, func() { _ = cmd.Process.Kill() })
	err := cmd.Wait()
	stop.Stop()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return 0
}

// Output is Exit with stdout and stderr collected together.
func Output(t testing.TB, cmd *exec.Cmd, timeout time.Duration) (int, string) {
	t.Helper()
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	code := Exit(t, cmd, timeout)
	return code, out.String()
}

// built is the fgh binary Binary builds once per test process.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Binary is the path of the fgh command, built once per test process
// (without -race, so that runs stay fast whatever the test binary was built
// with); a package that calls it removes it with Main.
func Binary(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "fgh-test-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "fgh")
		out, err := exec.Command("go", "build", "-o", built.path, "github.com/fgharness/fgharness/cmd/fgh").CombinedOutput()
		if err != nil {
			built.err = errors.New("go build ./cmd/fgh: " + err.Error() + "\n" + string(out))
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// Command is `fgh args...` of the built binary, in Env().
func Command(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Env = Env()
	return cmd
}

// Main is a TestMain that removes the binary Binary built.
func Main(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// ItSpecs are the It nodes of the Ginkgo JSON report a contract run wrote into dir.
func ItSpecs(t testing.TB, dir string) []types.SpecReport {
	t.Helper()
	specs, err := fw.ReadItSpecs(dir)
	if err != nil {
		t.Fatalf("no Ginkgo report: %v", err)
	}
	return specs
}

// RanSpecs are the It nodes of the report in dir that ran: neither skipped
// nor pending.
func RanSpecs(t testing.TB, dir string) []types.SpecReport {
	t.Helper()
	var out []types.SpecReport
	for _, s := range ItSpecs(t, dir) {
		if s.State != types.SpecStateSkipped && s.State != types.SpecStatePending {
			out = append(out, s)
		}
	}
	return out
}

// Framework is a contract framework on the target launch starts (the
// in-process emulator, behind the named self-test defect when not ""),
// closed with the test.
func Framework(t testing.TB, launch fw.Launcher, defect string) *fw.Framework {
	t.Helper()
	f, err := fw.Setup(context.Background(), fw.Config{Launch: launch, Defect: defect})
	if err != nil {
		t.Fatalf("start the emulator: %v", err)
	}
	t.Cleanup(func() { _ = f.Close(context.Background()) })
	return f
}

// AcceptCreate201 writes an accept file that accepts the create-201 defect
// (createFunction answering 201) until expires, with a second entry, on
// line 11, that matches nothing; it returns the file's path.
func AcceptCreate201(t testing.TB, expires string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accept.yaml")
	body := `# vendor X answers 201 to createFunction
accept:
  - operation: createFunction
    check: status
    match:
      location: status
      status: 201
    reason: vendor X answers 201 Created
    link: https://tracker.example/FG-1
    expires: ` + expires + `
  - operation: deleteFunction
    check: schema
    match: {location: "body /*"}
    reason: matches nothing in this run
    expires: 2099-12-31
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
