package reconcile

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/sync/syncqueue"
)

// NewFromEnv builds the reconciler from TABLE_NAME and SYNC_QUEUE_URL: the
// one wiring of functions/schedule-reconcile and the local stack.
func NewFromEnv(env *platform.Env, awsCfg aws.Config, log *slog.Logger) (Reconciler, error) {
	table, queueURL := env.String("TABLE_NAME"), env.String("SYNC_QUEUE_URL")
	if err := env.Err(); err != nil {
		return Reconciler{}, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), table)
	q := syncqueue.SQSQueue{Client: sqs.NewFromConfig(awsCfg), URL: queueURL}
	return Reconciler{Tenants: st, Starter: fsync.Starter{Store: st, Send: q.Send}, Log: log}, nil
}
