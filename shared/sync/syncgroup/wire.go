package syncgroup

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store"
)

var _ Store = (*store.Store)(nil)

// NewFromEnv is the one wiring of functions/graphql-sync and the local
// stack: the table (TABLE_NAME), the SyncQueue (SYNC_QUEUE_URL) started
// syncs are announced on, and the audit log (AUDIT_RETENTION).
func NewFromEnv(env *platform.Env, awsCfg aws.Config, log *slog.Logger) (*rpc.Group, error) {
	table := env.String("TABLE_NAME")
	queueURL := env.String("SYNC_QUEUE_URL")
	if err := env.Err(); err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), table)
	rec := store.NewAuditLog(st, env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	q := SQSQueue{Client: sqs.NewFromConfig(awsCfg), URL: queueURL}
	return New(Options{Storage: st, Store: st, Queue: q, Log: log, Audit: rec}), nil
}
