package fuzz

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options are the settings of a generated-input run. The stateful
// sequences of the same run read them too, so they live in one struct.
type Options struct {
	// Seed makes a run reproducible: the same seed against the same
	// target sends the same requests. 0 picks one (NewSeed).
	Seed uint64
	// Budget bounds the generated cases: a count per operation or a time
	// for the whole run.
	Budget Budget
	// Rate caps requests per second over all workers; 0 means no cap. A
	// 429 answer pauses every worker for its Retry-After.
	Rate float64
	// Workers is how many operations are fuzzed at once.
	Workers int
	// ReadOnly restricts the run to operations that create, change and
	// delete nothing.
	ReadOnly bool
}

// Defaults of the fuzz flags.
const (
	DefaultCases   = 25
	DefaultWorkers = 2
)

// DefaultOptions is a run of DefaultCases cases per operation on DefaultWorkers workers.
func DefaultOptions() Options {
	return Options{Budget: Budget{Cases: DefaultCases}, Workers: DefaultWorkers}
}

// Validate reports options no run can start with, in flag terms.
func (o Options) Validate() error {
	var errs []error
	if o.Budget.Cases < 0 || o.Budget.Time < 0 || (o.Budget.Cases == 0 && o.Budget.Time == 0) {
		errs = append(errs, fmt.Errorf("--fuzz-budget %s: give a positive number of cases per operation (e.g. 50) or a duration (e.g. 2m)", o.Budget))
	}
	if o.Rate < 0 {
		errs = append(errs, fmt.Errorf("--rate %v: give requests per second, or 0 for no cap", o.Rate))
	}
	if o.Workers < 1 {
		errs = append(errs, fmt.Errorf("--workers %d: give at least 1", o.Workers))
	}
	return errors.Join(errs...)
}

// Budget is how much generating a run may do: Cases per operation, or a
// Time for the whole run (split evenly among the operations).
type Budget struct {
	Cases int
	Time  time.Duration
}

// ParseBudget reads "50" (cases per operation) or "2m" (a duration).
func ParseBudget(s string) (Budget, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 {
			return Budget{}, fmt.Errorf("%q: the number of cases must be positive", s)
		}
		return Budget{Cases: n}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return Budget{}, fmt.Errorf("%q is neither a number of cases (50) nor a positive duration (2m)", s)
	}
	return Budget{Time: d}, nil
}

func (b Budget) String() string {
	if b.Time > 0 {
		return b.Time.String()
	}
	return strconv.Itoa(b.Cases)
}

// Set and Type make *Budget a command-line flag value.
func (b *Budget) Set(s string) error {
	v, err := ParseBudget(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

func (b *Budget) Type() string { return "cases|duration" }
