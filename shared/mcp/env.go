package mcp

import (
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/mapping/mappinggroup"
	"github.com/flux-platform/flux/shared/objects"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores"
	"github.com/flux-platform/flux/shared/sync/syncgroup"
)

// GroupFunctionEnv names, per resolver group the tools call, the
// environment variable holding that group's function. The names are the
// GraphQL gateway's (shared/graphql.GroupFunctionEnv; a test keeps them
// equal), declared here so the function does not link the GraphQL engine.
var GroupFunctionEnv = map[string]string{
	configgroup.GroupName:  "GROUP_FUNCTION_CONFIG",
	stores.GroupName:       "GROUP_FUNCTION_STORES",
	mappinggroup.GroupName: "GROUP_FUNCTION_MAPPINGS",
	syncgroup.GroupName:    "GROUP_FUNCTION_SYNC",
	releasegroup.GroupName: "GROUP_FUNCTION_RELEASES",
}

// Config is functions/mcp's typed configuration.
type Config struct {
	Table     string            // TABLE_NAME: object versions (history, diff)
	Bucket    string            // BUCKET_NAME: version bodies over the inline limit (diff)
	Functions map[string]string // group -> function (GROUP_FUNCTION_<GROUP>)
}

// LoadConfig reads the function's environment, failing on anything missing.
func LoadConfig(env *platform.Env) (Config, error) {
	c := Config{Table: env.String("TABLE_NAME"), Bucket: env.String("BUCKET_NAME"), Functions: map[string]string{}}
	for group, name := range GroupFunctionEnv {
		c.Functions[group] = env.String(name)
	}
	return c, env.Err()
}

// NewFromEnv is the one wiring of functions/mcp: the groups through
// lambda:InvokeFunction, versions from the table and the bucket.
func NewFromEnv(env *platform.Env, awsCfg aws.Config, log *slog.Logger) (http.Handler, error) {
	c, err := LoadConfig(env)
	if err != nil {
		return nil, err
	}
	return NewWithGroups(c, awsCfg, rpc.LambdaInvoke{Client: awslambda.NewFromConfig(awsCfg), Functions: c.Functions}, log)
}

// NewWithGroups is NewFromEnv with another transport to the groups: the
// local stack's in-process one.
func NewWithGroups(c Config, awsCfg aws.Config, groups rpc.Transport, log *slog.Logger) (http.Handler, error) {
	st := store.New(dynamodb.NewFromConfig(awsCfg), c.Table)
	blobs := blobstore.S3{Client: s3.NewFromConfig(awsCfg), Bucket: c.Bucket}
	return NewHandler(Options{Groups: groups, Objects: &objects.Service{Groups: st, Versions: st, Blobs: blobs}, Log: log})
}
