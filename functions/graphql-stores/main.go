// Command graphql-stores is the stores resolver-group function: seed 000's
// list queries read live from the caller's Shopify stores (shared/stores),
// invoked only by the graphql gateway.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores"
	"github.com/flux-platform/flux/shared/stores/storestokens"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	group, err := build(ctx, log)
	if err != nil {
		log.Error("graphql-stores init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(group.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*rpc.Group, error) {
	env := platform.NewEnv()
	table := env.String("TABLE_NAME")
	cfg, err := stores.LoadConfig(env)
	if err != nil {
		return nil, err
	}
	tc, err := storestokens.LoadConfig(env)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), table)
	readSecret := func(ctx context.Context, name string) (string, error) {
		return awsenv.SSMParameter(ctx, ssm.NewFromConfig(awsCfg), name)
	}
	// The token service when TOKEN_KMS_KEY_ID is set; every store "not
	// connected" otherwise.
	tokens, err := tc.Tokens(ctx, st, kms.NewFromConfig(awsCfg), readSecret, cfg, log)
	if err != nil {
		return nil, err
	}
	return stores.New(st, tokens, cfg, shopify.DefaultThrottle(), log), nil
}
