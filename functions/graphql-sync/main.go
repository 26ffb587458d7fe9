// Command graphql-sync is the sync resolver-group function: startSync,
// syncStatus, syncHistory, sync and syncOperations
// (shared/sync/syncgroup), invoked only by the graphql gateway. A started
// sync is announced on the SyncQueue for worker-sync, and audited.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/sync/syncgroup"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	g, err := build(ctx, log)
	if err != nil {
		log.Error("graphql-sync init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(g.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*rpc.Group, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	return syncgroup.NewFromEnv(platform.NewEnv(), cfg, log)
}
