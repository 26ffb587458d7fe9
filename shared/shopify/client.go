package shopify

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
)

// DefaultTries is seed 003's default: a request is made once unless the
// caller asks for more. Flux's own callers (syncs, deploys) pass more.
const DefaultTries = 1

// ShopHeader carries the shop's domain when BaseURL points somewhere other
// than the shop itself (the local Shopify emulator on 127.0.0.1), so the
// emulator knows which store is meant.
const ShopHeader = "X-Shopify-Shop-Domain"

// Config is how a Client reaches Shopify. The zero value is usable.
type Config struct {
	// APIVersion is the Admin API version; "" means DefaultAPIVersion.
	APIVersion string
	// BaseURL maps a shop to the origin its Admin API is served from; nil
	// means "https://<shop>". The local stack and tests point it at an
	// emulator ("http://127.0.0.1:port").
	BaseURL func(shop string) string
	// HTTPClient sends the requests; nil means a client with a 30 s timeout
	// (the context's deadline still applies and usually comes first).
	HTTPClient *http.Client
	// Tries is the default number of attempts of a call; 0 means DefaultTries.
	Tries int
	// Throttle paces GraphQL calls; nil means DefaultThrottle().
	Throttle *Throttle
	// DisablePacing sends GraphQL calls without waiting for the budget (only
	// observing it). For tests of the retry path.
	DisablePacing bool
	// RetryBase and RetryMax bound the jittered exponential backoff between
	// tries; 0 means 1 s and 30 s.
	RetryBase, RetryMax time.Duration
	// UserAgent is sent with every request; "" means "flux".
	UserAgent string
}

// Client calls the Admin API of one shop with one session's access token.
// It is safe for concurrent use.
type Client struct {
	shop     string
	token    string
	version  string
	baseURL  string
	viaProxy bool // BaseURL is not the shop itself: send ShopHeader
	http     *http.Client
	tries    int
	throttle *Throttle
	pacing   bool
	retry    backoff
	ua       string
}

// New makes a client for the session's shop and token.
func New(s Session, cfg Config) (*Client, error) {
	shop, err := config.NormalizeShop(s.Shop)
	if err != nil {
		return nil, err
	}
	if s.AccessToken == "" {
		return nil, platform.E(platform.KindUnauthenticated, "no Shopify access token for "+shop+"; the store must be connected")
	}
	c := &Client{
		shop: shop, token: s.AccessToken, version: cfg.APIVersion, http: cfg.HTTPClient,
		tries: cfg.Tries, throttle: cfg.Throttle, pacing: !cfg.DisablePacing, ua: cfg.UserAgent,
		retry: backoff{base: cfg.RetryBase, max: cfg.RetryMax},
	}
	if c.version == "" {
		c.version = DefaultAPIVersion
	}
	if err := ValidateAPIVersion(c.version); err != nil {
		return nil, err
	}
	c.baseURL = "https://" + shop
	if cfg.BaseURL != nil {
		c.baseURL = strings.TrimSuffix(cfg.BaseURL(shop), "/")
		c.viaProxy = c.baseURL != "https://"+shop
	}
	if !strings.HasPrefix(c.baseURL, "https://") && !strings.HasPrefix(c.baseURL, "http://") {
		return nil, platform.E(platform.KindValidation, fmt.Sprintf("Shopify base URL %q is not http(s)", c.baseURL))
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if c.tries <= 0 {
		c.tries = DefaultTries
	}
	if c.throttle == nil {
		c.throttle = DefaultThrottle()
	}
	if c.ua == "" {
		c.ua = "flux"
	}
	c.retry.defaults()
	return c, nil
}

// Shop is the client's shop domain.
func (c *Client) Shop() string { return c.shop }

// APIVersion is the version the client calls.
func (c *Client) APIVersion() string { return c.version }

// Throttle is the budget the client paces with.
func (c *Client) Throttle() *Throttle { return c.throttle }

// String names the client without its token. Value receivers, so that a
// Client printed by value (%v, %+v, %#v) is redacted too.
func (c Client) String() string { return "shopify.Client{" + c.shop + " " + c.version + "}" }

// GoString keeps %#v from printing the token.
func (c Client) GoString() string { return c.String() }

// apiURL is the URL of path ("graphql", "products/123") under the version root.
func (c *Client) apiURL(version, path string) string {
	path = strings.TrimPrefix(strings.TrimSuffix(path, ".json"), "/")
	return c.baseURL + "/admin/api/" + version + "/" + path + ".json"
}

func (c *Client) setHeaders(h http.Header, extra http.Header) {
	for k, vs := range extra {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set("X-Shopify-Access-Token", c.token)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", c.ua)
	if c.viaProxy {
		h.Set(ShopHeader, c.shop)
	}
}
