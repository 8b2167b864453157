package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestEnvFillsUnsetFlags(t *testing.T) {
	var got string
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	cmd.Flags().StringVar(&got, "project-id", "default", "")
	t.Setenv("FGH_PROJECT_ID", "from-env")
	if err := bindEnv(cmd.Flags()); err != nil {
		t.Fatal(err)
	}
	if got != "from-env" {
		t.Fatalf("project-id = %q, want from-env", got)
	}
}

func TestFlagWinsOverEnv(t *testing.T) {
	var got string
	cmd := &cobra.Command{Use: "x"}
	cmd.Flags().StringVar(&got, "project-id", "", "")
	if err := cmd.Flags().Set("project-id", "from-flag"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FGH_PROJECT_ID", "from-env")
	if err := bindEnv(cmd.Flags()); err != nil {
		t.Fatal(err)
	}
	if got != "from-flag" {
		t.Fatalf("project-id = %q, want from-flag", got)
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
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "fgh ") {
		t.Fatalf("version printed %q", out.String())
	}
}
