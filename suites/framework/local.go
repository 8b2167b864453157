package framework

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/loopback"
)

// Launcher starts an endpoint for a run that names no target. The built-in
// emulator is the one cmd/fgh and the suites' tests pass; this package
// does not import it, so the suites see only a target, as they would a
// cloud endpoint.
type Launcher func(ctx context.Context, req LaunchRequest) (*Launched, error)

// LaunchRequest is what the run asks of the endpoint it starts.
type LaunchRequest struct {
	// Target carries the project, region and credentials the endpoint
	// should accept; empty fields take the endpoint's own defaults.
	Target client.Target
	// ExtensionPortMin and ExtensionPortMax are the addresses extensions
	// may register at: the ports of the suites' extension servers.
	ExtensionPortMin, ExtensionPortMax int
	// Wrap, when not nil, goes in front of the endpoint's handler: the
	// deliberate defect of the suites' self-tests.
	Wrap func(http.Handler) http.Handler
}

// Launched is an endpoint a Launcher started.
type Launched struct {
	Target client.Target // where it listens and the credentials to use
	// AdminToken is accepted by the emulator's /_fgh/v1 admin API.
	AdminToken string
	// IAMUser and IAMPassword sign in through the IAM password-token call.
	IAMUser, IAMPassword string
	Close                func(context.Context) error
}

// LocalEmulator is the endpoint this run started in-process on a loopback
// port, optionally behind a defect (tests only).
type LocalEmulator struct {
	Launched
	URL    string
	Defect *Defect

	defectEnv *defectEnv
}

// startLocal launches an endpoint whose extension address range starts at
// extBase. Credentials and project given in cfg configure it.
func startLocal(ctx context.Context, cfg Config, extBase int) (*LocalEmulator, error) {
	if cfg.Launch == nil {
		return nil, errors.New("no target: pass --target (or FGH_TARGET)")
	}
	req := LaunchRequest{Target: cfg.Target, ExtensionPortMin: extBase, ExtensionPortMax: extBase + fgs.MaxExtensions - 1}
	l := &LocalEmulator{}
	if cfg.Defect != "" {
		d, _ := defectByName(cfg.Defect)
		l.Defect = &d
		l.defectEnv = &defectEnv{}
		req.Wrap = func(h http.Handler) http.Handler { return d.wrap(h, l.defectEnv) }
	}
	launched, err := cfg.Launch(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("start the built-in emulator: %w", err)
	}
	l.Launched, l.URL = *launched, launched.Target.BaseURL
	if l.defectEnv != nil {
		l.defectEnv.setToken(launched.AdminToken)
	}
	return l, nil
}

// Close stops the endpoint and whatever its defect started.
func (l *LocalEmulator) Close(ctx context.Context) error {
	err := l.Launched.Close(ctx)
	if l.defectEnv != nil {
		l.defectEnv.close()
	}
	return err
}

// freePortRange finds n consecutive free loopback ports below the ephemeral
// range. A port taken between this check and its use makes the extension
// specs fail with a clear bind error rather than hang.
func freePortRange(n int) (int, error) {
	base, err := loopback.FreeRange(n)
	if err != nil {
		return 0, fmt.Errorf("%w; pass --extension-port", err)
	}
	return base, nil
}

// StartLocal starts the built-in endpoint through cfg.Launch, behind
// cfg.Defect when one is named, outside a contract run: replay re-sends a
// failure to it. The project in cfg.Target configures the endpoint, as
// the credentials do; its extension addresses start at
// cfg.ExtensionBasePort, or at a free range when that is 0.
func StartLocal(ctx context.Context, cfg Config) (*LocalEmulator, error) {
	if err := checkDefectName(cfg.Defect); err != nil {
		return nil, err
	}
	base := cfg.ExtensionBasePort
	if base == 0 {
		var err error
		if base, err = freePortRange(fgs.MaxExtensions); err != nil {
			return nil, err
		}
	}
	return startLocal(ctx, cfg, base)
}
