package install

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store"
)

// The builders below are what functions/oauth-install and
// functions/oauth-callback run at cold start, and what the local stack's
// builders run, so the two cannot drift.

// NewInstallFunction builds the oauth-install handler. readSecret reads
// SHOPIFY_API_SECRET_PARAMETER (nil locally).
func (c Config) NewInstallFunction(ctx context.Context, st *store.Store, readSecret auth.SecretReader, log *slog.Logger) (http.Handler, error) {
	app, err := c.App(ctx, readSecret, nil)
	if err != nil {
		return nil, err
	}
	return NewInstallHandler(log, &Installer{App: app, Groups: st, States: st, StateTTL: c.StateTTL}), nil
}

// NewCallbackFunction builds the oauth-callback handler. kmsClient is used
// when TOKEN_KMS_KEY_ID is set.
func (c Config) NewCallbackFunction(ctx context.Context, st *store.Store, kmsClient secrets.KMSAPI, readSecret auth.SecretReader, log *slog.Logger) (http.Handler, error) {
	app, err := c.App(ctx, readSecret, nil)
	if err != nil {
		return nil, err
	}
	sealer, err := c.Sealer(kmsClient)
	if err != nil {
		return nil, err
	}
	tokens := shoptokens.New(st, sealer, app, shoptokens.Options{Log: log})
	return NewCallbackHandler(log, &Callback{App: app, States: st, Tokens: tokens}), nil
}
