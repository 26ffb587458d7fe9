package stores

import (
	"context"
	"errors"
	"fmt"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// Connector makes Shopify clients for a tenant's shops with the access
// tokens Flux holds: the resolver group, the sync worker and the events
// worker all reach Shopify through it.
type Connector struct {
	Tokens Tokens
	Config Config
	// Throttle paces every shop's calls of this process; nil means
	// shopify.DefaultThrottle().
	Throttle *shopify.Throttle
	// UserAgent names the caller in Shopify's logs ("" means flux-stores).
	UserAgent string
}

// Client is a Shopify client for domain, a shop of tenantID's group (the
// caller has checked it is one). A shop without a token is KindUnavailable
// with a message saying to install the app.
func (c Connector) Client(ctx context.Context, tenantID, domain string) (*shopify.Client, error) {
	token, err := c.Tokens.AccessToken(ctx, tenantID, domain)
	switch {
	case err == nil && token == "":
		err = errors.New("empty access token")
		fallthrough
	case platform.KindOf(err) == platform.KindNotFound:
		return nil, platform.Wrap(platform.KindUnavailable,
			"store "+domain+" is not connected to Flux (no Shopify access token); install the app on it", notConnected{err})
	case err != nil:
		return nil, fmt.Errorf("access token of %s: %w", domain, err)
	}
	t := c.Throttle
	if t == nil {
		t = shopify.DefaultThrottle()
	}
	cfg := c.Config.shopify(t)
	if c.UserAgent != "" {
		cfg.UserAgent = c.UserAgent
	}
	cl, err := shopify.New(shopify.Session{ID: shopify.OfflineSessionID(domain), Shop: domain, AccessToken: token}, cfg)
	if err != nil {
		return nil, fmt.Errorf("shopify client for %s: %w", domain, err)
	}
	return cl, nil
}
