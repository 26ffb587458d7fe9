package mappinggroup

import (
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store"
)

var _ Store = (*store.Store)(nil)

// NewFromEnv is the one wiring of functions/graphql-mappings and the local
// stack: the table (TABLE_NAME) for the group, the mappings and the audit
// log (AUDIT_RETENTION).
func NewFromEnv(env *platform.Env, awsCfg aws.Config, log *slog.Logger) (*rpc.Group, error) {
	table := env.String("TABLE_NAME")
	if err := env.Err(); err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), table)
	rec := store.NewAuditLog(st, env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	return New(st, st, log, WithAudit(rec)), nil
}
