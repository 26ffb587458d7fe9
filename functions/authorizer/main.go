// Command authorizer is the API Gateway Lambda authorizer: Flux API keys and
// Shopify session tokens in, the caller's identity out (shared/auth).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/store"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	a, err := build(ctx, log)
	if err != nil {
		log.Error("authorizer init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(a.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*auth.Authorizer, error) {
	c, err := auth.LoadAuthorizerConfig(platform.NewEnv())
	if err != nil {
		return nil, err
	}
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	readSecret := awsenv.SSMReader(cfg)
	return c.NewAuthorizer(ctx, store.New(dynamodb.NewFromConfig(cfg), c.Table), readSecret, log)
}
