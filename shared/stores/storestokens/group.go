package storestokens

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores"
)

// NewGroup builds the stores group of a cold start from the function's
// environment (TABLE_NAME, stores.LoadConfig, LoadConfig): the one wiring of
// graphql-stores, rest-rate-limits and the local stack. readSecret reads the
// app secret's parameter for token refreshes; nil where it is given directly.
func NewGroup(ctx context.Context, env *platform.Env, awsCfg aws.Config,
	readSecret func(ctx context.Context, name string) (string, error), log *slog.Logger) (*stores.Group, error) {
	table := env.String("TABLE_NAME")
	cfg, err := stores.LoadConfig(env)
	if err != nil {
		return nil, err
	}
	tc, err := LoadConfig(env)
	if err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), table)
	tokens, err := tc.Tokens(ctx, st, kms.NewFromConfig(awsCfg), readSecret, cfg, log)
	if err != nil {
		return nil, err
	}
	return stores.NewGroup(st, tokens, cfg, shopify.DefaultThrottle()), nil
}

// NewConnector builds the Shopify client source of a cold start from the
// function's environment (as NewGroup): the one wiring of the sync and
// events workers. It returns the store it reads tokens from too.
func NewConnector(ctx context.Context, env *platform.Env, awsCfg aws.Config,
	readSecret func(ctx context.Context, name string) (string, error), log *slog.Logger, userAgent string) (stores.Connector, *store.Store, error) {
	table := env.String("TABLE_NAME")
	cfg, err := stores.LoadConfig(env)
	if err != nil {
		return stores.Connector{}, nil, err
	}
	tc, err := LoadConfig(env)
	if err != nil {
		return stores.Connector{}, nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), table)
	tokens, err := tc.Tokens(ctx, st, kms.NewFromConfig(awsCfg), readSecret, cfg, log)
	if err != nil {
		return stores.Connector{}, nil, err
	}
	return stores.Connector{Tokens: tokens, Config: cfg, Throttle: shopify.DefaultThrottle(), UserAgent: userAgent}, st, nil
}
