package emulator

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/fgharness/fgharness/internal/aksk"
	"github.com/fgharness/fgharness/internal/fgs"
)

// authenticate checks a request's credentials before its body is read, so
// that a stranger cannot make the emulator buffer a body: a valid token, or
// an AK/SK signature whose header, date and access key are in order (the
// signature itself covers the body and is checked once it has arrived).
// signed tells the caller that checkSignature is still due.
func (e *Emulator) authenticate(r *http.Request) (signed bool, err *apiError) {
	for _, name := range credentialHeaders {
		if len(r.Header[name]) > 1 {
			return false, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: the request carries %d %s headers; send one", len(r.Header[name]), name)
		}
	}
	ok, err := e.checkToken(r)
	if err != nil || ok {
		return false, err
	}
	if _, perr := aksk.Precheck(r, e.lookupSK, time.Now(), e.cfg.MaxSkew); perr != nil {
		return false, signatureError(perr, e.cfg.MaxSkew)
	}
	return true, nil
}

// credentialHeaders may appear once each: with two, a proxy and the
// emulator could each read a different one.
var credentialHeaders = []string{"X-Auth-Token", "Authorization", "X-Sdk-Date", "X-Sdk-Content-Sha256", adminTokenHeader}

// checkToken accepts the static token or one IAM issued. ok=false with a
// nil error means the request has no token and must carry a signature.
func (e *Emulator) checkToken(r *http.Request) (ok bool, err *apiError) {
	tok := r.Header.Get("X-Auth-Token")
	if tok == "" {
		if r.Header.Get("Authorization") == "" {
			return false, newError(http.StatusUnauthorized, codeUnauthorized,
				"Unauthorized access: send X-Auth-Token, or sign the request with AK/SK (Authorization and X-Sdk-Date)")
		}
		return false, nil
	}
	if e.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(e.cfg.Token)) == 1 {
		return true, nil
	}
	if exp, found := e.tokens.Load(tok); found && time.Now().Before(exp.(time.Time)) {
		return true, nil
	}
	return false, newError(http.StatusUnauthorized, codeUnauthorized, "Unauthorized access: the X-Auth-Token is invalid or expired")
}

func (e *Emulator) lookupSK(ak string) (string, bool) {
	if e.cfg.AK == "" || subtle.ConstantTimeCompare([]byte(ak), []byte(e.cfg.AK)) != 1 {
		return "", false
	}
	return e.cfg.SK, true
}

// checkSignature verifies an SDK-HMAC-SHA256 signature the way the official
// SDKs make it, over the body as received.
func (e *Emulator) checkSignature(r *http.Request, body []byte) *apiError {
	if _, err := aksk.Verify(r, body, e.lookupSK, time.Now(), e.cfg.MaxSkew); err != nil {
		return signatureError(err, e.cfg.MaxSkew)
	}
	return nil
}

func signatureError(err error, maxSkew time.Duration) *apiError {
	msg := "Unauthorized access: "
	switch {
	case errors.Is(err, aksk.ErrMissing):
		msg += "the AK/SK signature is incomplete (Authorization and X-Sdk-Date are both needed)"
	case errors.Is(err, aksk.ErrMalformed):
		msg += "the Authorization or X-Sdk-Date header is malformed"
	case errors.Is(err, aksk.ErrUnknownKey):
		msg += "the access key is unknown"
	case errors.Is(err, aksk.ErrExpired):
		msg += "X-Sdk-Date is more than " + maxSkew.String() + " away from the server's clock"
	default:
		msg += "the signature does not match the request"
	}
	return newError(http.StatusUnauthorized, codeUnauthorized, "%s", msg)
}

// passwordTokenRequest is the part of POST /v3/auth/tokens the emulator reads.
type passwordTokenRequest = fgs.PasswordTokenRequest

// issueToken emulates IAM's password login: a configured user and password
// scoped to this endpoint's project (by ID, or by region name) gets a token
// in X-Subject-Token, valid for TokenTTL.
func issueToken(c *call) (int, any, *apiError) {
	var req passwordTokenRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, newError(http.StatusBadRequest, codeIAMBadRequest, "Request body is invalid: %s", err.msg)
	}
	e := c.e
	u := req.Auth.Identity.Password.User
	want, known := e.cfg.Users[u.Name]
	if !known || subtle.ConstantTimeCompare([]byte(u.Password), []byte(want)) != 1 {
		return 0, nil, newError(http.StatusUnauthorized, codeIAMUnauthorized, "The username or password is wrong.")
	}
	p := req.Auth.Scope.Project
	if (p.ID != "" && p.ID != e.cfg.ProjectID) || (p.ID == "" && p.Name != e.cfg.Region) {
		// The IAM document answers 404 when the scope's project does not exist.
		return 0, nil, newError(http.StatusNotFound, codeIAMNotFound, "The project named in the scope does not exist.")
	}
	now := time.Now().UTC()
	exp := now.Add(e.cfg.TokenTTL)
	tok := "fgh-iam-" + newID() + newID()
	e.tokens.Store(tok, exp)
	e.log.Info("IAM token issued", "user", u.Name, "token", "set", "expires_at", exp)
	domain := map[string]string{"name": u.Domain.Name, "id": e.cfg.DomainID}
	if domain["name"] == "" {
		domain["name"] = u.Domain.ID
	}
	c.Header().Set("X-Subject-Token", tok)
	return http.StatusCreated, map[string]any{"token": map[string]any{
		"expires_at": exp.Format("2006-01-02T15:04:05.000000Z"),
		"issued_at":  now.Format("2006-01-02T15:04:05.000000Z"),
		"methods":    []string{"password"},
		"project":    map[string]any{"name": e.cfg.Region, "id": e.cfg.ProjectID, "domain": domain},
		"user":       map[string]any{"name": u.Name, "id": "fgh-user-" + u.Name, "domain": domain},
		"roles":      []map[string]string{{"name": "te_admin", "id": "0"}},
	}}, nil
}

// adminTokenHeader carries the admin credential, separate from every API
// credential: an IAM user or the API token can use the endpoint, only the
// holder of the admin token can change how it behaves (faults).
const adminTokenHeader = "X-Fgh-Admin-Token"

func (e *Emulator) checkAdminToken(r *http.Request) *apiError {
	vs := r.Header[adminTokenHeader]
	switch {
	case len(vs) > 1:
		return newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: the request carries %d %s headers; send one", len(vs), adminTokenHeader)
	case e.cfg.AdminToken == "":
		return newError(http.StatusForbidden, codeForbidden, "Forbidden: no admin token is configured, so faults can only be set at start (--faults)")
	case len(vs) == 0 || vs[0] == "":
		return newError(http.StatusUnauthorized, codeUnauthorized, "Unauthorized access: changing faults needs the admin token in %s (API credentials do not count)", adminTokenHeader)
	case subtle.ConstantTimeCompare([]byte(vs[0]), []byte(e.cfg.AdminToken)) != 1:
		return newError(http.StatusUnauthorized, codeUnauthorized, "Unauthorized access: the %s is wrong", adminTokenHeader)
	}
	return nil
}
