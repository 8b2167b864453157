package proxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/emulator"
	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/httpguard/httpguardtest"
)

// TestHostileClients: an oversize body, a trickled body, trickled headers
// and a flood past the in-flight cap are cut off by the proxy and never
// reach the upstream.
func TestHostileClients(t *testing.T) {
	cfg := emulator.DefaultConfig()
	em := startEmulator(t, cfg, "")
	px := startProxy(t, Options{Upstream: em.URL, OutDir: t.TempDir(),
		HeaderTimeout: 300 * time.Millisecond, BodyTimeout: 500 * time.Millisecond, MaxInFlight: 1})
	host := strings.TrimPrefix(px.URL, "http://")
	path := "/v2/" + cfg.ProjectID + "/fgs/workflows" // createWorkflow: a plain body
	limit := int64(fgs.MaxPlainRequestBytes + bodySlack)

	t.Run("declared oversize body", func(t *testing.T) {
		status := rawStatus(t, host, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n{", path, host, limit+1), 0)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", status)
		}
	})
	t.Run("streamed oversize body", func(t *testing.T) {
		resp, err := http.Post(px.URL+path, "application/json", io.LimitReader(zeros{}, limit+1))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get(RefusedHeader) == "" {
			t.Errorf("status %d (%s: %q), want the proxy's 413", resp.StatusCode, RefusedHeader, resp.Header.Get(RefusedHeader))
		}
	})
	t.Run("trickled body", func(t *testing.T) {
		status := rawStatus(t, host, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 100\r\n\r\n{", path, host), 5*time.Second)
		if status != http.StatusRequestTimeout && status != -1 {
			t.Errorf("status %d, want 408 or a closed connection", status)
		}
	})
	t.Run("trickled headers", func(t *testing.T) {
		if status := rawStatus(t, host, "GET "+path+" HTTP/1.1\r\nHost: x\r\n", 5*time.Second); status != -1 && status != http.StatusRequestTimeout {
			t.Errorf("status %d, want a closed connection", status)
		}
	})
	t.Run("past the in-flight cap", func(t *testing.T) {
		httpguardtest.Dial(t, host).Send(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 100\r\n\r\n{", path, host))
		time.Sleep(100 * time.Millisecond) // the holder's headers are in, its body is not
		resp, err := http.Get(px.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("status %d, want 503 with Retry-After", resp.StatusCode)
		}
	})
	if n := em.requests(); n != 0 {
		t.Errorf("%d hostile requests reached the upstream", n)
	}
	res := px.stop(t)
	if res.Summary.Refused < 4 || res.Summary.Failed() {
		t.Errorf("refused %d, failed %v: want the refusals counted and no verdict against the upstream", res.Summary.Refused, res.Summary.Failed())
	}
}

// rawStatus writes raw on a new connection and reads the answer's status
// (-1: the proxy closed the connection without one). A wait of 0 reads at
// once; otherwise the client stays silent and the proxy must act within wait.
func rawStatus(t *testing.T, host, raw string, wait time.Duration) int {
	t.Helper()
	conn := httpguardtest.Dial(t, host)
	conn.Send(raw)
	if wait == 0 {
		wait = 5 * time.Second
	}
	status, _, _, err := conn.Answer(wait)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the proxy kept the connection open past %s", wait)
		}
		return -1
	}
	return status
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestConnectionCap: clients that open connections and trickle their
// headers cannot lock out a real client: at the cap the oldest quiet
// connection makes room.
func TestConnectionCap(t *testing.T) {
	cfg := emulator.DefaultConfig()
	em := startEmulator(t, cfg, "")
	px := startProxy(t, Options{Upstream: em.URL, OutDir: t.TempDir(), MaxConns: 2})
	host := strings.TrimPrefix(px.URL, "http://")
	var tricklers []*httpguardtest.Conn
	for range 4 {
		c := httpguardtest.Dial(t, host)
		c.Send(fmt.Sprintf("GET /v2/%s/fgs/functions HTTP/1.1\r\nHost: %s\r\n", cfg.ProjectID, host))
		tricklers = append(tricklers, c)
		time.Sleep(20 * time.Millisecond) // in order, so the first is the oldest
	}
	if status := getWithToken(t, px.URL+"/v2/"+cfg.ProjectID+"/fgs/functions", cfg.Token); status != http.StatusOK {
		t.Errorf("status %d behind 4 trickling connections, want 200", status)
	}
	_ = tricklers[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	var ne net.Error
	if _, err := tricklers[0].Read(make([]byte, 1)); err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Errorf("the oldest trickling connection is still open (%v): no cap in force", err)
	}
}
