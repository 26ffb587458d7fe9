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
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/flux-platform/flux/shared/health"
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
		log.Error("rest-health init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(platform.APIGatewayHandler(h))
}

func build(ctx context.Context, log *slog.Logger) (http.Handler, error) {
	env := platform.NewEnv()
	cfg, err := health.LoadConfig(env)
	if err != nil {
		return nil, err
	}
	sc, err := health.LoadStoresConfig(env)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	ddb := dynamodb.NewFromConfig(awsCfg)
	readSecret := func(ctx context.Context, name string) (string, error) {
		return awsenv.SSMParameter(ctx, ssm.NewFromConfig(awsCfg), name)
	}
	stores, err := sc.NewStoreChecker(ctx, store.New(ddb, sc.Table), kms.NewFromConfig(awsCfg), readSecret, log)
	if err != nil {
		return nil, err
	}
	return health.NewFunctionHandler(log, cfg, health.Clients{
		DynamoDB: ddb,
		SQS:      sqs.NewFromConfig(awsCfg),
		S3:       s3.NewFromConfig(awsCfg),
	}, stores), nil
}
