package load

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

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

// RegisterExtension registers through the client, the one request path
// (the Extension API takes no credentials).
func (e *apiEndpoint) RegisterExtension(ctx context.Context, extensionAPI, name, address string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ans, err := e.c.RegisterExtension(ctx, extensionAPI, name, address)
	if err != nil {
		return fmt.Errorf("register %s at the Extension API %s: %w", name, extensionAPI, err)
	}
	if ans.ErrorInfo.ErrorType != "" || ans.ErrorInfo.ErrorMessage != "" {
		return fmt.Errorf("register %s: %s: %s", name, ans.ErrorInfo.ErrorType, ans.ErrorInfo.ErrorMessage)
	}
	return nil
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
