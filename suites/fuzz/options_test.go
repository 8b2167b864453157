package fuzz

import (
	"strings"
	"testing"
	"time"
)

func TestParseBudget(t *testing.T) {
	for in, want := range map[string]Budget{"50": {Cases: 50}, " 7 ": {Cases: 7}, "2m": {Time: 2 * time.Minute}, "1.5s": {Time: 1500 * time.Millisecond}} {
		got, err := ParseBudget(in)
		if err != nil || got != want {
			t.Errorf("ParseBudget(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-3", "0s", "-1m", "many"} {
		if got, err := ParseBudget(in); err == nil {
			t.Errorf("ParseBudget(%q) = %+v, want an error", in, got)
		}
	}
}

func TestValidateNamesTheFlag(t *testing.T) {
	if err := DefaultOptions().Validate(); err != nil {
		t.Fatalf("default options: %v", err)
	}
	o := DefaultOptions()
	o.Workers, o.Rate = 0, -1
	err := o.Validate()
	if err == nil {
		t.Fatal("0 workers and a negative rate were accepted")
	}
	for _, flag := range []string{"--workers", "--rate"} {
		if !strings.Contains(err.Error(), flag) {
			t.Errorf("error %q does not name %s", err, flag)
		}
	}
}
