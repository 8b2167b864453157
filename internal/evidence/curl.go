package evidence

import (
	"net/http"
	"sort"
	"strings"
)

// TokenEnv is the variable a curl reproduction reads the token from, the
// one fgh itself reads, so the command line never holds the token.
const TokenEnv = "FGH_TOKEN"

// Curl is q as a curl command for a target that takes a token: the token
// comes from $FGH_TOKEN at the shell, and headers that only a signature or
// the transport sets are left out. AK/SK targets replay with
// `fgh contract replay`, which signs at replay time. A clipped body cannot
// be sent from a report's copy: Curl returns "" for it.
func Curl(q Request) string {
	if q.Body.Clipped > 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("curl -sS -i -X " + q.Method + " " + shellQuote(q.URL))
	keys := make([]string, 0, len(q.Header))
	for k := range q.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if CredentialHeader(k) || !curlKeeps(k) {
			continue
		}
		for _, v := range q.Header[k] {
			b.WriteString(" \\\n  -H " + shellQuote(k+": "+v))
		}
	}
	b.WriteString(" \\\n  -H \"X-Auth-Token: $" + TokenEnv + "\"")
	if body := q.Body.Bytes(); len(body) > 0 {
		if q.Body.Encoding == "base64" {
			b.WriteString(" \\\n  --data-binary @<(printf %s " + shellQuote(q.Body.Text) + " | base64 -d)")
		} else {
			b.WriteString(" \\\n  --data-binary " + shellQuote(string(body)))
		}
	}
	return b.String()
}

// curlKeeps drops headers curl sets itself or that belong to a signature.
func curlKeeps(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Content-Length", "Host", "User-Agent", "Accept-Encoding", "X-Sdk-Date", "Connection":
		return false
	}
	return true
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
