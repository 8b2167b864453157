package emulator

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"

	"github.com/fgharness/fgharness/internal/client"
)

// StartTarget starts an emulator on a random loopback port for a harness
// run and returns it; the run talks to it only through l.Target(), as it
// would to any endpoint. wrap, when not nil, is put in front of the
// emulator's handler by whoever starts it (the contract suites' self-test
// defects); the emulator's own handler is never handed out.
func StartTarget(ctx context.Context, cfg Config, wrap func(http.Handler) http.Handler) (*Local, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if wrap != nil {
		e.handler = wrap(e.handler)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("emulator: listen on a loopback port: %w", err)
	}
	l := &Local{URL: "http://" + ln.Addr().String(), Config: e.cfg, Emulator: e, served: make(chan error, 1)}
	go func() { l.served <- e.Serve(ln) }()
	return l, nil
}

// Target is the endpoint and credentials a harness run uses: the token
// when the emulator accepts one, else its AK/SK pair.
func (l *Local) Target() client.Target {
	t := client.Target{BaseURL: l.URL, ProjectID: l.Config.ProjectID, Region: l.Config.Region}
	if l.Config.Token != "" {
		t.Token = l.Config.Token
	} else {
		t.AK, t.SK = l.Config.AK, l.Config.SK
	}
	return t
}

// IAMUser is a user name and password the IAM password-token operation
// accepts, or two empty strings when none is configured.
func (l *Local) IAMUser() (name, password string) {
	names := make([]string, 0, len(l.Config.Users))
	for n := range l.Config.Users {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "", ""
	}
	sort.Strings(names) // the same user every time
	return names[0], l.Config.Users[names[0]]
}
