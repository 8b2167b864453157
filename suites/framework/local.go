package framework

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/loopback"
)

// LocalEmulator is the built-in emulator running in this process on a
// random loopback port, optionally behind a defect (tests only).
type LocalEmulator struct {
	URL      string
	Target   client.Target
	Emulator *emulator.Emulator
	Defect   *Defect

	defectEnv  *defectEnv
	adminToken string
	srv        *http.Server
	served     chan error
}

// StartLocalEmulator serves a fresh emulator on 127.0.0.1 whose extension
// address range starts at extBase. Credentials and project given in cfg
// configure it; otherwise it uses its dev defaults.
func StartLocalEmulator(ctx context.Context, cfg Config, extBase int) (*LocalEmulator, error) {
	ec := emulator.DefaultConfig()
	if cfg.Target.ProjectID != "" {
		ec.ProjectID = cfg.Target.ProjectID
	}
	if cfg.Target.Region != "" {
		ec.Region = cfg.Target.Region
	}
	if cfg.Target.Token != "" {
		ec.Token = cfg.Target.Token
	}
	if cfg.Target.AK != "" {
		ec.AK, ec.SK = cfg.Target.AK, cfg.Target.SK
	}
	ec.ExtensionPortMin, ec.ExtensionPortMax = extBase, extBase+fgs.MaxExtensions-1
	ec.ExtensionDeliveryTimeout = 2 * time.Second
	emu, err := emulator.New(ec)
	if err != nil {
		return nil, fmt.Errorf("start the built-in emulator: %w", err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the built-in emulator: listen on a loopback port: %w", err)
	}
	l := &LocalEmulator{URL: "http://" + ln.Addr().String(), Emulator: emu, served: make(chan error, 1)}
	l.adminToken = ec.Token
	l.Target = client.Target{BaseURL: l.URL, ProjectID: ec.ProjectID, Region: ec.Region, Token: ec.Token}
	if cfg.Target.Token == "" && cfg.Target.AK != "" {
		l.Target.Token, l.Target.AK, l.Target.SK = "", ec.AK, ec.SK
	}
	handler := emu.Handler()
	if cfg.Defect != "" {
		d, _ := defectByName(cfg.Defect)
		l.Defect = &d
		l.defectEnv = &defectEnv{token: ec.Token}
		handler = d.wrap(handler, l.defectEnv)
	}
	l.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { l.served <- l.srv.Serve(ln) }()
	return l, nil
}

// Close stops the server and the emulator (extension endpoints included).
func (l *LocalEmulator) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := l.srv.Shutdown(ctx)
	if serr := <-l.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if l.defectEnv != nil {
		l.defectEnv.close()
	}
	return errors.Join(err, l.Emulator.Shutdown(ctx))
}

// FreePortRange finds n consecutive free loopback ports, for extension
// servers started outside the suites (fgh demo's fan-out sinks).
func FreePortRange(n int) (int, error) { return freePortRange(n) }

// freePortRange finds n consecutive free loopback ports below the ephemeral
// range. A port taken between this check and its use makes the extension
// specs fail with a clear bind error rather than hang.
func freePortRange(n int) (int, error) {
	base, err := loopback.FreeRange(n)
	if err != nil {
		return 0, fmt.Errorf("%w; pass --extension-base-port", err)
	}
	return base, nil
}
