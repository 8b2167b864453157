package load

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/fgharness/fgharness/internal/client"
)

// Launcher starts an endpoint for a run that names no target and returns
// its target and how to stop it.
type Launcher func(ctx context.Context) (client.Target, func(context.Context) error, error)

// apiEndpoint prepares runs through the FunctionGraph API.
type apiEndpoint struct{ c *client.Client }

func newAPIEndpoint(t client.Target, opts ...client.Option) (Endpoint, error) {
	c, err := client.New(t, opts...)
	if err != nil {
		return nil, fmt.Errorf("FunctionGraph client: %w", err)
	}
	return &apiEndpoint{c: c}, nil
}

// CreateFunction creates the smallest function the API accepts; the
// emulator answers its invocations with its built-in handler.
func (e *apiEndpoint) CreateFunction(ctx context.Context, name string) (string, error) {
	cfg, err := e.c.CreateFunction(ctx, client.CreateFunctionRequest{
		FuncName: name, Package: "default", Runtime: "Python3.9", Timeout: 30,
		Handler: "index.handler", MemorySize: 128, CodeType: "inline",
		FuncCode:    &client.FuncCode{File: "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="},
		Description: "temporary function of an fgh load run; deleted after it",
	})
	if err != nil {
		return "", err
	}
	if cfg.FuncURN == "" {
		return "", fmt.Errorf("CreateFunction answered without func_urn")
	}
	return cfg.FuncURN, nil
}

func (e *apiEndpoint) DeleteFunction(ctx context.Context, urn string) error {
	return e.c.DeleteFunction(ctx, urn)
}

// ExtensionAPI asks the emulator's admin endpoint for the function's
// Extension API; a cloud target has none to offer (use --extension-api).
func (e *apiEndpoint) ExtensionAPI(ctx context.Context, urn string) (string, error) {
	res, err := e.c.Do(ctx, http.MethodGet, "/_fgh/v1/functions/"+url.PathEscape(urn)+"/extension-api", nil, nil)
	if err != nil {
		return "", fmt.Errorf("ask the emulator for the Extension API address: %w", err)
	}
	var out struct {
		Address string `json:"address"`
	}
	if err := res.Decode(&out); err != nil {
		return "", err
	}
	if out.Address == "" {
		return "", fmt.Errorf("the emulator gave no Extension API address for %s", urn)
	}
	return out.Address, nil
}
