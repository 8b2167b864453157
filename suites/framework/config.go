package framework

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/fgs"
)

// DefaultExtensionBasePort is the first of the ten ports the Extension API
// documents (127.0.0.1:8081–127.0.0.1:8090).
const DefaultExtensionBasePort = fgs.ExtensionPortMin

// DefaultRequestTimeout bounds one API call: long enough for any documented
// operation on a healthy endpoint, short enough that a silent one ends the
// run in seconds rather than minutes.
const DefaultRequestTimeout = 10 * time.Second

// Config is what a contract run needs to know; the CLI fills it from flags,
// `go test` and `ginkgo` from FGH_* environment variables (ConfigFromEnv).
type Config struct {
	// Target is the endpoint under test. An empty BaseURL starts the
	// built-in emulator in-process on a random loopback port.
	Target client.Target
	// OutDir receives junit.xml, ginkgo.json, conformance.json and
	// conformance.md; empty writes no files.
	OutDir string
	// HAR, when set, is the file every exchange of the run is written to
	// as a HAR 1.2 log, credentials redacted.
	HAR string
	// Name labels the run in the conformance summary (a vendor or build name).
	Name string
	// ReadOnly skips every spec labelled destructive; specs that invoke use
	// FunctionURN instead of a function of their own.
	ReadOnly    bool
	FunctionURN string
	// ExtensionAPI is host:port of the target's Extension API. Against the
	// in-process emulator it is found per function through the admin API.
	ExtensionAPI string
	// ExtensionBasePort is the first of ten ports the extension servers the
	// suites start listen on. 0 means DefaultExtensionBasePort for a remote
	// target, and a free range for the in-process emulator.
	ExtensionBasePort int
	// RequestTimeout bounds each call that sets no timeout of its own;
	// 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// AcceptFile is a YAML file of known deviations (reports.ParseAcceptances):
	// failures it matches are reported as accepted and do not fail the run.
	AcceptFile string
	// Defect names a deliberate fault injected into the in-process emulator
	// (see Defects); only the suites' own tests set it.
	Defect string
	// Launch starts the endpoint when Target has no BaseURL (the built-in
	// emulator); without it such a run is a usage error.
	Launch Launcher
}

// envPrefix is shared with the CLI, where every flag binds FGH_<NAME>.
const envPrefix = "FGH_"

// ConfigFromEnv reads FGH_TARGET, FGH_PROJECT_ID, FGH_REGION, FGH_TOKEN,
// FGH_AK, FGH_SK, FGH_OUT, FGH_HAR, FGH_NAME, FGH_READ_ONLY, FGH_FUNCTION,
// FGH_EXTENSION_API, FGH_EXTENSION_BASE_PORT, FGH_ACCEPT and FGH_TEST_DEFECT.
func ConfigFromEnv() (Config, error) {
	get := func(name string) string { return strings.TrimSpace(os.Getenv(envPrefix + name)) }
	cfg := Config{
		Target: client.Target{
			BaseURL: get("TARGET"), ProjectID: get("PROJECT_ID"), Region: get("REGION"),
			Token: get("TOKEN"), AK: get("AK"), SK: get("SK"),
		},
		OutDir: get("OUT"), Name: get("NAME"), HAR: get("HAR"),
		FunctionURN: get("FUNCTION"), ExtensionAPI: get("EXTENSION_API"),
		Defect: get("TEST_DEFECT"), AcceptFile: get("ACCEPT"),
	}
	var errs []error
	if v := get("READ_ONLY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("FGH_READ_ONLY=%q is not a boolean", v))
		}
		cfg.ReadOnly = b
	}
	if v := get("EXTENSION_BASE_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("FGH_EXTENSION_BASE_PORT=%q is not a port number", v))
		}
		cfg.ExtensionBasePort = p
	}
	return cfg, errors.Join(errs...)
}

// Validate reports what a run cannot start without, in words a user can act on.
func (c Config) Validate() error {
	var errs []error
	if c.Target.BaseURL != "" {
		if err := c.Target.Validate(); err != nil {
			errs = append(errs, err)
		}
	} else if c.Target.ProjectID != "" || c.Target.Token != "" || c.Target.AK != "" {
		errs = append(errs, errors.New("credentials or a project ID were given without a target: pass --target (or FGH_TARGET), or drop them to run against the built-in emulator"))
	}
	if c.ExtensionBasePort != 0 && (c.ExtensionBasePort < 1 || c.ExtensionBasePort+fgs.MaxExtensions-1 > 65535) {
		errs = append(errs, fmt.Errorf("extension base port %d: the %d extension ports must lie within 1–65535", c.ExtensionBasePort, fgs.MaxExtensions))
	}
	if c.Defect != "" && c.Target.BaseURL != "" {
		errs = append(errs, errors.New("a test defect can only be injected into the in-process emulator: unset FGH_TARGET"))
	}
	if err := checkDefectName(c.Defect); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// secrets are the values no report, log line or file may contain.
func (c Config) secrets() []string {
	var out []string
	for _, s := range []string{c.Target.Token, c.Target.SK} {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	return out
}

// checkDefectName accepts "" and the name of a known defect.
func checkDefectName(name string) error {
	if _, ok := defectByName(name); name != "" && !ok {
		return fmt.Errorf("unknown test defect %q (known: %s)", name, strings.Join(DefectNames(), ", "))
	}
	return nil
}
