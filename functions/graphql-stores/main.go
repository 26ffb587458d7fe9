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

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	env := platform.NewEnv()
	table := env.String("TABLE_NAME")
	if err := env.Err(); err != nil {
		log.Error("graphql-stores init failed", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := stores.LoadConfig(env)
	if err != nil {
		log.Error("graphql-stores init failed", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := awsenv.Load(ctx)
	if err != nil {
		log.Error("graphql-stores init failed", "error", err.Error())
		os.Exit(1)
	}
	st := &store.Store{DB: dynamodb.NewFromConfig(awsCfg), Table: table}
	// Shop access tokens: the token service (encrypted tokens in the table)
	// replaces NotConnected when it lands; until then every store answers
	// "not connected".
	group := stores.New(st, stores.NotConnected{}, cfg, shopify.DefaultThrottle(), log)
	lambda.Start(group.Handle)
}
