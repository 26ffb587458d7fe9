package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// AuthorizerConfig is the authorizer function's typed configuration. The
// Lambda (functions/authorizer) and the local stack both load it from the
// function's environment with LoadAuthorizerConfig, so they cannot drift.
type AuthorizerConfig struct {
	Table string
	// ShopifyAPIKey empty disables Shopify session tokens.
	ShopifyAPIKey string
	// The app secret: given directly (local stack) or as the name of an SSM
	// SecureString (AWS), read once at cold start.
	ShopifyAPISecret          string
	ShopifyAPISecretParameter string
	SessionLeeway             time.Duration
	TouchInterval             time.Duration
}

// LoadAuthorizerConfig reads TABLE_NAME, SHOPIFY_API_KEY, SHOPIFY_API_SECRET,
// SHOPIFY_API_SECRET_PARAMETER, SHOPIFY_SESSION_LEEWAY and
// API_KEY_TOUCH_INTERVAL, reporting every problem at once.
func LoadAuthorizerConfig(env *platform.Env) (AuthorizerConfig, error) {
	c := AuthorizerConfig{
		Table:                     env.String("TABLE_NAME"),
		ShopifyAPIKey:             env.StringOr("SHOPIFY_API_KEY", ""),
		ShopifyAPISecret:          env.StringOr("SHOPIFY_API_SECRET", ""),
		ShopifyAPISecretParameter: env.StringOr("SHOPIFY_API_SECRET_PARAMETER", ""),
		SessionLeeway:             env.Duration("SHOPIFY_SESSION_LEEWAY", DefaultSessionLeeway),
		TouchInterval:             env.Duration("API_KEY_TOUCH_INTERVAL", DefaultTouchInterval),
	}
	if err := env.Err(); err != nil {
		return AuthorizerConfig{}, err
	}
	if c.ShopifyAPIKey != "" && c.ShopifyAPISecret == "" && c.ShopifyAPISecretParameter == "" {
		return AuthorizerConfig{}, errors.New("configuration: SHOPIFY_API_KEY is set but neither SHOPIFY_API_SECRET nor SHOPIFY_API_SECRET_PARAMETER is")
	}
	return c, nil
}

// SecretReader reads a named secret (an SSM SecureString in AWS).
type SecretReader func(ctx context.Context, name string) (string, error)

// AuthorizerStore is the storage the authorizer reads.
type AuthorizerStore interface {
	KeyStore
	ShopDirectory
}

// NewAuthorizer builds the authorizer of a cold start. readSecret is called
// only when the secret is given by parameter name; nil means none is available.
func (c AuthorizerConfig) NewAuthorizer(ctx context.Context, st AuthorizerStore, readSecret SecretReader, log *slog.Logger) (*Authorizer, error) {
	a := &Authorizer{Keys: st, Shops: st, TouchInterval: c.TouchInterval, Log: log}
	if c.ShopifyAPIKey == "" {
		return a, nil
	}
	secret := c.ShopifyAPISecret
	if secret == "" {
		if readSecret == nil {
			return nil, errors.New("configuration: SHOPIFY_API_SECRET_PARAMETER cannot be read here; set SHOPIFY_API_SECRET")
		}
		var err error
		if secret, err = readSecret(ctx, c.ShopifyAPISecretParameter); err != nil {
			return nil, fmt.Errorf("read shopify app secret: %w", err)
		}
	}
	v, err := NewSessionVerifier(c.ShopifyAPIKey, secret)
	if err != nil {
		return nil, err
	}
	v.Leeway = c.SessionLeeway
	a.Session = v
	return a, nil
}
