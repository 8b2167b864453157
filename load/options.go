package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/fgs"
)

// Scenarios fgh load knows.
const (
	ScenarioSyncInvoke = "sync-invoke"
	ScenarioFanout     = "extension-fanout"
	ScenarioFindMax    = "find-max" // sync-invoke with FindMax on
)

// Scenarios lists the scenario names, for usage text.
var Scenarios = []string{ScenarioSyncInvoke, ScenarioFanout, ScenarioFindMax}

// Options is one `fgh load` run. cmd/fgh fills it from flags, FGH_*
// variables and the --config file; Run does the rest.
type Options struct {
	Scenario string
	// Target: an empty BaseURL asks Launch for one.
	Target client.Target
	// Launch starts an endpoint when Target has no BaseURL: cmd/fgh passes
	// the built-in emulator, which this package does not import. Nil makes
	// such a run a usage error.
	Launch Launcher
	// Function is invoked as given; empty creates a temporary function before the attack and deletes it after.
	Function string

	Body        []byte // request body; nil means PayloadSize bytes of generated JSON
	PayloadSize int
	LogType     string

	Pacing      Pacing
	Duration    time.Duration
	MaxRequests uint64

	// TLS configures an https:// target: trust, client certificate, HTTP/2.
	TLS TLS
	// GoTimers paces on Go timers instead of the kernel's high-resolution
	// timer: a fraction of the CPU, up to about a millisecond of send lag.
	GoTimers bool

	Workers, MaxWorkers, Connections int
	Timeout, LateAfter               time.Duration
	// Procs, when positive, sets GOMAXPROCS for the run (restored after):
	// see GeneratorProcs. Zero leaves the scheduler as it is, which is right
	// when the target runs in this process.
	Procs int

	OutDir string
	Shard  Shard
	// StartAt is the shared wall-clock start of every shard (zero: now).
	StartAt time.Time
	// RunID names the run in report.json (see runID); empty derives one.
	RunID string

	Thresholds     []ThresholdSpec
	ValidateSample float64 // 0..1

	Fanout        []int // extensions; several values run a sweep
	ExtensionPort int   // first sink port (8081)
	ExtensionAPI  string
	FanoutGrace   time.Duration

	FindMax *FindMaxOptions

	// Progress receives the progress display (a terminal gets a bar, anything else periodic lines); nil for none.
	Progress    io.Writer
	ProgressTTY bool
	// Log receives the start banner and step lines; nil for none.
	Log io.Writer

	// Endpoint overrides how the target is prepared (tests); nil uses the FunctionGraph API through internal/client.
	Endpoint Endpoint

	defaultThreshold bool // Thresholds is DefaultThreshold, applied because none was given
}

// Endpoint prepares what a scenario needs on the target besides invocations.
type Endpoint interface {
	// CreateFunction creates a temporary function to invoke and returns its URN.
	CreateFunction(ctx context.Context, name string) (urn string, err error)
	DeleteFunction(ctx context.Context, urn string) error
	// ExtensionAPI is the address of the function's Extension API (EXTENSION_API_ADDR).
	ExtensionAPI(ctx context.Context, urn string) (string, error)
	// RegisterExtension registers an extension's server (address, host:port)
	// under name at the Extension API extensionAPI.
	RegisterExtension(ctx context.Context, extensionAPI, name, address string) error
}

// ThresholdSpec is one SLO expression, optionally aborting the run once it
// fails (judged every second after Delay).
type ThresholdSpec struct {
	Expr        string        `yaml:"expr"`
	AbortOnFail bool          `yaml:"abort_on_fail"`
	Delay       time.Duration `yaml:"delay"`
}

// Exprs are the threshold expressions alone.
func Exprs(ts []ThresholdSpec) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Expr
	}
	return out
}

// ErrThresholds is returned (wrapped) by Run when the run finished but a threshold failed.
var ErrThresholds = errors.New("thresholds failed")

// ErrNoSuccess is returned (wrapped) by Run when not one request succeeded.
var ErrNoSuccess = errors.New("no request succeeded")

// DefaultThreshold judges a run given no threshold (find-max has its SLO instead).
const DefaultThreshold = "success >= 99%"

