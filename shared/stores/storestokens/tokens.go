// Package storestokens builds the shop-token source of the functions that
// read Shopify for the stores group (graphql-stores, rest-rate-limits) from
// their environment: the token service (shared/shoptokens) when a token key
// is configured, stores.NotConnected otherwise. It is apart from package
// stores so the gateway, which imports stores for its wire types, links
// neither the token service nor the KMS and DynamoDB clients.
package storestokens

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/stores"
)

// Config is where the group's shop tokens come from: the token service
// (shared/shoptokens) over the connections stored by the install callback.
type Config struct {
	// KMSKeyID (AWS) or LocalKey (local stack: 32 bytes, base64 or hex)
	// opens the sealed tokens. With neither, no store is connected.
	KMSKeyID, LocalKey string
	// The Shopify app, to refresh expiring offline tokens: its client id and
	// its secret, given (local stack) or as an SSM parameter name (AWS).
	// Without it, a token that expires cannot be refreshed by this function.
	AppKey, AppSecret, AppSecretParameter string
}

// LoadConfig reads TOKEN_KMS_KEY_ID, TOKEN_LOCAL_KEY, SHOPIFY_API_KEY,
// SHOPIFY_API_SECRET and SHOPIFY_API_SECRET_PARAMETER, all optional.
func LoadConfig(env *platform.Env) (Config, error) {
	c := Config{
		KMSKeyID:           env.StringOr("TOKEN_KMS_KEY_ID", ""),
		LocalKey:           env.StringOr("TOKEN_LOCAL_KEY", ""),
		AppKey:             env.StringOr("SHOPIFY_API_KEY", ""),
		AppSecret:          env.StringOr("SHOPIFY_API_SECRET", ""),
		AppSecretParameter: env.StringOr("SHOPIFY_API_SECRET_PARAMETER", ""),
	}
	if c.KMSKeyID != "" && c.LocalKey != "" {
		return Config{}, errors.New("configuration: set only one of TOKEN_KMS_KEY_ID and TOKEN_LOCAL_KEY")
	}
	return c, nil
}

// Connected reports whether tokens can be read at all (a key is configured).
func (c Config) Connected() bool { return c.KMSKeyID != "" || c.LocalKey != "" }

// Tokens builds the token source: the token service when a key is
// configured, else NotConnected. kmsClient is used with KMSKeyID; readSecret
// reads AppSecretParameter (nil where only AppSecret can be used). cfg's
// BaseURL also points token refreshes at the emulator.
func (c Config) Tokens(ctx context.Context, st shoptokens.Store, kmsClient secrets.KMSAPI,
	readSecret func(ctx context.Context, name string) (string, error), cfg stores.Config, log *slog.Logger) (stores.Tokens, error) {
	if !c.Connected() {
		return stores.NotConnected{}, nil
	}
	var sealer secrets.Sealer
	var err error
	if c.KMSKeyID != "" {
		sealer, err = secrets.NewKMSSealer(kmsClient, c.KMSKeyID)
	} else {
		var key []byte
		if key, err = secrets.ParseLocalKey(c.LocalKey); err == nil {
			sealer, err = secrets.NewLocalSealer(key)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("token sealer: %w", err)
	}
	var endpoint shoptokens.TokenEndpoint
	if c.AppKey != "" {
		secret := c.AppSecret
		if secret == "" && c.AppSecretParameter != "" && readSecret != nil {
			if secret, err = readSecret(ctx, c.AppSecretParameter); err != nil {
				return nil, fmt.Errorf("read shopify app secret: %w", err)
			}
		}
		if secret != "" {
			endpoint = &oauth.App{APIKey: c.AppKey, APISecret: secret, BaseURL: cfg.ShopBaseURL()}
		}
	}
	return shoptokens.New(st, sealer, endpoint, shoptokens.Options{Log: log}), nil
}
