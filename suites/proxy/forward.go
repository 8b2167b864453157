package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// hopHeaders belong to one connection and are never forwarded (RFC 9110 §7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func stripHopHeaders(h http.Header) {
	for _, field := range h.Values("Connection") {
		for _, name := range strings.Split(field, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
}

// credentialHeaders are what a client authenticates with; a re-signing
// proxy drops them so the upstream sees one credential, its own.
var credentialHeaders = []string{"Authorization", "X-Sdk-Date", "X-Auth-Token", "X-Security-Token"}

// outgoing is r addressed to the upstream with the same method, path (as
// the client encoded it), query, headers and body. A signed request keeps
// the client's Host, which its signature covers; a request with a token
// takes the upstream's, which a virtual-hosted endpoint needs; with
// re-signing the proxy signs for the upstream's Host.
func (p *Proxy) outgoing(ctx context.Context, r *http.Request, body []byte) (*http.Request, error) {
	u := *p.upstream
	u.Path, u.RawPath, u.RawQuery = r.URL.Path, r.URL.RawPath, r.URL.RawQuery
	out, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	stripHopHeaders(out.Header)
	if !signedHeader(out.Header.Get("Authorization"), "accept-encoding") {
		// Go's transport then asks for gzip itself and hands back the
		// plain body, which is what gets validated.
		out.Header.Del("Accept-Encoding")
	}
	switch {
	case p.resign != nil:
		for _, k := range credentialHeaders {
			out.Header.Del(k)
		}
		out.Header.Set("Host", p.upstream.Host)
		if err := p.resign.Apply(out, body, time.Now()); err != nil {
			return nil, err
		}
	case out.Header.Get("Authorization") != "":
		out.Host = r.Host
	}
	return out, nil
}

// signedHeader tells whether an SDK-HMAC-SHA256 Authorization value lists name among its SignedHeaders.
func signedHeader(authorization, name string) bool {
	_, rest, ok := strings.Cut(authorization, "SignedHeaders=")
	if !ok {
		return false
	}
	list, _, _ := strings.Cut(rest, ",")
	for _, h := range strings.Split(list, ";") {
		if strings.EqualFold(strings.TrimSpace(h), name) {
			return true
		}
	}
	return false
}

// writeResponse hands the upstream's answer to the client as it came,
// minus the connection's own headers; the body is whole, so its length is known.
func writeResponse(w http.ResponseWriter, resp *http.Response, body []byte) {
	h := w.Header()
	for k, vs := range resp.Header {
		h[k] = append([]string(nil), vs...)
	}
	stripHopHeaders(h)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// RefusedHeader marks an answer the proxy gave itself, never the upstream.
const RefusedHeader = "X-Fgh-Proxy"

// refuse answers the client in FunctionGraph's error format with an
// FGH.0<status> code, so SDKs decode it, and marks it as the proxy's own.
func refuse(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(map[string]string{"error_code": "FGH.0" + strconv.Itoa(status), "error_msg": "fgh proxy: " + msg})
	w.Header().Set(RefusedHeader, "refused")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
