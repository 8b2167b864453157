// Package client owns how fgharness talks to a FunctionGraph endpoint: targets, credentials and API calls.
package client

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Target is one FunctionGraph endpoint with the credentials to call it.
// Token and SK are secrets: String and Redacted never show them.
type Target struct {
	BaseURL   string // e.g. http://127.0.0.1:8000 or https://functiongraph.cn-north-4.myhuaweicloud.com
	ProjectID string
	Region    string
	Token     string // X-Auth-Token
	AK, SK    string // AK/SK pair, signed as SDK-HMAC-SHA256
}

// Validate reports what is missing or malformed, in words a user can act on.
func (t Target) Validate() error {
	var errs []error
	u, err := url.Parse(t.BaseURL)
	switch {
	case t.BaseURL == "":
		errs = append(errs, errors.New("no target URL: pass --target or set FGH_TARGET"))
	case err != nil || u.Scheme == "" || u.Host == "":
		errs = append(errs, fmt.Errorf("target %q is not an absolute URL like http://127.0.0.1:8000", t.BaseURL))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("target %q: scheme must be http or https", t.BaseURL))
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "":
		// Every request path starts at /v2/{project_id}/...; a path here
		// would be prefixed to each of them and every call would 404.
		errs = append(errs, fmt.Errorf("--target has a path (%q) or a query: give only the endpoint's origin, %s://%s", u.Path, u.Scheme, u.Host))
	}
	if t.ProjectID == "" {
		errs = append(errs, errors.New("no project ID: pass --project-id or set FGH_PROJECT_ID"))
	}
	hasToken, hasAKSK := t.Token != "", t.AK != "" || t.SK != ""
	switch {
	case !hasToken && !hasAKSK:
		errs = append(errs, errors.New("no credentials: pass --token, or --ak and --sk (or FGH_TOKEN, FGH_AK, FGH_SK)"))
	case hasAKSK && (t.AK == "" || t.SK == ""):
		errs = append(errs, errors.New("AK/SK needs both --ak and --sk"))
	}
	return errors.Join(errs...)
}

// UsesAKSK tells whether requests are signed rather than carrying a token
// (see Credentials for the rule).
func (t Target) UsesAKSK() bool { return t.Credentials().Signs() }

// Redacted is the target as it may appear in reports and logs: scheme://host:port, nothing else.
func (t Target) Redacted() string {
	u, err := url.Parse(t.BaseURL)
	if err != nil || u.Host == "" {
		return "invalid-target"
	}
	host := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			host += ":443"
		} else {
			host += ":80"
		}
	}
	return u.Scheme + "://" + host
}

// String never prints secrets.
func (t Target) String() string {
	return fmt.Sprintf("%s project=%s auth=%s", t.Redacted(), t.ProjectID, t.Credentials().Kind())
}

// IsLoopback tells whether the target's host is a loopback address or localhost.
func (t Target) IsLoopback() bool {
	u, err := url.Parse(t.BaseURL)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}
