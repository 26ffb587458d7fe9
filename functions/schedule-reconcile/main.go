// Command schedule-reconcile is the daily reconciliation (an EventBridge
// schedule): full OBJECTS, THEME and FILES syncs per tenant with stores
// (shared/sync/reconcile).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/sync/reconcile"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		log.Error("schedule-reconcile init failed", "error", err.Error())
		os.Exit(1)
	}
	r, err := reconcile.NewFromEnv(platform.NewEnv(), cfg, log)
	if err != nil {
		log.Error("schedule-reconcile init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(r.Handle)
}
