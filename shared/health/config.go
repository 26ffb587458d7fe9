package health

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store"
)

// Component names in the report.
const (
	ComponentTable       = "table"
	ComponentSyncQueue   = "syncQueue"
	ComponentEventsQueue = "eventsQueue"
	ComponentDeployQueue = "deployQueue"
	ComponentBucket      = "bucket"
)

// DefaultTimeout bounds all checks of one request together.
const DefaultTimeout = 2 * time.Second

// Config names the dependencies to check.
type Config struct {
	TableName  string
	Queues     map[string]string // component name -> queue URL
	BucketName string
	Timeout    time.Duration
}

// LoadConfig reads the rest-health function's environment (template.yaml:
// TABLE_NAME, SYNC_QUEUE_URL, EVENTS_QUEUE_URL, DEPLOY_QUEUE_URL, BUCKET_NAME;
// HEALTH_TIMEOUT optional). Every missing variable is reported at once.
func LoadConfig(env *platform.Env) (Config, error) {
	cfg := Config{
		TableName: env.String("TABLE_NAME"),
		Queues: map[string]string{
			ComponentSyncQueue:   env.String("SYNC_QUEUE_URL"),
			ComponentEventsQueue: env.String("EVENTS_QUEUE_URL"),
			ComponentDeployQueue: env.String("DEPLOY_QUEUE_URL"),
		},
		BucketName: env.String("BUCKET_NAME"),
		Timeout:    env.Duration("HEALTH_TIMEOUT", DefaultTimeout),
	}
	if err := env.Err(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// StoresConfig is the configuration of GET /api/health/stores: how the
// rest-health function opens shop tokens (the token service) and reaches
// Shopify.
type StoresConfig struct {
	Table string
	// KMSKeyID (AWS) or LocalKey (local stack: 32 bytes, base64 or hex)
	// opens the sealed tokens; exactly one is required.
	KMSKeyID, LocalKey string
	// The Shopify app, to refresh expiring offline tokens: its client id and
	// its secret, given (local stack) or as an SSM parameter name (AWS).
	AppKey, AppSecret, AppSecretParameter string
	// APIVersion of the probe; BaseURL "" for real Shopify, else the
	// emulator's origin with {shop}.
	APIVersion, BaseURL string
	// Timeout bounds each store's check (HEALTH_STORE_TIMEOUT).
	Timeout time.Duration
}

// LoadStoresConfig reads TABLE_NAME, TOKEN_KMS_KEY_ID or TOKEN_LOCAL_KEY,
// SHOPIFY_API_KEY, SHOPIFY_API_SECRET or SHOPIFY_API_SECRET_PARAMETER,
// SHOPIFY_API_VERSION (default shopify.DefaultAPIVersion), SHOPIFY_BASE_URL
// (optional) and HEALTH_STORE_TIMEOUT (optional, 3s). Every problem is
// reported at once.
func LoadStoresConfig(env *platform.Env) (StoresConfig, error) {
	c := StoresConfig{
		Table:              env.String("TABLE_NAME"),
		KMSKeyID:           env.StringOr("TOKEN_KMS_KEY_ID", ""),
		LocalKey:           env.StringOr("TOKEN_LOCAL_KEY", ""),
		AppKey:             env.String("SHOPIFY_API_KEY"),
		AppSecret:          env.StringOr("SHOPIFY_API_SECRET", ""),
		AppSecretParameter: env.StringOr("SHOPIFY_API_SECRET_PARAMETER", ""),
		APIVersion:         env.StringOr("SHOPIFY_API_VERSION", shopify.DefaultAPIVersion),
		BaseURL:            strings.TrimSuffix(env.StringOr("SHOPIFY_BASE_URL", ""), "/"),
		Timeout:            env.Duration("HEALTH_STORE_TIMEOUT", DefaultStoreTimeout),
	}
	var problems []string
	if err := env.Err(); err != nil {
		problems = append(problems, err.Error())
	}
	switch {
	case c.KMSKeyID == "" && c.LocalKey == "":
		problems = append(problems, "TOKEN_KMS_KEY_ID or TOKEN_LOCAL_KEY is required")
	case c.KMSKeyID != "" && c.LocalKey != "":
		problems = append(problems, "set only one of TOKEN_KMS_KEY_ID and TOKEN_LOCAL_KEY")
	case c.LocalKey != "":
		if _, err := secrets.ParseLocalKey(c.LocalKey); err != nil {
			problems = append(problems, "TOKEN_LOCAL_KEY: "+err.Error())
		}
	}
	if c.AppSecret == "" && c.AppSecretParameter == "" {
		problems = append(problems, "SHOPIFY_API_SECRET or SHOPIFY_API_SECRET_PARAMETER is required")
	}
	if err := shopify.ValidateAPIVersion(c.APIVersion); err != nil {
		problems = append(problems, "SHOPIFY_API_VERSION: "+platform.PublicMessage(err))
	}
	if b := c.BaseURL; b != "" && !strings.HasPrefix(b, "http://") && !strings.HasPrefix(b, "https://") {
		problems = append(problems, "SHOPIFY_BASE_URL must be an http(s) URL")
	}
	if c.Timeout <= 0 || c.Timeout > 20*time.Second {
		problems = append(problems, "HEALTH_STORE_TIMEOUT must be between 1ms and 20s")
	}
	if len(problems) > 0 {
		return StoresConfig{}, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// baseURL maps a shop to its Admin API origin (nil: https://<shop>).
func (c StoresConfig) baseURL() func(shop string) string {
	if c.BaseURL == "" {
		return nil
	}
	return func(shop string) string { return strings.ReplaceAll(c.BaseURL, "{shop}", shop) }
}

// NewStoreChecker builds the store check of this configuration: the token
// service over st (sealed with KMS through kmsClient, or the local key)
// and the Shopify client. readSecret reads AppSecretParameter (nil where
// only AppSecret can be used). If the secret cannot be read at cold start,
// the check still runs (logged): only refreshing expiring tokens is off,
// so that the public /api/health, in the same function, never depends on
// SSM.
func (c StoresConfig) NewStoreChecker(ctx context.Context, st *store.Store, kmsClient secrets.KMSAPI,
	readSecret func(ctx context.Context, name string) (string, error), log *slog.Logger) (*StoreChecker, error) {
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
	secret := c.AppSecret
	if secret == "" && readSecret != nil {
		if secret, err = readSecret(ctx, c.AppSecretParameter); err != nil {
			log.Error("rest-health: shopify app secret unreadable; expiring tokens will not be refreshed by the store check", "error", err.Error())
			secret = ""
		}
	}
	if secret != "" {
		endpoint = &oauth.App{APIKey: c.AppKey, APISecret: secret, BaseURL: c.baseURL()}
	}
	return &StoreChecker{
		Connections: st,
		Sessions:    shoptokens.New(st, sealer, endpoint, shoptokens.Options{Log: log}),
		Shopify:     shopify.Config{APIVersion: c.APIVersion, BaseURL: c.baseURL(), UserAgent: "flux-health"},
		Timeout:     c.Timeout,
	}, nil
}
