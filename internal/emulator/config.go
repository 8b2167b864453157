package emulator

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/httpguard"
)

// Config is everything an emulator instance needs. Zero fields take the
// DefaultConfig values in New, except the credentials: an empty Token, AK or
// Users simply turns that way of signing in off.
type Config struct {
	ProjectID string // the only project_id the paths may carry (32 hex digits by convention)
	Region    string // region in URNs and in IAM tokens, e.g. cn-north-4
	DomainID  string // account ID reported in function configs

	Token string            // static X-Auth-Token accepted as is
	AK    string            // access key accepted in SDK-HMAC-SHA256 signatures
	SK    string            // its secret key
	Users map[string]string // IAM user name → password, for POST /v3/auth/tokens
	// AdminToken (header X-Fgh-Admin-Token) is the only credential that may
	// change faults at run time; empty turns run-time changes off.
	AdminToken string

	// ExtensionHost and the port range are the addresses extensions may
	// register (documented: 127.0.0.1:8081–8090); MaxExtensions per function.
	ExtensionHost    string
	ExtensionPortMin int
	ExtensionPortMax int
	MaxExtensions    int
	// ExtensionDeliveryTimeout bounds each /extension/invoke POST.
	ExtensionDeliveryTimeout time.Duration

	Faults Faults // faults in force from the start (docs/faults.md)

	// ColdStart is added to an invocation that finds no warm instance: the
	// first call of a function, or one after IdleTimeout without calls.
	ColdStart   time.Duration
	IdleTimeout time.Duration

	// TimerSpeedup makes TIMER triggers run on a clock this many times
	// faster than the real one, so a "1m" rate fires every 100 ms at 600.
	// For tests and demos; 0 means 1 (real time).
	TimerSpeedup float64

	MaxSkew          time.Duration // allowed X-Sdk-Date skew (15 minutes)
	TokenTTL         time.Duration // lifetime of IAM-issued tokens (24 hours)
	MaxInvokeBody    int64         // sync/async invocation body limit (6 MB)
	MaxCodeBody      int64         // limit for bodies that carry a code or dependency package
	MaxBody          int64         // limit for every other request body
	AsyncConcurrency int           // async invocations running at once
	AsyncQueue       int           // async invocations accepted but not finished, at most

	// Connection limits keep hostile or broken clients from exhausting the
	// emulator (docs/emulator-limits.md).
	MaxConns        int           // open connections at most (2048)
	HeaderTimeout   time.Duration // a request's headers must arrive within this (10s)
	BodyTimeout     time.Duration // a request's body must arrive within this once its headers have (30s)
	ConnIdleTimeout time.Duration // a keep-alive connection with no request is closed after this (60s)

	Logger *slog.Logger // nil: discard
}

// Dev defaults. They are public on purpose: they are the credentials of a
// local emulator, never of a real account.
const (
	DefaultProjectID = "f9a0c3e1d2b84e6fa5c7d9e0b1a2c3d4"
	DefaultRegion    = "cn-north-4"
	DefaultToken     = "fgh-dev-token"
	DefaultAK        = "FGHDEVAK0000000000000"
	DefaultSK        = "fgh-dev-secret-key-0000000000000000000000"
	DefaultUser      = "fgh-dev"
	DefaultPassword  = "fgh-dev-password"
	DefaultAdmin     = "fgh-dev-admin-token"
)

// maxTimerSpeedup keeps a sped-up timer from turning into a load generator:
// a "1m" rate still fires no more often than every 6 ms.
const maxTimerSpeedup = 10000

