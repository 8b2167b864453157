package load

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fgharness/fgharness/internal/client"
)

// privateCA makes a CA and a certificate it signed for 127.0.0.1, and
// writes the CA's PEM to a file for --cacert.
func privateCA(t testing.TB) (caFile string, serverCert tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fgh test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// httpsServer answers invocations over TLS with cert; every closeEvery-th
// answer closes its connection (0: never), so the client reconnects and
// may resume its TLS session. It counts connections and resumed sessions.
func httpsServer(t testing.TB, cert tls.Certificate, closeEvery int64) (url string, conns, resumed, h2 *atomic.Int64) {
	conns, resumed, h2 = new(atomic.Int64), new(atomic.Int64), new(atomic.Int64)
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS.DidResume {
			resumed.Add(1)
		}
		if r.ProtoMajor == 2 {
			h2.Add(1)
		}
		if closeEvery > 0 && n.Add(1)%closeEvery == 0 {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"request_id":"r","result":"ok","status":200}`))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = nil
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, conns, resumed, h2
}

func httpsOptions(t *testing.T, url string, tlsOpts TLS) Options {
	return Options{Target: client.Target{BaseURL: url, ProjectID: "p", Token: "t"}, Function: "urn:fss:r:p:function:default:f:latest",
		Pacing: Pacing{Rate: perSecond(100)}, Duration: time.Second, Connections: 4, OutDir: t.TempDir(), TLS: tlsOpts}
}

func TestHTTPSWithAPrivateCA(t *testing.T) {
	caFile, cert := privateCA(t)
	url, conns, resumed, h2 := httpsServer(t, cert, 10)

	rep, err := Run(context.Background(), httpsOptions(t, url, TLS{}))
	if !errors.Is(err, ErrNoSuccess) || rep == nil || rep.Successes != 0 {
		t.Fatalf("without --cacert: err %v; want every request failed and ErrNoSuccess", err)
	}

	conns.Store(0)
	rep, err = Run(context.Background(), httpsOptions(t, url, TLS{CACert: caFile}))
	if err != nil {
		t.Fatalf("with --cacert: %v", err)
	}
	if rep.Successes != 100 || rep.Protocol != "HTTP/1.1 over TLS" || h2.Load() != 0 {
		t.Fatalf("successes %d, protocol %q, %d HTTP/2 requests; want 100 over HTTP/1.1 with TLS", rep.Successes, rep.Protocol, h2.Load())
	}
	c := rep.Connections
	if c == nil || c.Opened != conns.Load() || c.Opened > 40 || c.HandshakeMS.P50 <= 0 || c.ConnectMS.P50 <= 0 {
		t.Fatalf("connections %+v, the server saw %d; want them equal, reused (every 10th answer closes), with handshake times", c, conns.Load())
	}
	var perSecond int64
	for _, s := range rep.Series {
		perSecond += s.NewConnections
	}
	if perSecond != c.Opened {
		t.Errorf("per-second new connections add up to %d, want %d", perSecond, c.Opened)
	}
	if resumed.Load() == 0 {
		t.Errorf("no TLS session was resumed over %d connections", c.Opened)
	}

	rep, err = Run(context.Background(), httpsOptions(t, url, TLS{CACert: caFile, HTTP2: true}))
	if err != nil || h2.Load() == 0 || rep.Protocol == "HTTP/1.1 over TLS" {
		t.Fatalf("--http2: err %v, %d HTTP/2 requests, protocol %q", err, h2.Load(), rep.Protocol)
	}
}

// TestHTTP2ConnectionTimings checks that --http2 (net/http) times its
// connections like the fast path: few connections when the server keeps
// them, about one per request when it ends each with a GOAWAY — a handshake
// storm that shows in the totals and the per-second series. The storm sends
// 30 requests: a handshake each is slow under the race detector.
func TestHTTP2ConnectionTimings(t *testing.T) {
	caFile, cert := privateCA(t)
	for _, tc := range []struct {
		name       string
		closeEvery int64
		requests   int64
	}{{"kept", 0, 100}, {"storm", 1, 30}} {
		t.Run(tc.name, func(t *testing.T) {
			url, conns, _, h2 := httpsServer(t, cert, tc.closeEvery)
			o := httpsOptions(t, url, TLS{CACert: caFile, HTTP2: true})
			o.Pacing.Rate.Freq = int(tc.requests)
			rep, err := Run(context.Background(), o)
			if err != nil || rep.Successes != tc.requests || h2.Load() != tc.requests || rep.Protocol != "HTTP/2 over TLS (net/http)" {
				t.Fatalf("err %v, %d successes (errors %+v), %d HTTP/2 requests, protocol %q; want %d over HTTP/2",
					err, rep.Successes, rep.Errors, h2.Load(), rep.Protocol, tc.requests)
			}
			c := rep.Connections
			// Connections still opening when the last request was recorded are in no request's figures.
			if c == nil || c.Opened == 0 || c.Opened > conns.Load() || c.ConnectMS.P50 <= 0 || c.HandshakeMS.P50 <= 0 || c.TotalSeconds <= 0 {
				t.Fatalf("connections %+v, the server saw %d; want at most as many, with connect and handshake times", c, conns.Load())
			}
			switch {
			case tc.closeEvery == 0 && c.Opened > 4:
				t.Errorf("%d connections opened for %d requests on kept HTTP/2 connections, want at most --connections 4", c.Opened, tc.requests)
			case tc.closeEvery == 1 && c.Opened < tc.requests/2:
				// Requests already in flight on a connection finish after its GOAWAY, so not quite one each.
				t.Errorf("%d connections opened for %d requests while every answer closed its connection, want a storm (at least half as many)", c.Opened, tc.requests)
			}
			var perSecond int64
			var connectMS float64
			for _, s := range rep.Series {
				perSecond += s.NewConnections
				connectMS += s.ConnectMS
			}
			if perSecond != c.Opened || connectMS <= 0 {
				t.Errorf("per-second series: %d new connections taking %.3f ms, want %d and a time", perSecond, connectMS, c.Opened)
			}
		})
	}
}

// TestHTTP2ProtocolAsSpoken checks that report.json names the protocol the
// answers came over: a server that does not offer h2 gets HTTP/1.1 under --http2.
func TestHTTP2ProtocolAsSpoken(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"result":"ok"}`))
	}))
	t.Cleanup(srv.Close)
	rep, err := Run(context.Background(), httpsOptions(t, srv.URL, TLS{Insecure: true, HTTP2: true}))
	if err != nil || rep.Successes != 100 {
		t.Fatalf("err %v, %d successes", err, rep.Successes)
	}
	if want := "HTTP/1.1 over TLS (net/http: the server did not offer HTTP/2)"; rep.Protocol != want {
		t.Errorf("protocol %q, want %q", rep.Protocol, want)
	}
	if c := rep.Connections; c == nil || c.Opened == 0 || c.HandshakeMS.P50 <= 0 {
		t.Errorf("connections %+v, want the HTTP/1.1 connections timed", c)
	}
}
