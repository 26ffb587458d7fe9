// Command worker-deploy runs deploy and rollback jobs from DeployQueue
// (shared/deploy): validates the changeset, layers it, snapshots the
// target, writes, verifies, captures, and continues itself through
// DeployQueue before its deadline.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/deploy"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	w, err := build(ctx, log)
	if err != nil {
		log.Error("worker-deploy init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(w.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*deploy.Worker, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	return deploy.NewFromEnv(ctx, platform.NewEnv(), cfg, awsenv.SSMReader(cfg), log)
}
