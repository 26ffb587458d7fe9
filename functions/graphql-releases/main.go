// Command graphql-releases is the releases resolver-group function:
// release, releaseByPrNumber, releaseChanges, deployJob, approvalRules,
// createRelease, approveRelease, triggerReleaseDeploy, cancelRelease and
// setApprovalRules (shared/release/releasegroup), invoked only by the
// graphql gateway. A triggered deploy is announced on the DeployQueue for
// worker-deploy.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/release/releasegroup"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		log.Error("graphql-releases init failed", "error", err.Error())
		os.Exit(1)
	}
	g, err := releasegroup.NewFromEnv(platform.NewEnv(), cfg, log)
	if err != nil {
		log.Error("graphql-releases init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(g.Handle)
}
