// Command graphql-stores is the stores resolver-group function: seed 000's
// list queries read live from the caller's Shopify stores (shared/stores),
// invoked only by the graphql gateway.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/stores/storestokens"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	h, err := build(ctx, log)
	if err != nil {
		log.Error("graphql-stores init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*rpc.Group, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	readSecret := awsenv.SSMReader(cfg)
	g, err := storestokens.NewGroup(ctx, platform.NewEnv(), cfg, readSecret, log)
	if err != nil {
		return nil, err
	}
	return g.RPC(log), nil
}
