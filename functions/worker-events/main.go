// Command worker-events applies Shopify webhook events from EventsQueue
// (shared/events): each object event is an incremental capture of that
// object; deletes, app/uninstalled and the compliance topics are handled.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/events"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	h, err := build(ctx, log)
	if err != nil {
		log.Error("worker-events init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*events.Handler, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	return events.NewFromEnv(ctx, platform.NewEnv(), cfg, awsenv.SSMReader(cfg), log)
}
