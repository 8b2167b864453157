package load

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLS is how the generator trusts and authenticates to an https:// target.
// Connections are HTTP/1.1 on the generator's own client (the same measured
// path as plain HTTP), kept alive, with TLS session resumption when they are
// reopened; HTTP2 sends through net/http instead.
type TLS struct {
	CACert     string // PEM file of the CAs to trust instead of the system's
	Insecure   bool   // skip certificate verification (a test endpoint)
	ClientCert string // PEM certificate for mutual TLS, with ClientKey
	ClientKey  string
	HTTP2      bool // net/http, HTTP/2 when the server offers it
}

// Protocol names what a run at baseURL speaks, for report.json.
func (t TLS) Protocol(https bool) string {
	switch {
	case !https:
		return "HTTP/1.1"
	case t.HTTP2:
		return "HTTP/2 over TLS (net/http; HTTP/1.1 if the server does not offer h2)"
	}
	return "HTTP/1.1 over TLS"
}

// Config builds the client TLS configuration; sessions is the size of the session-resumption cache.
func (t TLS) Config(sessions int) (*tls.Config, error) {
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: t.Insecure,
		ClientSessionCache: tls.NewLRUClientSessionCache(max(sessions, 1)),
	}
	if t.CACert != "" {
		pem, err := os.ReadFile(t.CACert)
		if err != nil {
			return nil, fmt.Errorf("--cacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--cacert %s: no PEM certificate in it", t.CACert)
		}
		c.RootCAs = pool
	}
	if (t.ClientCert == "") != (t.ClientKey == "") {
		return nil, errors.New("--client-cert and --client-key go together")
	}
	if t.ClientCert != "" {
		pair, err := tls.LoadX509KeyPair(t.ClientCert, t.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("--client-cert/--client-key: %w", err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	if !t.HTTP2 {
		c.NextProtos = []string{"http/1.1"}
	}
	return c, nil
}
