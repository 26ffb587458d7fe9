package webhooks

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
)

// NewFromEnv builds the webhook-shopify function's handler of a cold start
// from its environment (LoadConfig) and the one aws.Config: the one wiring
// of functions/webhook-shopify and the local stack. readSecret reads
// SHOPIFY_API_SECRET_PARAMETER; nil where the secret is given directly.
func NewFromEnv(ctx context.Context, env *platform.Env, awsCfg aws.Config, readSecret SecretReader, log *slog.Logger) (http.Handler, error) {
	c, err := LoadConfig(env)
	if err != nil {
		return nil, err
	}
	r, err := c.NewReceiver(ctx, store.New(dynamodb.NewFromConfig(awsCfg), c.Table), sqs.NewFromConfig(awsCfg), readSecret, log)
	if err != nil {
		return nil, err
	}
	return NewHandler(log, r), nil
}
