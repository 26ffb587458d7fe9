// Command rest-heartbeat answers GET /api/heartbeat: liveness, no
// dependencies (shared/health/heartbeat).
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/health/heartbeat"
	"github.com/flux-platform/flux/shared/platform"
)

func main() {
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	lambda.Start(platform.APIGatewayHandler(heartbeat.NewHandler(log)))
}