func (o *Options) defaults() {
	o.RunID = o.runID(time.Now())
	if o.Scenario == "" {
		o.Scenario = ScenarioSyncInvoke
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ExtensionPort == 0 {
		o.ExtensionPort = fgs.ExtensionPortMin
	}
	if o.FanoutGrace <= 0 {
		o.FanoutGrace = 2 * time.Second
	}
	if o.Body == nil {
		size := o.PayloadSize
		if size == 0 {
			size = 64
		}
		o.Body = Payload(size)
	}
	if o.Scenario == ScenarioFindMax && o.FindMax == nil {
		o.FindMax = &FindMaxOptions{}
	}
	if o.Scenario == ScenarioFanout && len(o.Fanout) == 0 {
		o.Fanout = []int{1}
	}
}

func (o *Options) validate() error {
	var errs []error
	switch o.Scenario {
	case ScenarioSyncInvoke, ScenarioFanout, ScenarioFindMax:
	default:
		errs = append(errs, fmt.Errorf("unknown scenario %q: use one of %s", o.Scenario, strings.Join(Scenarios, ", ")))
	}
	if o.Procs < 0 {
		errs = append(errs, fmt.Errorf("--procs %d: want a positive number of scheduler threads, or 0 for the default", o.Procs))
	}
	if o.Duration <= 0 && o.MaxRequests == 0 {
		errs = append(errs, errors.New("no --duration: every load run is bounded in time"))
	}
	if o.Duration > 24*time.Hour {
		errs = append(errs, errors.New("--duration over 24h: split the run"))
	}
	if _, err := o.Pacing.Pacer(); err != nil {
		errs = append(errs, err)
	}
	if err := o.Shard.validate(); err != nil {
		errs = append(errs, err)
	}
	for _, k := range o.Fanout {
		if k < 0 || k > fgs.MaxExtensions {
			errs = append(errs, fmt.Errorf("--fanout %d: the Extension API allows 0 to %d extensions", k, fgs.MaxExtensions))
		}
	}
	if o.ValidateSample < 0 || o.ValidateSample > 1 {
		errs = append(errs, fmt.Errorf("--validate-sample %g: want a share between 0%% and 100%%", o.ValidateSample))
	}
	if !o.StartAt.IsZero() && !o.StartAt.After(time.Now()) {
		errs = append(errs, fmt.Errorf("--start-at %s is in the past: nothing would be sent on schedule; give a time ahead of every shard's start, e.g. $(date -u -d '+1 min' +%%Y-%%m-%%dT%%H:%%M:%%SZ)", o.StartAt.UTC().Format(time.RFC3339)))
	}
	if o.OutDir == "" {
		errs = append(errs, errors.New("no --out directory"))
	}
	if t := o.TLS; (t != TLS{}) && !strings.HasPrefix(o.Target.BaseURL, "https://") {
		errs = append(errs, errors.New("--cacert, --insecure, --client-cert/--client-key and --http2 apply to an https:// --target"))
	}
	if o.Target.BaseURL != "" {
		if err := o.Target.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// attackName is the name results carry: the scenario, plus the shard.
func (o *Options) attackName() string {
	if o.Shard.Count > 1 {
		return fmt.Sprintf("%s-shard-%d-of-%d", o.Scenario, o.Shard.Index, o.Shard.Count)
	}
	return o.Scenario
}

// settings records how the run was configured; never a credential.
func (o *Options) settings() map[string]string {
	s := map[string]string{
		"pacing":        o.Pacing.String(),
		"duration":      o.Duration.String(),
		"payload_bytes": strconv.Itoa(len(o.Body)),
		"timeout":       o.Timeout.String(),
		"late_after":    o.lateBudget(o.Pacing).String(),
		"auth":          o.Target.Credentials().Kind(),
	}
	if o.LogType != "" {
		s["log_type"] = o.LogType
	}
	if o.Workers > 0 {
		s["workers"] = strconv.Itoa(o.Workers)
	}
	if o.MaxWorkers > 0 {
		s["max_workers"] = strconv.Itoa(o.MaxWorkers)
	}
	if o.Connections > 0 {
		s["connections"] = strconv.Itoa(o.Connections)
	}
	if o.Procs > 0 {
		s["procs"] = strconv.Itoa(o.Procs)
	}
	if o.Shard.Count > 1 {
		s["shard"] = o.Shard.String()
	}
	if !o.StartAt.IsZero() {
		s["start_at"] = o.StartAt.UTC().Format(time.RFC3339Nano)
	}
	if o.GoTimers {
		s["pacer_timers"] = "go"
	}
	if o.TLS.Insecure {
		s["tls"] = "certificate not verified (--insecure)"
	}
	if o.defaultThreshold {
		s["default_threshold"] = DefaultThreshold + " (no threshold given)"
	}
	if o.MaxRequests > 0 {
		s["max_requests"] = strconv.FormatUint(o.MaxRequests, 10)
	}
	if o.ValidateSample > 0 {
		s["validate_sample"] = strconv.FormatFloat(o.ValidateSample*100, 'g', -1, 64) + "%"
	}
	return s
}

// lateBudget is the lateness budget an attack at pacing judges by:
// --late-after, or LateBudget at the whole run's peak rate (shards
// interleave, so a shard's request may be late by one whole-run interval).
func (o *Options) lateBudget(pacing Pacing) time.Duration {
	if o.LateAfter > 0 {
		return o.LateAfter
	}
	return LateBudget(pacing.PeakRPS(o.Duration))
}

// AutoProcs sizes Procs for a run against a target outside this process:
// from the peak rate of this shard, the highest rate find-max may try, and,
// for fan-out, the deliveries the in-process extension sinks receive.
func (o *Options) AutoProcs(cpus int) int {
	peak := o.Pacing.PeakRPS(o.Duration) / float64(max(1, o.Shard.Count))
	if o.FindMax != nil {
		return cpus // the rate it ends at is not known in advance
	}
	if o.Scenario == ScenarioFanout && len(o.Fanout) > 0 {
		peak *= float64(1 + slices.Max(o.Fanout))
	}
	return GeneratorProcs(peak, cpus)
}
