package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// An FGH_* variable fills a flag the command line left unset, and a flag
// given on the command line wins over it.
func TestEnvFillsOnlyUnsetFlags(t *testing.T) {
	for _, tc := range []struct{ name, flag, want string }{
		{"unset flag", "", "from-env"},
		{"flag given", "from-flag", "from-flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			cmd := &cobra.Command{Use: "x"}
			cmd.Flags().StringVar(&got, "project-id", "default", "")
			if tc.flag != "" {
				if err := cmd.Flags().Set("project-id", tc.flag); err != nil {
					t.Fatal(err)
				}
			}
			t.Setenv("FGH_PROJECT_ID", "from-env")
			if err := bindEnv(cmd.Flags()); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("project-id = %q, want %s", got, tc.want)
			}
		})
	}
}

func TestBadEnvValueNamesVariableButNotSecret(t *testing.T) {
	var n int
	var sk int
	cmd := &cobra.Command{Use: "x"}
	cmd.Flags().IntVar(&n, "rate", 1, "")
	cmd.Flags().IntVar(&sk, "sk", 1, "")
	t.Setenv("FGH_RATE", "fast")
	err := bindEnv(cmd.Flags())
	if err == nil || !strings.Contains(err.Error(), "FGH_RATE") {
		t.Fatalf("error %v does not name FGH_RATE", err)
	}
	t.Setenv("FGH_RATE", "5")
	t.Setenv("FGH_SK", "hunter2-secret")
	err = bindEnv(cmd.Flags())
	if err == nil || strings.Contains(err.Error(), "hunter2-secret") {
		t.Fatalf("error %v must exist and must not echo the secret", err)
	}
}

func TestVersionCommand(t *testing.T) {
	out, _, err := execute(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "fgh ") {
		t.Fatalf("version printed %q", out)
	}
}

// --log-level of fgh emulator and fgh proxy: a known level filters the
// stderr log, an unknown one is a usage error naming the flag.
func TestStderrLoggerLevel(t *testing.T) {
	var stderr strings.Builder
	cmd := &cobra.Command{Use: "x"}
	cmd.SetErr(&stderr)
	log, err := stderrLogger(cmd, "warn")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("quiet")
	log.Warn("loud")
	if got := stderr.String(); strings.Contains(got, "quiet") || !strings.Contains(got, "msg=loud") {
		t.Fatalf("stderr at warn = %q, want only the warning", got)
	}
	_, err = stderrLogger(cmd, "chatty")
	if exitCodeOf(err) != exitUsage || !strings.Contains(err.Error(), `--log-level "chatty"`) {
		t.Fatalf("unknown level: exit %d, %v; want exit %d naming --log-level", exitCodeOf(err), err, exitUsage)
	}
}
