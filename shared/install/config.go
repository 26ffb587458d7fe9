package install

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/store"
)

// CallbackPath is the OAuth callback route; FLUX_PUBLIC_URL + CallbackPath
// is the redirect_uri registered with the Shopify app.
const CallbackPath = "/auth/shopify/callback"

// ShopPlaceholder in SHOPIFY_BASE_URL is replaced by the shop's domain.
const ShopPlaceholder = "{shop}"

// Config is the typed configuration of the oauth-install and
// oauth-callback functions. The Lambdas (functions/oauth-*) and the local
// stack load it with LoadInstallConfig / LoadCallbackConfig from the
// function's environment, so they cannot drift.
type Config struct {
	Table         string
	ShopifyAPIKey string
	// The app secret: given directly (local stack) or as the name of an SSM
	// SecureString (AWS), read once at cold start. It signs the callback's
	// hmac and authenticates Flux at the token endpoint.
	ShopifyAPISecret          string
	ShopifyAPISecretParameter string
	Scopes                    shopify.AuthScopes
	// PublicURL is the API's public base URL (a custom domain, or the stage
	// URL "https://<id>.execute-api.<region>.amazonaws.com/<stage>").
	PublicURL string
	// ShopifyBaseURL is "" for real Shopify (https://<shop>), or an origin
	// such as "http://127.0.0.1:8081/store/{shop}" for the emulator.
	ShopifyBaseURL string
	// TokenKMSKeyID (key id, ARN or alias) selects KMS envelope encryption;
	// TokenLocalKey (32 bytes, base64 or hex) a static local key instead.
	// The callback needs one; the install function needs neither.
	TokenKMSKeyID string
	TokenLocalKey string
	StateTTL      time.Duration
	// ShopifyAPIVersion is the Admin API version the callback registers the
	// webhook subscriptions with ("" means shopify.DefaultAPIVersion).
	ShopifyAPIVersion string
	// AuditRetention is how long the callback's audit entries are kept
	// (AUDIT_RETENTION; store.DefaultAuditRetention).
	AuditRetention time.Duration
}

// RedirectURL is the OAuth callback URL Shopify sends the merchant back to.
func (c Config) RedirectURL() string { return strings.TrimSuffix(c.PublicURL, "/") + CallbackPath }

func loadConfig(env *platform.Env) Config {
	return Config{
		Table:                     env.String("TABLE_NAME"),
		ShopifyAPIKey:             env.String("SHOPIFY_API_KEY"),
		ShopifyAPISecret:          env.StringOr("SHOPIFY_API_SECRET", ""),
		ShopifyAPISecretParameter: env.StringOr("SHOPIFY_API_SECRET_PARAMETER", ""),
		Scopes:                    shopify.ParseAuthScopes(env.String("SHOPIFY_SCOPES")),
		PublicURL:                 env.String("FLUX_PUBLIC_URL"),
		ShopifyBaseURL:            env.StringOr("SHOPIFY_BASE_URL", ""),
		TokenKMSKeyID:             env.StringOr("TOKEN_KMS_KEY_ID", ""),
		TokenLocalKey:             env.StringOr("TOKEN_LOCAL_KEY", ""),
		StateTTL:                  env.Duration("OAUTH_STATE_TTL", oauth.DefaultStateTTL),
		ShopifyAPIVersion:         env.StringOr("SHOPIFY_API_VERSION", shopify.DefaultAPIVersion),
		AuditRetention:            env.Duration("AUDIT_RETENTION", store.DefaultAuditRetention),
	}
}

