// Command graphql-config is the config resolver-group function: the tenant's
// store group and API keys (shared/config/configgroup), invoked only by the
// graphql gateway. Key creation and revocation are audited.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/config/configgroup"
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
		log.Error("graphql-config init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(g.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*rpc.Group, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	return configgroup.NewFromEnv(platform.NewEnv(), cfg, log)
}
