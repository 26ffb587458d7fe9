package awsenv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// SSMGetParameterAPI is the part of the SSM client SSMParameter uses.
type SSMGetParameterAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// SSMParameter reads one parameter, decrypting a SecureString. Functions
// call it once at cold start for secrets the template must not hold (the
// Shopify app secret); the value is never logged and an error never
// contains it.
func SSMParameter(ctx context.Context, client SSMGetParameterAPI, name string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", errors.New("ssm parameter: empty name")
	}
	out, err := client.GetParameter(ctx, &ssm.GetParameterInput{
		Name:           aws.String(name),
		WithDecryption: aws.Bool(true),
	})
	if err != nil {
		return "", fmt.Errorf("ssm parameter %s: %w", name, err)
	}
	if out == nil || out.Parameter == nil || aws.ToString(out.Parameter.Value) == "" {
		return "", fmt.Errorf("ssm parameter %s: no value", name)
	}
	return aws.ToString(out.Parameter.Value), nil
}

// SSMReader reads named parameters with one SSM client built from cfg: the
// secret reader every function that needs the Shopify app secret hands to
// its shared/ constructor.
func SSMReader(cfg aws.Config) func(ctx context.Context, name string) (string, error) {
	client := ssm.NewFromConfig(cfg)
	return func(ctx context.Context, name string) (string, error) {
		return SSMParameter(ctx, client, name)
	}
}
