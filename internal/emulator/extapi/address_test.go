package extapi

import (
	"strconv"
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/fgs"
)

var documentedRule = addressRule{host: "127.0.0.1", portMin: fgs.ExtensionPortMin, portMax: fgs.ExtensionPortMax}

func TestAddressRule(t *testing.T) {
	tests := []struct {
		addr    string
		port    int    // 0: refused
		errPart string // what the refusal must mention
	}{
		{"127.0.0.1:8081", 8081, ""},
		{"127.0.0.1:8085", 8085, ""},
		{"127.0.0.1:8090", 8090, ""},
		{"127.0.0.1:8080", 0, "outside 8081-8090"},
		{"127.0.0.1:8091", 0, "outside 8081-8090"},
		{"127.0.0.1:0", 0, "outside"},
		{"localhost:8081", 0, `host "localhost"`},
		{"127.0.0.2:8081", 0, `host "127.0.0.2"`},
		{"0.0.0.0:8081", 0, `host "0.0.0.0"`},
		{":8081", 0, `host ""`},
		{"127.0.0.1", 0, "missing port"},
		{"127.0.0.1:", 0, "decimal"},
		{"127.0.0.1:+8081", 0, "decimal"},
		{"127.0.0.1:-8081", 0, "decimal"},
		{"127.0.0.1:08081", 0, "leading zero"},
		{"127.0.0.1:8081 ", 0, "decimal"},
		{"127.0.0.1:0x1f91", 0, "decimal"},
		{"127.0.0.1:99999999999999999999999", 0, "out of range"},
		{"[127.0.0.1]:8081", 0, "plain host:port"},
		{"[::1]:8081", 0, `host "::1"`},
		{"127.0.0.1:8081:8082", 0, "too many colons"},
		{"http://127.0.0.1:8081", 0, "too many colons"},
		{"", 0, "missing port"},
	}
	for _, tc := range tests {
		port, err := documentedRule.port(tc.addr)
		if tc.port != 0 {
			if err != nil || port != tc.port {
				t.Errorf("port(%q) = %d, %v; want %d", tc.addr, port, err, tc.port)
			}
			continue
		}
		if err == nil {
			t.Errorf("port(%q) = %d, want a refusal", tc.addr, port)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.errPart) || !strings.Contains(msg, "127.0.0.1:<port> with port in 8081-8090") {
			t.Errorf("port(%q) error %q should mention %q and the accepted form", tc.addr, msg, tc.errPart)
		}
	}
}

func FuzzAddressRule(f *testing.F) {
	for _, seed := range []string{
		"127.0.0.1:8081", "127.0.0.1:8090", "127.0.0.1:8091", "localhost:8081", ":8081",
		"127.0.0.1", "[::1]:8081", "[127.0.0.1]:8081", "127.0.0.1:08081", "127.0.0.1:+1", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		port, err := documentedRule.port(addr)
		if err != nil {
			if port != 0 {
				t.Fatalf("port(%q) refused with %v but returned port %d", addr, err, port)
			}
			return
		}
		// Whatever is accepted is in range and spelled exactly one way.
		if port < documentedRule.portMin || port > documentedRule.portMax {
			t.Fatalf("port(%q) accepted port %d outside the range", addr, port)
		}
		if want := "127.0.0.1:" + strconv.Itoa(port); addr != want {
			t.Fatalf("port(%q) accepted a non-canonical spelling of %s", addr, want)
		}
	})
}
