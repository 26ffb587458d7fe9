package install

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/webhooksubs"
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
	return NewCallbackHandler(log, &Callback{App: app, States: st, Tokens: tokens, Hooks: []ConnectedHook{
		WebhookHook{Registrar: c.WebhookRegistrar(nil)},
	}, Audit: store.AuditLog{Store: st, Retention: c.AuditRetention}}), nil
}

// WebhookRegistrar registers Flux's webhook subscriptions at
// FLUX_PUBLIC_URL + /webhooks/shopify through the Admin API this
// configuration points at (SHOPIFY_BASE_URL, SHOPIFY_API_VERSION). hc may
// be nil.
func (c Config) WebhookRegistrar(hc *http.Client) *webhooksubs.Registrar {
	return &webhooksubs.Registrar{
		CallbackURL: webhooksubs.CallbackURL(c.PublicURL),
		Shopify: shopify.Config{
			APIVersion: c.ShopifyAPIVersion, BaseURL: BaseURLFunc(c.ShopifyBaseURL), HTTPClient: hc,
		},
	}
}
