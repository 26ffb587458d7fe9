// Command rest-health answers GET /api/health (public: the status of the
// table, the queues and the bucket) and GET /api/health/stores
// (authenticated: each store's Shopify reachability and token state), both
// from shared/health.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/health"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	h, err := build(ctx, log)
	if err != nil {
		log.Error("rest-health init failed", "error", err.Error())
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
	return health.NewFromEnv(ctx, platform.NewEnv(), cfg, readSecret, log)
}
