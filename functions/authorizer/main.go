// Command authorizer is the API Gateway Lambda authorizer: Flux API keys and
// Shopify session tokens in, the caller's identity out (shared/auth).
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
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

// build wires the authorizer once per cold start. SHOPIFY_API_KEY empty
// disables Shopify session tokens; otherwise the app secret comes from
// SHOPIFY_API_SECRET (local stack) or the SSM SecureString named by
// SHOPIFY_API_SECRET_PARAMETER (AWS).
func build(ctx context.Context, log *slog.Logger) (*auth.Authorizer, error) {
	env := platform.NewEnv()
	table := env.String("TABLE_NAME")
	shopifyKey := env.StringOr("SHOPIFY_API_KEY", "")
	shopifySecret := env.StringOr("SHOPIFY_API_SECRET", "")
	secretParam := env.StringOr("SHOPIFY_API_SECRET_PARAMETER", "")
	leeway := env.Duration("SHOPIFY_SESSION_LEEWAY", auth.DefaultSessionLeeway)
	touch := env.Duration("API_KEY_TOUCH_INTERVAL", auth.DefaultTouchInterval)
	if err := env.Err(); err != nil {
		return nil, err
	}
	cfg, err := platform.LoadAWS(ctx)
	if err != nil {
		return nil, err
	}
	var session *auth.SessionVerifier
	if shopifyKey != "" {
		if shopifySecret == "" && secretParam != "" {
			if shopifySecret, err = platform.SSMParameter(ctx, ssm.NewFromConfig(cfg), secretParam); err != nil {
				return nil, err
			}
		}
		if shopifySecret == "" {
			return nil, errors.New("configuration: SHOPIFY_API_KEY is set but neither SHOPIFY_API_SECRET nor SHOPIFY_API_SECRET_PARAMETER is")
		}
		if session, err = auth.NewSessionVerifier(shopifyKey, shopifySecret); err != nil {
			return nil, err
		}
		session.Leeway = leeway
	}
	st := &store.Store{DB: dynamodb.NewFromConfig(cfg), Table: table}
	return &auth.Authorizer{Keys: st, Shops: st, Session: session, TouchInterval: touch, Log: log}, nil
}
