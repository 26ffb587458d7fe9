// Command worker-sync runs syncs from SyncQueue (shared/syncworker): reads
// the sync's stores, captures versions and operations, checkpoints, and
// continues itself through SyncQueue before its deadline.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/syncworker"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	w, err := build(ctx, log)
	if err != nil {
		log.Error("worker-sync init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(w.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*syncworker.Worker, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	return syncworker.NewFromEnv(ctx, platform.NewEnv(), cfg, awsenv.SSMReader(cfg), log)
}
