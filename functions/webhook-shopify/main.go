// Command webhook-shopify receives Shopify's webhook deliveries (POST
// /webhooks/shopify): HMAC, dedupe, one message on EventsQueue
// (shared/webhooks).
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/webhooks"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	h, err := build(ctx, log)
	if err != nil {
		log.Error("webhook-shopify init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(platform.APIGatewayHandler(h))
}

func build(ctx context.Context, log *slog.Logger) (http.Handler, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	readSecret := awsenv.SSMReader(cfg)
	return webhooks.NewFromEnv(ctx, platform.NewEnv(), cfg, readSecret, log)
}
