package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// eachFlag visits every visible flag of every command under root.
func eachFlag(root *cobra.Command, visit func(cmd *cobra.Command, f *pflag.Flag)) {
	for _, c := range root.Commands() {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && f.Deprecated == "" {
				visit(c, f)
			}
		})
		eachFlag(c, visit)
	}
}

// TestOneNamePerConcept: the same concept has the same flag name, and the
// same default scheme, in every command.
func TestOneNamePerConcept(t *testing.T) {
	oldNames := map[string]string{"slo": "threshold", "extension-base-port": "extension-port"}
	eachFlag(newRootCmd(), func(cmd *cobra.Command, f *pflag.Flag) {
		path := cmd.CommandPath()
		if want, old := oldNames[f.Name]; old {
			t.Errorf("%s shows --%s: the name is --%s in every command", path, f.Name, want)
		}
		if strings.Contains(f.Name, "port") && strings.Contains(f.Name, "extension") && f.Name != "extension-port" {
			t.Errorf("%s --%s: extension ports are --extension-port", path, f.Name)
		}
		if f.Name == "out" && f.DefValue != "" {
			if want := filepath.Join("reports", "out", cmd.Name()); f.DefValue != want {
				t.Errorf("%s --out defaults to %q, want %q (reports/out/COMMAND everywhere)", path, f.DefValue, want)
			}
		}
	})
	for _, args := range [][]string{
		{"--slo", "p99 < 50ms", "--find-max"},
		{"--threshold", "p99 < 50ms", "--find-max"},
	} {
		o, err := parseLoadArgs(t, "sync-invoke", args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if o.FindMax == nil || strings.Join(o.FindMax.SLO, ";") != "p99 < 50ms" {
			t.Errorf("%v: find-max holds %v, want [p99 < 50ms]", args, o.FindMax)
		}
	}
	if o, err := parseLoadArgs(t, "extension-fanout", "--extension-port", "0"); err != nil || o.ExtensionPort >= 0 {
		t.Errorf("load --extension-port 0 = %d (%v): want free ports, as fgh contract reads 0", o.ExtensionPort, err)
	}
	contract := newContractCmd()
	if err := contract.ParseFlags([]string{"--extension-base-port", "9100"}); err != nil {
		t.Fatal(err)
	}
	if v := contract.Flags().Lookup("extension-port").Value.String(); v != "9100" {
		t.Errorf("the old --extension-base-port no longer sets the port: %s", v)
	}
}

// TestReadmeRepositoryFilesFromAnyDirectory runs, from an empty directory,
// every README command argument that names a file shipped in the repository
// (scenario files, spec documents): fgh carries them, so the commands work
// outside a checkout too.
func TestReadmeRepositoryFilesFromAnyDirectory(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	configs := regexp.MustCompile(`--config\s+(\S+\.yaml)`).FindAllStringSubmatch(string(readme), -1)
	specs := regexp.MustCompile(`fgh spec validate\s+(spec/\S+\.yaml)`).FindAllStringSubmatch(string(readme), -1)
	t.Chdir(t.TempDir())
	for _, m := range configs {
		if _, err := parseLoadArgs(t, "sync-invoke", "--config", m[1]); err != nil {
			t.Errorf("README's --config %s fails outside the repository: %v", m[1], err)
		}
	}
	for _, m := range specs {
		if out, err := runFGH(t, "spec", "validate", m[1]); err != nil {
			t.Errorf("README's fgh spec validate %s fails outside the repository: %v\n%s", m[1], err, out)
		}
	}
	for _, name := range []string{"nightly", "nightly.yaml", "load/scenarios/fanout-sweep.yaml"} {
		if _, err := parseLoadArgs(t, "extension-fanout", "--config", name); err != nil {
			t.Errorf("--config %s: %v", name, err)
		}
	}
	if _, err := parseLoadArgs(t, "sync-invoke", "--config", "load/scenarios/nope.yaml"); err == nil || !strings.Contains(err.Error(), "release-gate") {
		t.Errorf("a missing scenario: err = %v, want the built-in names listed", err)
	}
	if _, err := parseLoadArgs(t, "sync-invoke", "--config", "elsewhere/nightly.yaml"); err == nil {
		t.Error("elsewhere/nightly.yaml read the built-in nightly: only load/scenarios paths may")
	}
}
