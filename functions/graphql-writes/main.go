// Command graphql-writes is the direct-writes resolver-group function:
// writeProduct, writeCollection, writePage, writeBlog, writeArticle,
// writeMenu, writeDiscount, writeMetaobjectDefinition, writeMetaobject,
// writeMetafieldDefinition, uploadFile and updateFile
// (shared/writes/writesgroup), invoked only by the graphql gateway. Each
// write goes to Shopify through shared/shopwrite, is captured into Flux's
// history and audited.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/writes/writesgroup"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	g, err := build(ctx, log)
	if err != nil {
		log.Error("graphql-writes init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(g.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*rpc.Group, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	return writesgroup.NewFromEnv(ctx, platform.NewEnv(), cfg, awsenv.SSMReader(cfg), log)
}
