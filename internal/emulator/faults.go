package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Faults are failures the emulator injects into invocations (sync and
// async) so the harness can be tested against a misbehaving endpoint. They
// load from YAML or JSON (--faults FILE) and change at run time through
// PUT /_fgh/v1/faults, which takes the admin token only (docs/faults.md).
// Durations are Go durations ("150ms") or numbers of milliseconds.
//
//	latency:          # added before the function runs
//	  distribution: lognormal   # fixed | uniform | normal | lognormal
//	  value: 20ms               # fixed
//	  min: 5ms                  # uniform
//	  max: 50ms                 # uniform
//	  mean: 20ms                # normal
//	  stddev: 5ms               # normal
//	  mu: 3.0                   # lognormal: exp(N(mu, sigma)) milliseconds
//	  sigma: 0.5
//	error_rate: 0.05            # share of invocations answered with an error
//	error_statuses: [500, 503]  # picked uniformly; FSS.0500 / FSS.0503 bodies
//	error_code: ""              # overrides the code in the body
//	cold_start: 300ms           # cold start delay (overrides Config.ColdStart when longer)
//	extension_delay: 200ms      # every extension delivery waits this long first
type Faults struct {
	Latency        *Latency `json:"latency,omitempty" yaml:"latency,omitempty"`
	ErrorRate      float64  `json:"error_rate,omitempty" yaml:"error_rate,omitempty"`
	ErrorStatuses  []int    `json:"error_statuses,omitempty" yaml:"error_statuses,omitempty"`
	ErrorCode      string   `json:"error_code,omitempty" yaml:"error_code,omitempty"`
	ColdStart      Duration `json:"cold_start,omitempty" yaml:"cold_start,omitempty"`
	ExtensionDelay Duration `json:"extension_delay,omitempty" yaml:"extension_delay,omitempty"`
}

// Latency is an added delay, fixed or drawn from a distribution.
type Latency struct {
	Distribution string   `json:"distribution" yaml:"distribution"`
	Value        Duration `json:"value,omitempty" yaml:"value,omitempty"`
	Min          Duration `json:"min,omitempty" yaml:"min,omitempty"`
	Max          Duration `json:"max,omitempty" yaml:"max,omitempty"`
	Mean         Duration `json:"mean,omitempty" yaml:"mean,omitempty"`
	StdDev       Duration `json:"stddev,omitempty" yaml:"stddev,omitempty"`
	Mu           float64  `json:"mu,omitempty" yaml:"mu,omitempty"`
	Sigma        float64  `json:"sigma,omitempty" yaml:"sigma,omitempty"`
}

// Duration is a time.Duration written as "150ms" or as milliseconds.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	return d.set(v)
}

func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	return d.set(v)
}

func (d *Duration) set(v any) error {
	switch x := v.(type) {
	case string:
		p, err := time.ParseDuration(x)
		if err != nil {
			return fmt.Errorf("duration %q: want a Go duration like 150ms", x)
		}
		*d = Duration(p)
	case float64:
		*d = Duration(x * float64(time.Millisecond))
	case int:
		*d = Duration(time.Duration(x) * time.Millisecond)
	default:
		return fmt.Errorf("duration %v: want a string like 150ms or a number of milliseconds", v)
	}
	return nil
}

// Active tells whether any fault is switched on.
func (f Faults) Active() bool {
	return f.Latency != nil || f.ErrorRate > 0 || f.ColdStart > 0 || f.ExtensionDelay > 0
}

func (f Faults) validate() error {
	var errs []error
	if f.ErrorRate < 0 || f.ErrorRate > 1 {
		errs = append(errs, fmt.Errorf("faults: error_rate %v is not between 0 and 1", f.ErrorRate))
	}
	for _, s := range f.ErrorStatuses {
		if s < 400 || s > 599 {
			errs = append(errs, fmt.Errorf("faults: error status %d is not a 4xx or 5xx", s))
		}
	}
	if f.ColdStart < 0 || f.ExtensionDelay < 0 {
		errs = append(errs, errors.New("faults: cold_start and extension_delay cannot be negative"))
	}
	if l := f.Latency; l != nil {
		switch l.Distribution {
		case "fixed", "":
		case "uniform":
			if l.Max < l.Min {
				errs = append(errs, errors.New("faults: latency uniform needs min <= max"))
			}
		case "normal", "lognormal":
		default:
			errs = append(errs, fmt.Errorf("faults: latency distribution %q is not fixed, uniform, normal or lognormal", l.Distribution))
		}
		if l.Value < 0 || l.Min < 0 || l.Mean < 0 || l.StdDev < 0 || l.Sigma < 0 {
			errs = append(errs, errors.New("faults: latency parameters cannot be negative"))
		}
	}
	return errors.Join(errs...)
}

// sample draws one delay.
func (l *Latency) sample() time.Duration {
	var d float64
	switch l.Distribution {
	case "uniform":
		d = float64(l.Min) + rand.Float64()*float64(l.Max-l.Min)
	case "normal":
		d = float64(l.Mean) + rand.NormFloat64()*float64(l.StdDev)
	case "lognormal":
		d = math.Exp(l.Mu+rand.NormFloat64()*l.Sigma) * float64(time.Millisecond)
	default:
		d = float64(l.Value)
	}
	return time.Duration(max(d, 0))
}

// LoadFaults reads a faults file (YAML or JSON); unknown keys are errors.
func LoadFaults(path string) (Faults, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Faults{}, fmt.Errorf("read faults file: %w", err)
	}
	f, err := parseFaults(data)
	if err != nil {
		return Faults{}, fmt.Errorf("faults file %s: %w", path, err)
	}
	return f, nil
}

func parseFaults(data []byte) (Faults, error) {
	var f Faults
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return Faults{}, err
	}
	return f, f.validate()
}

// faultState is the compiled, immutable form the invoke path reads.
type faultState struct {
	Faults
}

func (e *Emulator) setFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	if len(f.ErrorStatuses) == 0 && f.ErrorRate > 0 {
		f.ErrorStatuses = []int{http.StatusInternalServerError}
	}
	e.hub.SetExtensionDelay(time.Duration(f.ExtensionDelay))
	if !f.Active() {
		e.faults.Store(nil)
	} else {
		e.faults.Store(&faultState{Faults: f})
	}
	e.log.Info("faults set", "active", f.Active(), "error_rate", f.ErrorRate, "cold_start", time.Duration(f.ColdStart))
	return nil
}

func (e *Emulator) currentFaults() Faults {
	if fs := e.faults.Load(); fs != nil {
		return fs.Faults
	}
	return Faults{}
}

// injectFaults applies latency and the error rate to one invocation.
func (e *Emulator) injectFaults(ctx context.Context) *apiError {
	fs := e.faults.Load()
	if fs == nil {
		return nil
	}
	if fs.Latency != nil {
		sleepCtx(ctx, fs.Latency.sample())
	}
	if fs.ErrorRate > 0 && rand.Float64() < fs.ErrorRate {
		status := fs.ErrorStatuses[rand.IntN(len(fs.ErrorStatuses))]
		code := fs.ErrorCode
		if code == "" {
			code = fmt.Sprintf("FSS.0%d", status)
		}
		return newError(status, code, "%s (injected fault)", http.StatusText(status)+" "+strconv.Itoa(status))
	}
	return nil
}

// coldStartFor is the cold start delay in force.
func (e *Emulator) coldStartFor() time.Duration {
	d := e.cfg.ColdStart
	if fs := e.faults.Load(); fs != nil {
		d = max(d, time.Duration(fs.ColdStart))
	}
	return d
}