// DefaultConfig is a ready-to-run local configuration with the dev credentials.
func DefaultConfig() Config {
	return Config{
		ProjectID:                DefaultProjectID,
		Region:                   DefaultRegion,
		DomainID:                 "d0a1b2c3e4f5061728394a5b6c7d8e9f",
		Token:                    DefaultToken,
		AK:                       DefaultAK,
		SK:                       DefaultSK,
		Users:                    map[string]string{DefaultUser: DefaultPassword},
		AdminToken:               DefaultAdmin,
		ExtensionHost:            "127.0.0.1",
		ExtensionPortMin:         fgs.ExtensionPortMin,
		ExtensionPortMax:         fgs.ExtensionPortMax,
		MaxExtensions:            fgs.MaxExtensions,
		ExtensionDeliveryTimeout: 5 * time.Second,
		IdleTimeout:              10 * time.Minute,
		MaxSkew:                  15 * time.Minute,
		TokenTTL:                 24 * time.Hour,
		MaxInvokeBody:            fgs.MaxSyncPayloadBytes,
		MaxCodeBody:              fgs.MaxCodeRequestBytes,
		MaxBody:                  fgs.MaxPlainRequestBytes,
		AsyncConcurrency:         32,
		AsyncQueue:               4096,
		MaxConns:                 2048,
		HeaderTimeout:            httpguard.DefaultHeaderTimeout,
		BodyTimeout:              httpguard.DefaultBodyTimeout,
		ConnIdleTimeout:          httpguard.DefaultIdleTimeout,
	}
}

// withDefaults fills unset tunables from DefaultConfig; credentials are left
// as given.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	orDefault(&c.ProjectID, d.ProjectID)
	orDefault(&c.Region, d.Region)
	orDefault(&c.DomainID, d.DomainID)
	orDefault(&c.ExtensionHost, d.ExtensionHost)
	if c.ExtensionPortMin == 0 && c.ExtensionPortMax == 0 {
		c.ExtensionPortMin, c.ExtensionPortMax = d.ExtensionPortMin, d.ExtensionPortMax
	}
	orDefault(&c.MaxExtensions, d.MaxExtensions)
	orDefault(&c.ExtensionDeliveryTimeout, d.ExtensionDeliveryTimeout)
	orDefault(&c.IdleTimeout, d.IdleTimeout)
	orDefault(&c.MaxSkew, d.MaxSkew)
	orDefault(&c.TokenTTL, d.TokenTTL)
	orDefault(&c.MaxInvokeBody, d.MaxInvokeBody)
	orDefault(&c.MaxCodeBody, d.MaxCodeBody)
	orDefault(&c.MaxBody, d.MaxBody)
	orDefault(&c.AsyncConcurrency, d.AsyncConcurrency)
	orDefault(&c.AsyncQueue, d.AsyncQueue)
	orDefault(&c.MaxConns, d.MaxConns)
	orDefault(&c.HeaderTimeout, d.HeaderTimeout)
	orDefault(&c.BodyTimeout, d.BodyTimeout)
	orDefault(&c.ConnIdleTimeout, d.ConnIdleTimeout)
	if c.TimerSpeedup == 0 {
		c.TimerSpeedup = 1
	}
	return c
}

// orDefault replaces an unset value (empty, zero or negative) with d.
func orDefault[T cmp.Ordered](v *T, d T) {
	var zero T
	if *v <= zero {
		*v = d
	}
}

func (c Config) validate() error {
	if c.Token == "" && (c.AK == "" || c.SK == "") && len(c.Users) == 0 {
		return fmt.Errorf("no credentials configured: set a token, an AK/SK pair or IAM users, or nobody can call the emulator")
	}
	if (c.AK == "") != (c.SK == "") {
		return fmt.Errorf("AK/SK needs both an access key and a secret key")
	}
	if c.TimerSpeedup < 1 || c.TimerSpeedup > maxTimerSpeedup {
		return fmt.Errorf("timer speedup %v is outside 1–%d", c.TimerSpeedup, maxTimerSpeedup)
	}
	if ip := net.ParseIP(c.ExtensionHost); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("extension host %q is not a loopback address", c.ExtensionHost)
	}
	return c.Faults.validate()
}

// Redacted describes the configuration for a start-up banner. Credentials
// show as "not set", "set" or "set (dev default)", never as their values, so
// a user can tell the public dev credentials from their own.
func (c Config) Redacted() []any {
	set := func(s, dev string) string {
		switch s {
		case "":
			return "not set"
		case dev:
			return "set (dev default)"
		}
		return "set"
	}
	return []any{
		"project_id", c.ProjectID, "region", c.Region,
		"token", set(c.Token, DefaultToken), "admin_token", set(c.AdminToken, DefaultAdmin), "ak", set(c.AK, DefaultAK), "sk", set(c.SK, DefaultSK), "iam_users", len(c.Users),
		"cold_start", c.ColdStart, "timer_speedup", c.TimerSpeedup, "faults", c.Faults.Active(),
	}
}
