// Package awsenv loads the AWS configuration of a cold start and the
// secrets functions read from AWS at init. It is its own package so that
// functions without AWS dependencies (heartbeat) do not link the SDK.
package awsenv

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// Load loads the one aws.Config of a cold start. Endpoints for the local
// stack come from the SDK's own variables (AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_S3, ...), so production code paths
// are the same everywhere.
func Load(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load aws config: %w", err)
	}
	return cfg, nil
}
