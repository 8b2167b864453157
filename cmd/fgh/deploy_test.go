package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// TestKubernetesJob parses deploy/k8s: the Indexed Job's pods must run shard
// i/N of one `fgh load` with a shared start, each into its own directory, and
// the merge Job must merge exactly those directories.
func TestKubernetesJob(t *testing.T) {
	type container struct {
		Args []string `yaml:"args"`
		Env  []struct {
			Name string `yaml:"name"`
		} `yaml:"env"`
		Resources struct {
			Limits map[string]string `yaml:"limits"`
		} `yaml:"resources"`
	}
	type job struct {
		Kind string `yaml:"kind"`
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Parallelism    int    `yaml:"parallelism"`
			Template       struct {
				Spec struct {
					Containers []container `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	readJob := func(path string) job {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var j job
			if err := dec.Decode(&j); err != nil {
				t.Fatalf("%s: no Job: %v", path, err)
			}
			if j.Kind == "Job" {
				if len(j.Spec.Template.Spec.Containers) != 1 {
					t.Fatalf("%s: want one container", path)
				}
				return j
			}
		}
	}

	shards := readJob("../../deploy/k8s/load-job.yaml")
	n := shards.Spec.Completions
	if shards.Spec.CompletionMode != "Indexed" || n < 2 || shards.Spec.Parallelism != n {
		t.Fatalf("load Job: completionMode %q, completions %d, parallelism %d; want Indexed, N ≥ 2 both",
			shards.Spec.CompletionMode, n, shards.Spec.Parallelism)
	}
	c := shards.Spec.Template.Spec.Containers[0]
	if cpu := c.Resources.Limits["cpu"]; strings.ContainsAny(cpu, "m.") || cpu == "" {
		t.Errorf("CPU limit %q: size shard pods in whole cores (GOMAXPROCS follows the limit)", cpu)
	}
	for _, e := range c.Env {
		flag := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(e.Name, "FGH_"), "_", "-"))
		if newLoadCmd().Flags().Lookup(flag) == nil {
			t.Errorf("env %s is not an fgh load flag", e.Name)
		}
	}
	if len(c.Args) < 2 || c.Args[0] != "load" {
		t.Fatalf("load Job args %q: want load SCENARIO ...", c.Args)
	}
	startAt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var outDirs []string
	for i := range n {
		args := make([]string, len(c.Args)-2)
		for k, a := range c.Args[2:] {
			a = strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i))
			args[k] = strings.ReplaceAll(a, "__START_AT__", startAt.Format(time.RFC3339))
		}
		o, err := parseLoadArgs(t, c.Args[1], args...)
		if err != nil {
			t.Fatalf("pod %d: fgh load rejects %q: %v", i, args, err)
		}
		if o.Shard.Index != i || o.Shard.Count != n || !o.StartAt.Equal(startAt) || o.Duration <= 0 {
			t.Errorf("pod %d runs %s from %s for %s; want shard %d/%d from %s", i, o.Shard, o.StartAt, o.Duration, i, n, startAt)
		}
		outDirs = append(outDirs, o.OutDir)
	}
	merge := readJob("../../deploy/k8s/merge-job.yaml").Spec.Template.Spec.Containers[0].Args
	var merged []string
	for _, a := range merge[2:] {
		if !strings.HasPrefix(a, "--") {
			merged = append(merged, a)
		}
	}
	if len(merge) < 2 || merge[0] != "report" || merge[1] != "merge" || strings.Join(merged, " ") != strings.Join(outDirs, " ") {
		t.Errorf("merge Job args %q; want report merge %s --out DIR", merge, strings.Join(outDirs, " "))
	}
}
