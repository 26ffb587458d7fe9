// Command graphql is the GraphQL gateway function: POST /api/graphql (and
// the playground and SDL). It owns the schema and delegates every field to a
// resolver-group function through lambda:InvokeFunction (shared/graphql, shared/rpc).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/flux-platform/flux/shared/graphql"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/rpc"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	env := platform.NewEnv()
	functions := map[string]string{}
	for group, name := range graphql.GroupFunctionEnv {
		functions[group] = env.String(name)
	}
	if err := env.Err(); err != nil {
		log.Error("graphql init failed", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		log.Error("graphql init failed", "error", err.Error())
		os.Exit(1)
	}
	transport := rpc.LambdaInvoke{
		Client:    awslambda.NewFromConfig(cfg),
		Functions: functions,
	}
	h, err := graphql.NewHandler(graphql.Options{Transport: transport, Log: log})
	if err != nil {
		log.Error("graphql init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(platform.APIGatewayHandler(h))
}
