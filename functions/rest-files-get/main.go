// Command rest-files-get answers GET /api/v1/files/{id}, a file's metadata (shared/files/filesapi).
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/files/filesapi"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	h, err := build(ctx, log)
	if err != nil {
		log.Error("rest-files-get init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(platform.APIGatewayHandler(h))
}

func build(ctx context.Context, log *slog.Logger) (http.Handler, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	return filesapi.NewFromEnv(filesapi.Get, platform.NewEnv(), cfg, log)
}
