package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/fgharness/fgharness/internal/fgs"
)

// ExtensionRegistration is the Extension API's answer to a registration.
type ExtensionRegistration = fgs.ExtensionRegistration

// RegisterExtension registers an extension with the Extension API at
// extensionAPIAddr (EXTENSION_API_ADDR, host:port): name is the extension's
// file name, address the host:port of its own server (127.0.0.1:8081-8090).
// The Extension API is plain HTTP and takes no credentials.
func (c *Client) RegisterExtension(ctx context.Context, extensionAPIAddr, name, address string) (*ExtensionRegistration, error) {
	raw := extensionAPIAddr
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	base, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("RegisterExtension: EXTENSION_API_ADDR %q is not host:port", extensionAPIAddr)
	}
	header := http.Header{}
	header.Set(fgs.HeaderExtensionName, name)
	header.Set(fgs.HeaderExtensionAddress, address)
	return call[ExtensionRegistration](ctx, c, Request{
		Operation: "RegisterExtension", Method: http.MethodPost, Path: fgs.ExtensionRegisterPath,
		Header: header, NoAuth: true, base: base,
	})
}
