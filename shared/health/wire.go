package health

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
)

// NewFromEnv builds the rest-health function's handler of a cold start from
// its environment (LoadConfig, LoadStoresConfig) and the one aws.Config: the
// one wiring of functions/rest-health and the local stack. readSecret reads
// the app secret's parameter for token refreshes; nil where it is given
// directly.
func NewFromEnv(ctx context.Context, env *platform.Env, awsCfg aws.Config,
	readSecret func(ctx context.Context, name string) (string, error), log *slog.Logger) (http.Handler, error) {
	cfg, err := LoadConfig(env)
	if err != nil {
		return nil, err
	}
	sc, err := LoadStoresConfig(env)
	if err != nil {
		return nil, err
	}
	ddb := dynamodb.NewFromConfig(awsCfg)
	stores, err := sc.NewStoreChecker(ctx, store.New(ddb, sc.Table), kms.NewFromConfig(awsCfg), readSecret, log)
	if err != nil {
		return nil, err
	}
	return NewFunctionHandler(log, cfg, Clients{
		DynamoDB: ddb,
		SQS:      sqs.NewFromConfig(awsCfg),
		S3:       s3.NewFromConfig(awsCfg),
	}, stores), nil
}
