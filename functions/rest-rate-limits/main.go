// Command rest-rate-limits answers GET /api/rate-limits: the Shopify cost
// budget of every store of the caller's group, observed by a 1-point probe
// query per store (shared/stores).
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/stores"
	"github.com/flux-platform/flux/shared/stores/storestokens"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	h, err := build(ctx, log)
	if err != nil {
		log.Error("rest-rate-limits init failed", "error", err.Error())
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
	g, err := storestokens.NewGroup(ctx, platform.NewEnv(), cfg, readSecret, log)
	if err != nil {
		return nil, err
	}
	return stores.NewRateLimitsHandler(log, g), nil
}
