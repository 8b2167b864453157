package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

//go:generate go run . gen-cli-doc ../../docs/cli.md

// newCLIDocCmd writes docs/cli.md; it is hidden because only `go generate`
// (make docs) runs it, and a test fails when the file is stale.
func newCLIDocCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "gen-cli-doc FILE",
		Short:  "Write the command reference (docs/cli.md) from the commands' definitions",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return os.WriteFile(args[0], cliReference(cmd.Root()), 0o644)
		},
	}
}

// cliReference is the whole command reference in Markdown: every visible
// command in tree order with its description, usage, examples and flags.
func cliReference(root *cobra.Command) []byte {
	var b bytes.Buffer
	b.WriteString("# fgh command reference\n\n")
	b.WriteString("<!-- Generated from the Cobra commands in cmd/fgh; do not edit. Regenerate: go generate ./cmd/fgh (or make docs). -->\n\n")
	b.WriteString("Every flag can also be set as an environment variable: `FGH_` and the flag name in upper case, dashes as underscores (`--project-id` is `FGH_PROJECT_ID`). A flag on the command line wins.\n\n")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !documented(c) {
			return
		}
		if c != root {
			writeCommand(&b, c)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	b.WriteString("Commands:\n\n")
	for _, c := range root.Commands() {
		if documented(c) {
			fmt.Fprintf(&b, "- [`%s`](#%s) — %s\n", c.CommandPath(), anchor(c.CommandPath()), c.Short)
		}
	}
	b.WriteString("\n")
	walk(root)
	return b.Bytes()
}

// documented leaves out hidden commands and the ones Cobra adds when it
// executes (help, completion), which a test's command tree does not have.
func documented(c *cobra.Command) bool {
	return !c.Hidden && c.Name() != "help" && c.Name() != "completion"
}

func writeCommand(b *bytes.Buffer, c *cobra.Command) {
	fmt.Fprintf(b, "## %s\n\n%s\n\n", c.CommandPath(), c.Short)
	if c.Long != "" {
		fmt.Fprintf(b, "%s\n\n", strings.TrimSpace(c.Long))
	}
	fmt.Fprintf(b, "```\n%s\n```\n\n", c.UseLine())
	if c.Example != "" {
		fmt.Fprintf(b, "Examples:\n\n```\n%s\n```\n\n", strings.TrimRight(c.Example, "\n"))
	}
	if flags := c.NonInheritedFlags().FlagUsages(); flags != "" {
		fmt.Fprintf(b, "Flags:\n\n```\n%s```\n\n", flags)
	}
	if flags := c.InheritedFlags().FlagUsages(); flags != "" {
		fmt.Fprintf(b, "Inherited flags:\n\n```\n%s```\n\n", flags)
	}
}

// anchor is the heading's id as GitHub renders it.
func anchor(heading string) string {
	return strings.ReplaceAll(strings.ToLower(heading), " ", "-")
}
