// Command oauth-install answers GET /auth/shopify?shop=…: it starts the
// Shopify OAuth install of a store of the caller's group (shared/install).
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/shared/install"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/store"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	h, err := build(ctx, log)
	if err != nil {
		log.Error("oauth-install init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(platform.APIGatewayHandler(h))
}

func build(ctx context.Context, log *slog.Logger) (http.Handler, error) {
	c, err := install.LoadInstallConfig(platform.NewEnv())
	if err != nil {
		return nil, err
	}
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	readSecret := awsenv.SSMReader(cfg)
	return c.NewInstallFunction(ctx, store.New(dynamodb.NewFromConfig(cfg), c.Table), readSecret, log)
}
