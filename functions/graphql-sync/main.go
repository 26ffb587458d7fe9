// Command graphql-sync is the sync resolver-group function: startSync,
// syncStatus, syncHistory, sync and syncOperations
// (shared/sync/syncgroup), invoked only by the graphql gateway. A started
// sync is announced on the SyncQueue for worker-sync.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/sync/syncgroup"
)

func main() {
	ctx := context.Background()
	log := platform.NewLogger(os.Stdout)
	slog.SetDefault(log)
	env := platform.NewEnv()
	table := env.String("TABLE_NAME")
	queueURL := env.String("SYNC_QUEUE_URL")
	if err := env.Err(); err != nil {
		log.Error("graphql-sync init failed", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		log.Error("graphql-sync init failed", "error", err.Error())
		os.Exit(1)
	}
	st := store.New(dynamodb.NewFromConfig(cfg), table)
	q := syncgroup.SQSQueue{Client: sqs.NewFromConfig(cfg), URL: queueURL}
	lambda.Start(syncgroup.New(syncgroup.Options{Storage: st, Store: st, Queue: q, Log: log}).Handle)
}
