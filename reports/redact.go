package reports

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Renderers never trust that a producer redacted everything: these helpers
// are the last line between a credential and a file a CI system publishes.

const redacted = "[redacted]"

// secretKeyWords mark a settings key as holding a credential.
var secretKeyWords = []string{"token", "password", "passwd", "secret", "authorization", "auth", "credential", "signature", "cookie"}

// secretKeyExact are short key names that are only secrets when they are the whole word.
var secretKeyExact = map[string]bool{"sk": true, "ak": true, "key": true, "apikey": true, "api_key": true, "access_key": true, "secret_key": true}

// isSecretKey reports whether a settings key looks like it names a credential.
func isSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range secretKeyWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	for _, part := range strings.FieldsFunc(k, func(r rune) bool { return r == '.' || r == '-' || r == '_' || r == ' ' }) {
		if secretKeyExact[part] {
			return true
		}
	}
	return secretKeyExact[k]
}

// setting is one key/value pair of Report.Settings, safe to print.
type setting struct{ Key, Value string }

// safeSettings returns the settings sorted by key, with secret-looking values
// replaced and secret-looking text inside other values scrubbed.
func safeSettings(m map[string]string) []setting {
	out := make([]setting, 0, len(m))
	for k, v := range m {
		if isSecretKey(k) {
			v = redacted
		} else {
			v = scrubText(v)
		}
		out = append(out, setting{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// displayTarget prints a target URL without user info, query or fragment,
// where a credential could hide if a producer forgot to strip it.
func displayTarget(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return scrubText(target)
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery = nil, "", "", "", false
	return u.String()
}

// secretInText matches "X-Auth-Token: abc", "token=abc", "Authorization: Bearer abc", "sk=abc" in free text.
var secretInText = regexp.MustCompile(`(?i)\b(x-auth-token|x-subject-token|authorization|token|password|passwd|secret|sk|ak|signature|access_key|secret_key)(["']?\s*[:=]\s*["']?)(bearer\s+|sdk-hmac-sha256\s+)?[^\s"',;&)\]}]+`)

// userInfoInURL matches the user:password@ part of a URL.
var userInfoInURL = regexp.MustCompile(`(://)[^/@\s]+@`)

// scrubText removes credentials from free text such as error messages.
func scrubText(s string) string {
	s = secretInText.ReplaceAllString(s, "${1}${2}"+redacted)
	return userInfoInURL.ReplaceAllString(s, "${1}"+redacted+"@")
}
