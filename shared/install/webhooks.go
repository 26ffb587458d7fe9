package install

import (
	"context"
	"time"

	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/webhooksubs"
)

// DefaultWebhookTimeout bounds the webhook registration of one install, so
// the callback answers well within API Gateway's 29 s even when Shopify is
// slow (what is left unregistered is reported and retried by a reinstall).
const DefaultWebhookTimeout = 8 * time.Second

// WebhookHook is the ConnectedHook that registers Flux's webhook
// subscriptions on the shop just connected, with its fresh token
// (webhooksubs.Registrar: idempotent, only missing topics are created).
// The outcome goes into the answer's "webhooks"; a topic that failed makes
// the hook fail (setupPending), and the next install retries what is
// missing.
type WebhookHook struct {
	Registrar *webhooksubs.Registrar
	Timeout   time.Duration // 0: DefaultWebhookTimeout
}

// ShopConnected implements ConnectedHook.
func (h WebhookHook) ShopConnected(ctx context.Context, _ string, sess shopify.Session, resp *ConnectedResponse) error {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := h.Registrar.Register(ctx, sess)
	resp.Webhooks = &res
	return err
}
