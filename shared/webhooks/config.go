package webhooks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// Defaults of the receiver's configuration.
const (
	// DefaultMaxBodyBytes caps a delivery's body (WEBHOOK_MAX_BODY_BYTES).
	// Shopify's product payloads carry at most 100 variants in full; 1 MiB
	// is far above any payload Flux subscribes to.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultMaxMessageBytes is SQS's classic message size limit (256 KiB),
	// which every queue and moto accept (WEBHOOK_MAX_MESSAGE_BYTES).
	DefaultMaxMessageBytes = 256 << 10
	// DefaultDedupeTTL is how long a delivery's id is remembered
	// (WEBHOOK_DEDUPE_TTL): Shopify retries a failed delivery 8 times over
	// 4 hours with the same X-Shopify-Webhook-Id; 48 h covers those retries
	// and late redeliveries many times over, for one small item per
	// delivery.
	DefaultDedupeTTL = 48 * time.Hour
	// DefaultClaimLease bounds how long a request may hold a delivery
	// between claiming it and enqueuing it (WEBHOOK_CLAIM_LEASE): longer
	// than the function's timeout (10 s), so that only a request that died
	// loses its claim to a retry.
	DefaultClaimLease = 30 * time.Second
)

// Config is the webhook-shopify function's configuration.
type Config struct {
	Table    string
	QueueURL string
	// The Shopify app secret: given directly (local stack) or as the name
	// of an SSM SecureString (AWS), read once at cold start.
	Secret, SecretParameter string
	MaxBodyBytes            int64
	MaxMessageBytes         int
	DedupeTTL, ClaimLease   time.Duration
}

// LoadConfig reads TABLE_NAME, EVENTS_QUEUE_URL, SHOPIFY_API_SECRET or
// SHOPIFY_API_SECRET_PARAMETER, and the optional WEBHOOK_MAX_BODY_BYTES,
// WEBHOOK_MAX_MESSAGE_BYTES, WEBHOOK_DEDUPE_TTL and WEBHOOK_CLAIM_LEASE,
// reporting every problem at once.
func LoadConfig(env *platform.Env) (Config, error) {
	c := Config{
		Table:           env.String("TABLE_NAME"),
		QueueURL:        env.String("EVENTS_QUEUE_URL"),
		Secret:          env.StringOr("SHOPIFY_API_SECRET", ""),
		SecretParameter: env.StringOr("SHOPIFY_API_SECRET_PARAMETER", ""),
		MaxBodyBytes:    int64(env.Int("WEBHOOK_MAX_BODY_BYTES", DefaultMaxBodyBytes)),
		MaxMessageBytes: env.Int("WEBHOOK_MAX_MESSAGE_BYTES", DefaultMaxMessageBytes),
		DedupeTTL:       env.Duration("WEBHOOK_DEDUPE_TTL", DefaultDedupeTTL),
		ClaimLease:      env.Duration("WEBHOOK_CLAIM_LEASE", DefaultClaimLease),
	}
	var problems []string
	if err := env.Err(); err != nil {
		problems = append(problems, err.Error())
	}
	if c.Secret == "" && c.SecretParameter == "" {
		problems = append(problems, "SHOPIFY_API_SECRET or SHOPIFY_API_SECRET_PARAMETER is required")
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 10<<20 {
		problems = append(problems, "WEBHOOK_MAX_BODY_BYTES must be between 1024 and 10485760 (API Gateway's limit)")
	}
	if c.MaxMessageBytes < 1024 || c.MaxMessageBytes > 1<<20 {
		problems = append(problems, "WEBHOOK_MAX_MESSAGE_BYTES must be between 1024 and 1048576 (SQS's limit)")
	}
	if c.DedupeTTL < time.Hour {
		problems = append(problems, "WEBHOOK_DEDUPE_TTL must be at least 1h (Shopify retries for 4h)")
	}
	if c.ClaimLease < time.Second || c.ClaimLease > 15*time.Minute {
		problems = append(problems, "WEBHOOK_CLAIM_LEASE must be between 1s and 15m")
	}
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// SecretReader reads a named secret (an SSM SecureString in AWS).
type SecretReader func(ctx context.Context, name string) (string, error)

// NewReceiver builds the receiver of a cold start. readSecret is called
// only when the secret is given by parameter name; nil means none can be
// read here (the local stack gives SHOPIFY_API_SECRET).
func (c Config) NewReceiver(ctx context.Context, deliveries Deliveries, queue Queue, readSecret SecretReader, log *slog.Logger) (*Receiver, error) {
	secret := c.Secret
	if secret == "" {
		if readSecret == nil {
			return nil, errors.New("configuration: SHOPIFY_API_SECRET_PARAMETER cannot be read here; set SHOPIFY_API_SECRET")
		}
		var err error
		if secret, err = readSecret(ctx, c.SecretParameter); err != nil {
			return nil, fmt.Errorf("read shopify app secret: %w", err)
		}
	}
	return &Receiver{
		Secret:          secret,
		Deliveries:      deliveries,
		Queue:           queue,
		QueueURL:        c.QueueURL,
		MaxBodyBytes:    c.MaxBodyBytes,
		MaxMessageBytes: c.MaxMessageBytes,
		DedupeTTL:       c.DedupeTTL,
		ClaimLease:      c.ClaimLease,
		Log:             log,
	}, nil
}
