// Command graphql-mappings is the mappings resolver-group function: canonical
// paths and their GIDs in each store of the caller's group
// (shared/mapping/mappinggroup), invoked only by the graphql gateway.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/shared/mapping/mappinggroup"
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
		log.Error("graphql-mappings init failed", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		log.Error("graphql-mappings init failed", "error", err.Error())
		os.Exit(1)
	}
	st := store.New(dynamodb.NewFromConfig(cfg), table)
	lambda.Start(mappinggroup.New(st, st, log).Handle)
}
