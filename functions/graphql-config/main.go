// Command graphql-config is the config resolver-group function: the tenant's
// store group and API keys (shared/config/configgroup), invoked only by the
// graphql gateway.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/store"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	env := platform.NewEnv()
	table := env.String("TABLE_NAME")
	if err := env.Err(); err != nil {
		log.Error("graphql-config init failed", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		log.Error("graphql-config init failed", "error", err.Error())
		os.Exit(1)
	}
	st := &store.Store{DB: dynamodb.NewFromConfig(cfg), Table: table}
	group := configgroup.New(st, &auth.Keys{Store: st}, log)
	lambda.Start(group.Handle)
}
