// Package launch starts the built-in emulator for runs that name no target and hands the contract framework and the load runner its target, never its handler; only cmd/fgh, the demo and tests import it.
package launch

import (
	"context"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/suites/framework"
)

// extensionDeliveryTimeout keeps a contract run's extension specs quick
// when an extension server is slow on purpose.
const extensionDeliveryTimeout = 2 * time.Second

// Contract is the framework.Launcher of contract runs: an emulator with
// the run's project, region and credentials where given (its dev defaults
// otherwise) and the run's extension port range.
func Contract(ctx context.Context, req framework.LaunchRequest) (*framework.Launched, error) {
	cfg := emulator.DefaultConfig()
	want := req.Target
	if want.ProjectID != "" {
		cfg.ProjectID = want.ProjectID
	}
	if want.Region != "" {
		cfg.Region = want.Region
	}
	if want.Token != "" {
		cfg.Token = want.Token
	}
	if want.AK != "" {
		cfg.AK, cfg.SK = want.AK, want.SK
	}
	cfg.ExtensionPortMin, cfg.ExtensionPortMax = req.ExtensionPortMin, req.ExtensionPortMax
	cfg.ExtensionDeliveryTimeout = extensionDeliveryTimeout
	l, err := emulator.StartTarget(ctx, cfg, req.Wrap)
	if err != nil {
		return nil, err
	}
	t := l.Target()
	if want.Token == "" && want.AK != "" { // the run asked to sign, so it signs
		t.Token, t.AK, t.SK = "", l.Config.AK, l.Config.SK
	}
	user, password := l.IAMUser()
	return &framework.Launched{Target: t, AdminToken: l.Config.Token, IAMUser: user, IAMPassword: password, Close: l.Close}, nil
}

// Load is the load.Launcher of `fgh load` without --target: an emulator
// with its dev defaults.
func Load(ctx context.Context) (client.Target, func(context.Context) error, error) {
	l, err := emulator.StartTarget(ctx, emulator.DefaultConfig(), nil)
	if err != nil {
		return client.Target{}, nil, err
	}
	return l.Target(), l.Close, nil
}