func (c Config) check(env *platform.Env) error {
	var problems []string
	if err := env.Err(); err != nil {
		problems = append(problems, err.Error())
	}
	if c.ShopifyAPISecret == "" && c.ShopifyAPISecretParameter == "" {
		problems = append(problems, "SHOPIFY_API_SECRET or SHOPIFY_API_SECRET_PARAMETER is required")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || !isHTTPURL(u) || u.RawQuery != "" || u.Fragment != "" {
			problems = append(problems, "FLUX_PUBLIC_URL must be an absolute https URL without query")
		} else if u.Scheme != "https" && !isLoopback(u.Hostname()) {
			// Shopify only redirects to https, except for local development.
			problems = append(problems, "FLUX_PUBLIC_URL must be https (http only for localhost)")
		}
	}
	if c.ShopifyBaseURL != "" {
		u, err := url.Parse(strings.ReplaceAll(c.ShopifyBaseURL, ShopPlaceholder, "shop.myshopify.com"))
		if err != nil || !isHTTPURL(u) {
			problems = append(problems, "SHOPIFY_BASE_URL must be an http(s) URL")
		}
	}
	if err := shopify.ValidateAPIVersion(c.ShopifyAPIVersion); err != nil {
		problems = append(problems, "SHOPIFY_API_VERSION: "+platform.PublicMessage(err))
	}
	if c.StateTTL <= 0 || c.StateTTL > time.Hour {
		problems = append(problems, "OAUTH_STATE_TTL must be between 1s and 1h")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func isHTTPURL(u *url.URL) bool {
	return (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// LoadInstallConfig reads the oauth-install function's environment:
// TABLE_NAME, SHOPIFY_API_KEY, SHOPIFY_API_SECRET or
// SHOPIFY_API_SECRET_PARAMETER, SHOPIFY_SCOPES, FLUX_PUBLIC_URL,
// SHOPIFY_BASE_URL (optional), OAUTH_STATE_TTL (optional, 10m). Every
// problem is reported at once.
func LoadInstallConfig(env *platform.Env) (Config, error) {
	c := loadConfig(env)
	if err := c.check(env); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}

// LoadCallbackConfig is LoadInstallConfig plus the token encryption:
// TOKEN_KMS_KEY_ID (AWS, and the local stack against moto) or
// TOKEN_LOCAL_KEY; and SHOPIFY_API_VERSION (optional) for the webhook
// registration.
func LoadCallbackConfig(env *platform.Env) (Config, error) {
	c := loadConfig(env)
	err := c.check(env)
	if c.TokenKMSKeyID == "" && c.TokenLocalKey == "" {
		err = errors.Join(err, errors.New("TOKEN_KMS_KEY_ID or TOKEN_LOCAL_KEY is required"))
	}
	if c.TokenKMSKeyID != "" && c.TokenLocalKey != "" {
		err = errors.Join(err, errors.New("set only one of TOKEN_KMS_KEY_ID and TOKEN_LOCAL_KEY"))
	}
	if c.TokenLocalKey != "" {
		if _, kerr := secrets.ParseLocalKey(c.TokenLocalKey); kerr != nil {
			err = errors.Join(err, errors.New("TOKEN_LOCAL_KEY: "+kerr.Error()))
		}
	}
	if err != nil {
		return Config{}, fmt.Errorf("configuration: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return c, nil
}

// BaseURLFunc maps a shop to its origin per SHOPIFY_BASE_URL: nil (real
// Shopify, https://<shop>) for "", else the URL with {shop} replaced.
func BaseURLFunc(base string) func(shop string) string {
	if base == "" {
		return nil
	}
	base = strings.TrimSuffix(base, "/")
	return func(shop string) string { return strings.ReplaceAll(base, ShopPlaceholder, shop) }
}

// App is the Shopify app of this configuration. readSecret reads
// SHOPIFY_API_SECRET_PARAMETER (nil where only SHOPIFY_API_SECRET can be
// used, as in the local stack); hc may be nil.
func (c Config) App(ctx context.Context, readSecret auth.SecretReader, hc *http.Client) (*oauth.App, error) {
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
	return &oauth.App{
		APIKey: c.ShopifyAPIKey, APISecret: secret, Scopes: c.Scopes,
		RedirectURL: c.RedirectURL(), BaseURL: BaseURLFunc(c.ShopifyBaseURL), HTTPClient: hc,
	}, nil
}

// Sealer is the token encryption of this configuration: KMS envelope
// encryption with kmsClient when TOKEN_KMS_KEY_ID is set (kmsClient may be
// nil otherwise), else the local key.
func (c Config) Sealer(kmsClient secrets.KMSAPI) (secrets.Sealer, error) {
	if c.TokenKMSKeyID != "" {
		return secrets.NewKMSSealer(kmsClient, c.TokenKMSKeyID)
	}
	key, err := secrets.ParseLocalKey(c.TokenLocalKey)
	if err != nil {
		return nil, fmt.Errorf("configuration: TOKEN_LOCAL_KEY: %w", err)
	}
	return secrets.NewLocalSealer(key)
}
