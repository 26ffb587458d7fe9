// Command mcp is Flux's MCP server: POST /api/mcp, MCP's Streamable HTTP
// transport in stateless JSON mode (shared/mcp). Its tools call the
// resolver-group functions through lambda:InvokeFunction, as the GraphQL
// gateway does, and read object versions from the table and the bucket.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/mcp"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	h, err := build(ctx, log)
	if err != nil {
		log.Error("mcp init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(platform.APIGatewayHandler(h))
}

func build(ctx context.Context, log *slog.Logger) (http.Handler, error) {
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	return mcp.NewFromEnv(platform.NewEnv(), cfg, log)
}
