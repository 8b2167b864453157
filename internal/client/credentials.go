package client

import (
	"net/http"
	"time"

	"github.com/fgharness/fgharness/internal/aksk"
)

// Credentials is how requests to one target authenticate. Every request
// path of fgharness (this client, the contract framework through it, the
// load hitter's request template) gets its credentials here, so they
// follow one precedence rule:
//
//   - a token is given: every request carries X-Auth-Token, and an AK/SK
//     pair given as well is not used;
//   - no token, an AK/SK pair: every request is signed (SDK-HMAC-SHA256),
//     with X-Project-Id among the signed headers;
//   - neither: requests go unauthenticated.
//
// The token wins because it is the narrower credential: a user who fetched
// one for this run means it, while an AK/SK pair often sits in the
// environment for other tools.
type Credentials struct {
	token     string
	projectID string
	signer    *aksk.Signer // nil unless AK/SK is the credential
}

// Credentials applies the precedence rule to t.
func (t Target) Credentials() Credentials {
	c := Credentials{projectID: t.ProjectID}
	switch {
	case t.Token != "":
		c.token = t.Token
	case t.AK != "" && t.SK != "":
		c.signer = aksk.NewSigner(t.AK, t.SK)
	}
	return c
}

// Kind names the credential in use: "token", "ak/sk" or "none".
func (c Credentials) Kind() string {
	switch {
	case c.token != "":
		return "token"
	case c.signer != nil:
		return "ak/sk"
	}
	return "none"
}

// Signs tells whether each request needs its own signature; otherwise the
// headers Apply sets are the same for every request and may be built once.
func (c Credentials) Signs() bool { return c.signer != nil }

// Apply authenticates r, whose body is body, at time now (the signature's
// X-Sdk-Date). It is the last step before sending: a signature covers the
// headers already on r.
func (c Credentials) Apply(r *http.Request, body []byte, now time.Time) error {
	switch {
	case c.token != "":
		r.Header.Set("X-Auth-Token", c.token)
	case c.signer != nil:
		if r.Header.Get("X-Project-Id") == "" && c.projectID != "" {
			r.Header.Set("X-Project-Id", c.projectID)
		}
		return c.signer.Sign(r, body, now) // its errors say "sign request: ..."
	}
	return nil
}
