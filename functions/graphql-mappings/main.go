// Command graphql-mappings is the mappings resolver-group function: canonical
// paths and their GIDs in each store of the caller's group
// (shared/mapping/mappinggroup), invoked only by the graphql gateway.
// Upserts and deletes are audited.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/mapping/mappinggroup"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/rpc"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	g, err := build(ctx, log)
	if err != nil {
		log.Error("graphql-mappings init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(g.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*rpc.Group, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	return mappinggroup.NewFromEnv(platform.NewEnv(), cfg, log)
}
