package extapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/httpguard/httpguardtest"
)

// TestHostileClients: an Extension API endpoint answers a malformed
// request, a body announced over its cap and a body that trickles past the
// body timeout with the documented Error body, and registers nothing.
func TestHostileClients(t *testing.T) {
	h := newTestHub(t, HubConfig{HeaderTimeout: time.Second, BodyTimeout: 300 * time.Millisecond})
	api := mustEndpoint(t, h, "fn", FunctionInfo{Name: "fn"})
	register := func(contentLength int) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\n%s: a.sh\r\n%s: 127.0.0.1:8081\r\nContent-Length: %d\r\n\r\n",
			fgs.ExtensionRegisterPath, fgs.HeaderExtensionName, fgs.HeaderExtensionAddress, contentLength)
	}
	cases := []struct {
		name    string
		request string
		trickle bool // then send the body a byte every 100 ms
		status  int
		code    string
	}{
		{"malformed request line", "NOT HTTP AT ALL\r\n\r\n", false, 400, CodeInvalidParameter},
		{"bad Content-Length", "POST /extension/register HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", false, 400, CodeInvalidParameter},
		{"64 MB announced", register(64 << 20), false, 413, CodeTooLarge},
		{"body trickles", register(100), true, 408, CodeTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := httpguardtest.Dial(t, api)
			c.Send(tc.request)
			if tc.trickle {
				defer c.Trickle(100 * time.Millisecond)()
			}
			status, ct, body, err := c.Answer(10 * time.Second)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			httpguardtest.ErrorBody(t, tc.name, status, tc.status, ct, body, tc.code)
			if regs := h.Extensions("fn"); len(regs) != 0 {
				t.Errorf("registered %v", regs)
			}
		})
	}
}
