// Package framework is the contract suites' one bootstrap: target and credentials, the spec, a validating HTTP client, run-scoped resource names and cleanup, labels, extension servers and the conformance summary.
package framework

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/evidence"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/reports"
	"github.com/fgharness/fgharness/spec"
)

// Framework is what every spec uses: one per process, set up before the
// suite runs (Setup) and shared by all specs.
type Framework struct {
	Config Config
	Spec   *spec.Spec
	// Target is the effective endpoint: the configured one, or the
	// in-process emulator's URL and credentials.
	Target client.Target
	// RunID names this run; every resource the suites create starts with Prefix.
	RunID  string
	Prefix string
	// HTTP sends API calls through the validating transport.
	HTTP      *http.Client
	Transport *ValidatingTransport
	// ExtensionBasePort is the first of the ten ports extension servers use.
	ExtensionBasePort int
	// Local is the in-process emulator, nil against a remote target.
	Local *LocalEmulator
	// Evidence records every exchange and failure of the run, redacted.
	Evidence *evidence.Recorder
	// Accept holds the known deviations of Config.AcceptFile; nil without one.
	Accept *reports.Acceptances

	client   *client.Client // every API call goes through it
	health   targetHealth
	intr     interrupts
	coverage *coverage
	seq      sync.Mutex
	next     int

	acceptance acceptance
}

// ErrUnreachable wraps a failure to reach the target before any spec ran.
var ErrUnreachable = errors.New("target unreachable")

var (
	currentMu sync.Mutex
	current   *Framework
)

// Current is the framework of this process; specs call it from their bodies.
// It panics before Setup, which only a wiring mistake can cause.
func Current() *Framework {
	currentMu.Lock()
	defer currentMu.Unlock()
	if current == nil {
		panic("framework: no contract run is set up (framework.Setup was not called before the specs ran)")
	}
	return current
}

func setCurrent(f *Framework) {
	currentMu.Lock()
	current = f
	currentMu.Unlock()
}

// Setup validates cfg, starts the in-process emulator when no target is
// given, checks that the target answers and makes the result Current.
// Errors are usage or connection errors (exit status 2 in the CLI).
func Setup(ctx context.Context, cfg Config) (*Framework, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sp, err := spec.Load()
	if err != nil {
		return nil, fmt.Errorf("load the embedded spec: %w", err)
	}
	f := &Framework{Config: cfg, Spec: sp, Target: cfg.Target, RunID: newRunID(), coverage: newCoverage()}
	if cfg.AcceptFile != "" {
		if f.Accept, err = LoadAcceptances(cfg.AcceptFile, sp); err != nil {
			return nil, err
		}
	}
	f.Prefix = "fgh-" + f.RunID + "-"
	f.ExtensionBasePort = cfg.ExtensionBasePort
	if cfg.Target.BaseURL == "" {
		if f.ExtensionBasePort == 0 {
			if f.ExtensionBasePort, err = freePortRange(fgs.MaxExtensions); err != nil {
				return nil, err
			}
		}
		f.Local, err = startLocal(ctx, cfg, f.ExtensionBasePort)
		if err != nil {
			return nil, err
		}
		f.Target = f.Local.Target
	} else if f.ExtensionBasePort == 0 {
		f.ExtensionBasePort = DefaultExtensionBasePort
	}
	f.Evidence = f.newRecorder()
	f.Transport = &ValidatingTransport{Spec: sp, Base: newBaseTransport(), Observe: f.coverage.observe, Evidence: f.Evidence}
	f.HTTP = &http.Client{Transport: f.Transport, CheckRedirect: refuseRedirect}
	if f.client, err = client.New(f.Target, client.WithHTTPClient(f.HTTP)); err != nil {
		_ = f.Close(context.Background())
		return nil, err
	}
	if err := f.preflight(ctx); err != nil {
		_ = f.Close(context.Background())
		return nil, err
	}
	setCurrent(f)
	return f, nil
}

// Close stops the in-process emulator, if any.
func (f *Framework) Close(ctx context.Context) error {
	if f.Local != nil {
		return f.Local.Close(ctx)
	}
	return nil
}

func newBaseTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	return t
}

// requestTimeout bounds one call that does not set its own.
func (f *Framework) requestTimeout() time.Duration {
	if f.Config.RequestTimeout > 0 {
		return f.Config.RequestTimeout
	}
	return DefaultRequestTimeout
}

// Name returns a fresh resource name of this run: fgh-<run id>-<kind>-<n>.
// FunctionGraph names allow letters, digits, _ and -, starting with a letter.
func (f *Framework) Name(kind string) string {
	f.seq.Lock()
	f.next++
	n := f.next
	f.seq.Unlock()
	return fmt.Sprintf("%s%s-%d", f.Prefix, kind, n)
}

// Owns tells whether a resource name belongs to this run.
func (f *Framework) Owns(name string) bool {
	return len(name) > len(f.Prefix) && name[:len(f.Prefix)] == f.Prefix
}

func newRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
