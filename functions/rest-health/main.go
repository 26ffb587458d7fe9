// Command rest-health answers GET /api/health: the status of the table, the
// queues and the bucket (shared/health).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/health"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	cfg, err := health.LoadConfig(platform.NewEnv())
	if err != nil {
		log.Error("rest-health init failed", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := awsenv.Load(ctx)
	if err != nil {
		log.Error("rest-health init failed", "error", err.Error())
		os.Exit(1)
	}
	h := health.NewHandler(log, cfg, health.Clients{
		DynamoDB: dynamodb.NewFromConfig(awsCfg),
		SQS:      sqs.NewFromConfig(awsCfg),
		S3:       s3.NewFromConfig(awsCfg),
	})
	lambda.Start(platform.APIGatewayHandler(h))
}
