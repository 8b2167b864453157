package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/fgharness/fgharness/spec"
	"github.com/spf13/cobra"
)

func newSpecCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "spec",
		Short: "List the documented operations, or validate an OpenAPI document",
	}
	cmd.AddCommand(newSpecOpsCmd(), newSpecValidateCmd())
	return cmd
}

func newSpecOpsCmd() *cobra.Command {
	var asJSON bool
	var tag string
	cmd := &cobra.Command{
		Use:     "ops",
		Short:   "List every operation of the embedded specs",
		Example: "  fgh spec ops\n  fgh spec ops --tag invocation --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := spec.Load()
			if err != nil {
				return err
			}
			var ops []spec.Operation
			tags := map[string]bool{}
			for _, op := range s.Operations() {
				for _, t := range op.Tags {
					tags[t] = true
				}
				if tag == "" || slices.ContainsFunc(op.Tags, func(t string) bool { return strings.EqualFold(t, tag) }) {
					ops = append(ops, op)
				}
			}
			if len(ops) == 0 {
				known := slices.Sorted(maps.Keys(tags))
				return withExitCode(exitUsage, fmt.Errorf("no operation has tag %q; tags: %s", tag, strings.Join(known, ", ")))
			}
			out := cmd.OutOrStdout()
			if asJSON {
				type row struct {
					Document, Method, Path, OperationID, Summary string
					Tags                                         []string
					Statuses                                     []int
				}
				rows := make([]row, len(ops))
				for i, op := range ops {
					rows[i] = row{op.Document, op.Method, op.Path, op.ID, op.Summary, op.Tags, op.Statuses}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "METHOD\tPATH\tOPERATION\tTAG\tSTATUSES")
			for _, op := range ops {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", op.Method, op.Path, op.ID, strings.Join(op.Tags, ","), strings.Trim(fmt.Sprint(op.Statuses), "[]"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	cmd.Flags().StringVar(&tag, "tag", "", "only operations of this area (invocation, functions, versions, ...)")
	return cmd
}

func newSpecValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check OpenAPI 3 documents (YAML or JSON), their examples included",
		Long: `Checks each file as an OpenAPI 3 document. A path that is not on disk but
names an embedded document (spec/functiongraph.yaml, spec/iam.yaml,
spec/extension.yaml) checks the copy built into fgh.`,
		Example: "  fgh spec validate spec/functiongraph.yaml\n  fgh spec validate vendor-openapi.json",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			failed := 0
			for _, file := range args {
				data, err := os.ReadFile(file)
				if errors.Is(err, fs.ErrNotExist) {
					if embedded, ok := spec.EmbeddedSource(file); ok {
						data, err = embedded, nil
					}
				}
				if err != nil {
					return withExitCode(exitUsage, err)
				}
				if _, err := spec.ParseDocument(data); err != nil {
					failed++
					fmt.Fprintf(cmd.OutOrStdout(), "%s: INVALID: %v\n", filepath.Base(file), err)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: valid\n", filepath.Base(file))
			}
			if failed > 0 {
				return withExitCode(exitFailed, fmt.Errorf("%d of %d documents are invalid", failed, len(args)))
			}
			return nil
		},
	}
}
