package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fgharness/fgharness/internal/emulator"
)

func newEmulatorCmd() *cobra.Command {
	d := emulator.DefaultConfig()
	var (
		listen, faultsFile, user, password, logLevel string
		drain                                        time.Duration
		allowRemote                                  bool
	)
	cfg := d
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Run the built-in in-memory FunctionGraph endpoint",
		Long: `Runs an in-memory FunctionGraph endpoint on a loopback address: functions,
versions, aliases, workflows, dependencies and triggers live in memory,
invocations run built-in handlers (see internal/emulator/HANDLERS.md), tokens
and AK/SK signatures are checked, and every invocation is fanned out to the
function's extensions. Stop it with Ctrl-C: in-flight invocations drain first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			host, _, err := net.SplitHostPort(listen)
			if err != nil {
				return withExitCode(exitUsage, fmt.Errorf("--listen %q is not host:port: %w", listen, err))
			}
			if user != "" {
				cfg.Users = map[string]string{user: password}
			}
			if err := checkListen(host, allowRemote, cfg); err != nil {
				return withExitCode(exitUsage, err)
			}
			if faultsFile != "" {
				f, err := emulator.LoadFaults(faultsFile)
				if err != nil {
					return withExitCode(exitUsage, err)
				}
				cfg.Faults = f
			}
			if cfg.Logger, err = stderrLogger(cmd, logLevel); err != nil {
				return err
			}
			return runEmulator(cmd, cfg, listen, drain)
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8000", "host:port to listen on, loopback unless --allow-remote (port 0 picks one)")
	f.BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --listen address (then --token, --sk, --password and --admin-token must not be the dev defaults)")
	f.StringVar(&cfg.ProjectID, "project-id", d.ProjectID, "project ID the emulated paths accept")
	f.StringVar(&cfg.Region, "region", d.Region, "region written in URNs and tokens")
	f.StringVar(&cfg.Token, "token", d.Token, "static X-Auth-Token accepted (dev default)")
	f.StringVar(&cfg.AK, "ak", d.AK, "access key accepted in AK/SK signatures (dev default)")
	f.StringVar(&cfg.SK, "sk", d.SK, "secret key of --ak (dev default)")
	f.StringVar(&user, "user", emulator.DefaultUser, "IAM user that may get a token from POST /v3/auth/tokens")
	f.StringVar(&password, "password", emulator.DefaultPassword, "password of --user (dev default)")
	f.StringVar(&cfg.AdminToken, "admin-token", d.AdminToken, "token (header X-Fgh-Admin-Token) that may change faults at run time; empty: only --faults (dev default)")
	f.StringVar(&faultsFile, "faults", "", "YAML or JSON file of faults to inject from the start (see GET/PUT /_fgh/v1/faults)")
	f.DurationVar(&cfg.ColdStart, "cold-start", 0, "delay added to the first invocation of an idle instance")
	f.Float64Var(&cfg.TimerSpeedup, "timer-speedup", 1, "run TIMER triggers on a clock this many times faster (600: a 1m rate fires every 100ms)")
	f.DurationVar(&drain, "drain-timeout", 30*time.Second, "how long to wait for in-flight invocations on shutdown")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

// checkListen keeps the emulator on this machine unless --allow-remote says
// otherwise, and even then refuses to publish the public dev credentials.
func checkListen(host string, allowRemote bool, cfg emulator.Config) error {
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	if !allowRemote {
		return fmt.Errorf("--listen host %q is not a loopback address; the emulator serves only this machine unless you pass --allow-remote", host)
	}
	var dev []string
	if cfg.Token == emulator.DefaultToken {
		dev = append(dev, "--token")
	}
	if cfg.SK == emulator.DefaultSK {
		dev = append(dev, "--sk")
	}
	for _, pw := range cfg.Users { // the dev password is public under any user name
		if pw == emulator.DefaultPassword {
			dev = append(dev, "--password")
			break
		}
	}
	if cfg.AdminToken == emulator.DefaultAdmin {
		dev = append(dev, "--admin-token")
	}
	if len(dev) > 0 {
		return fmt.Errorf("--allow-remote with the public dev credentials of %s: set your own (or FGH_* variables) before serving other machines", strings.Join(dev, ", "))
	}
	return nil
}

func runEmulator(cmd *cobra.Command, cfg emulator.Config, listen string, drain time.Duration) error {
	em, err := emulator.New(cfg)
	if err != nil {
		return withExitCode(exitUsage, err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return withExitCode(exitUsage, fmt.Errorf("listen on %s: %w", listen, err))
	}
	cfg.Logger.Info("fgh emulator configuration", cfg.Redacted()...)
	if cfg.Token == emulator.DefaultToken || cfg.SK == emulator.DefaultSK {
		cfg.Logger.Info("public dev credentials in force: fgh emulator --help shows them; set --token/--ak/--sk (or FGH_*) for your own")
	}
	fmt.Fprintf(cmd.OutOrStdout(), "fgh emulator listening on http://%s\n", ln.Addr())

	ctx, stop := untilSignal(cmd.Context())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- em.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("emulator stopped: %w", err)
	case <-ctx.Done():
	}
	cfg.Logger.Info("shutting down: draining in-flight invocations", "timeout", drain)
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err = em.Shutdown(sctx)
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
