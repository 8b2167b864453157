package proxy

import (
	"errors"
	"strings"
	"testing"
)

func TestNewRefusesUnsafeOptions(t *testing.T) {
	up := "http://127.0.0.1:8000"
	cases := []struct {
		name string
		opts Options
		want string // in the error; "" means accepted
	}{
		{"loopback", Options{Upstream: up, Listen: "127.0.0.1:0"}, ""},
		{"localhost", Options{Upstream: up, Listen: "localhost:9000"}, ""},
		{"ipv6 loopback", Options{Upstream: up, Listen: "[::1]:0"}, ""},
		{"all interfaces", Options{Upstream: up, Listen: "0.0.0.0:9000"}, "--allow-remote"},
		{"empty host", Options{Upstream: up, Listen: ":9000"}, "not a loopback"},
		{"remote allowed", Options{Upstream: up, Listen: "0.0.0.0:9000", AllowRemote: true}, ""},
		{"remote and re-signing", Options{Upstream: up, Listen: "0.0.0.0:9000", AllowRemote: true, AK: "AK", SK: "SK"}, "act with your credentials"},
		{"ak without sk", Options{Upstream: up, AK: "AK"}, "--ak and --sk go together"},
		{"no upstream", Options{}, "--upstream is required"},
		{"upstream with path", Options{Upstream: up + "/v2"}, "path or query"},
		{"upstream with user", Options{Upstream: "http://u:p@127.0.0.1:8000"}, "must not carry credentials"},
		{"upstream ftp", Options{Upstream: "ftp://127.0.0.1"}, "http or https"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.opts)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrUsage)):
				t.Errorf("err = %v, want a usage error mentioning %q", err, c.want)
			}
		})
	}
}
