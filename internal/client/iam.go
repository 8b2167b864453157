package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/fgharness/fgharness/internal/fgs"
)

// IAMToken asks IAM for a project-scoped token with a password
// (POST /v3/auth/tokens) and returns the X-Subject-Token it answers. IAM is
// reached at the endpoint WithIAMEndpoint set, else at the target's URL
// (the emulator serves both). The password never appears in an error.
func (c *Client) IAMToken(ctx context.Context, user, password, domain, projectID string) (string, error) {
	if user == "" || password == "" || domain == "" || projectID == "" {
		return "", errors.New("IAMToken: user, password, domain and project ID are all required")
	}
	var body fgs.PasswordTokenRequest
	id := &body.Auth.Identity
	id.Methods = []string{"password"}
	id.Password.User.Name, id.Password.User.Password, id.Password.User.Domain.Name = user, password, domain
	body.Auth.Scope.Project.ID = projectID

	res, err := c.Send(ctx, Request{
		Operation: "IAMToken", Method: http.MethodPost, Path: "/v3/auth/tokens",
		Query: url.Values{"nocatalog": {"true"}}, Body: body, NoAuth: true,
		base: c.iam, secrets: []string{password},
	})
	if err != nil {
		return "", err
	}
	token := res.Header.Get("X-Subject-Token")
	if token == "" {
		return "", fmt.Errorf("IAMToken: HTTP %d answer has no X-Subject-Token header", res.Status)
	}
	return token, nil
}

// WithIAMEndpoint sets where IAMToken asks for tokens, e.g.
// https://iam.cn-north-4.myhuaweicloud.com.
func WithIAMEndpoint(baseURL string) Option {
	return func(o *options) { o.iamEndpoint = strings.TrimSuffix(baseURL, "/") }
}
