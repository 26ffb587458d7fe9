// Command baseline is the yardstick of `make bench`: a Go Lambda built like
// every Flux function that loads the AWS configuration, creates the same
// AWS SDK clients Flux's functions use (DynamoDB, SQS, S3, Lambda, SSM) and
// does nothing else. A function's size and start-up time are reported as
// ratios against this.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// clients keeps the clients reachable so the linker keeps them, as a real
// function's handler would.
var clients []any

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		os.Exit(1)
	}
	clients = append(clients,
		dynamodb.NewFromConfig(cfg),
		sqs.NewFromConfig(cfg),
		s3.NewFromConfig(cfg),
		awslambda.NewFromConfig(cfg),
		ssm.NewFromConfig(cfg),
	)
	lambda.Start(func(context.Context) error { return nil })
}
