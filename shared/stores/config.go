package stores

import (
	"net/http"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// DefaultTries is how many attempts a list query makes at Shopify (429, 5xx,
// THROTTLED, dropped connections) before it answers with an error.
const DefaultTries = 3

// Config is how the group reaches Shopify.
type Config struct {
	// APIVersion is the Admin API version ("" means shopify.DefaultAPIVersion).
	APIVersion string
	// BaseURL, when set, is where every shop's Admin API is served from (the
	// local Shopify emulator): an origin, or a URL with the placeholder
	// {shop} ("http://127.0.0.1:8081/store/{shop}", the form the install
	// functions read too). The client also names the shop in the
	// X-Shopify-Shop-Domain header. "" means https://<shop>.
	BaseURL string
	// Tries is the number of attempts per Shopify call (0 means DefaultTries).
	Tries int
	// HTTPClient and RetryBase/RetryMax are for tests (nil/0: the client's
	// defaults).
	HTTPClient          *http.Client
	RetryBase, RetryMax time.Duration
}

// LoadConfig reads the group's Shopify settings from the environment:
//
//	SHOPIFY_API_VERSION  Admin API version (default shopify.DefaultAPIVersion)
//	SHOPIFY_BASE_URL     optional origin of the Admin API (the local emulator)
//	SHOPIFY_TRIES        attempts per Shopify call (default 3, 1..10)
func LoadConfig(env *platform.Env) (Config, error) {
	c := Config{
		APIVersion: env.StringOr("SHOPIFY_API_VERSION", shopify.DefaultAPIVersion),
		BaseURL:    strings.TrimSuffix(env.StringOr("SHOPIFY_BASE_URL", ""), "/"),
		Tries:      env.Int("SHOPIFY_TRIES", DefaultTries),
	}
	if err := env.Err(); err != nil {
		return Config{}, err
	}
	if err := shopify.ValidateAPIVersion(c.APIVersion); err != nil {
		return Config{}, err
	}
	if b := c.BaseURL; b != "" && !strings.HasPrefix(b, "http://") && !strings.HasPrefix(b, "https://") {
		return Config{}, platform.E(platform.KindValidation, "SHOPIFY_BASE_URL must be an http(s) URL")
	}
	if c.Tries < 1 || c.Tries > 10 {
		return Config{}, platform.E(platform.KindValidation, "SHOPIFY_TRIES must be between 1 and 10")
	}
	return c, nil
}

// shopify is the client configuration for one call, with the group's
// process-wide throttle.
func (c Config) shopify(t *shopify.Throttle) shopify.Config {
	sc := shopify.Config{
		APIVersion: c.APIVersion, HTTPClient: c.HTTPClient, Tries: c.Tries, Throttle: t,
		RetryBase: c.RetryBase, RetryMax: c.RetryMax, UserAgent: "flux-stores",
	}
	if sc.Tries <= 0 {
		sc.Tries = DefaultTries
	}
	sc.BaseURL = c.ShopBaseURL()
	return sc
}

// ShopPlaceholder in SHOPIFY_BASE_URL is replaced by the shop's domain.
const ShopPlaceholder = "{shop}"

// ShopBaseURL is BaseURL as shopify.Config and oauth.App take it; nil for
// real Shopify.
func (c Config) ShopBaseURL() func(shop string) string {
	if c.BaseURL == "" {
		return nil
	}
	base := c.BaseURL
	return func(shop string) string { return strings.ReplaceAll(base, ShopPlaceholder, shop) }
}
