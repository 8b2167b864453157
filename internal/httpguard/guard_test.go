package httpguard

import (
	"bytes"
	"testing"
)

// TestRewriteGoErrorLeavesHandlerAnswers: only net/http's own plain-text
// answers are rewritten, never a response a handler wrote.
func TestRewriteGoErrorLeavesHandlerAnswers(t *testing.T) {
	for _, b := range []string{
		"HTTP/1.1 400 Bad Request\r\nContent-Length: 50\r\nContent-Type: application/json\r\n\r\n{}",
		"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n",
		`{"result":"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"}`,
	} {
		if out, ok := rewriteGoError([]byte(b), "emulator"); ok {
			t.Errorf("rewrote %q into %q", b, out)
		}
	}
	out, ok := rewriteGoError([]byte("HTTP/1.1 400 Bad Request: missing required Host header"+goPlainError+"400 Bad Request: missing required Host header"), "emulator")
	if !ok || !bytes.Contains(out, []byte(`"error_msg":"Invalid request: missing required Host header"`)) || !bytes.HasPrefix(out, []byte("HTTP/1.1 400 Bad Request\r\n")) {
		t.Errorf("net/http's 400: %v %q", ok, out)
	}
}
