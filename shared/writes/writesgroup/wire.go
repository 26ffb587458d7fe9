package writesgroup

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/files/filesapi"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores"
	"github.com/flux-platform/flux/shared/stores/storestokens"
)

// Wire builds the group on the table, the bucket (large version bodies and
// Flux files), a Shopify client source and an audit recorder.
func Wire(st *store.Store, blobs store.Blobs, shops Shops, fs Files, rec store.AuditLog, log *slog.Logger) *rpc.Group {
	return New(Options{
		Groups: st, Store: st, Shops: shops, Files: fs, Audit: rec, Log: log,
		Writer: func(c *shopify.Client, tenantID string, fileURL func(context.Context, string) (string, error)) ShopWriter {
			w := shopwrite.New(c, st, tenantID)
			w.FileURL = fileURL
			return w
		},
		Capturer: func(tenantID, shop, syncID string) ObjectCapturer {
			return ingest.New(st, blobs, tenantID, shop, syncID)
		},
	})
}

// NewFromEnv is the one wiring of functions/graphql-writes and the local
// stack: the table (TABLE_NAME), the bucket (BUCKET_NAME: version bodies
// over the inline limit, Flux files for uploadFile), the shops' tokens
// (storestokens; readSecret reads the app secret for token refreshes) and
// the audit log (AUDIT_RETENTION).
func NewFromEnv(ctx context.Context, env *platform.Env, awsCfg aws.Config,
	readSecret func(ctx context.Context, name string) (string, error), log *slog.Logger) (*rpc.Group, error) {
	table := env.String("TABLE_NAME")
	bucket := env.String("BUCKET_NAME")
	if err := env.Err(); err != nil {
		return nil, err
	}
	conn, st, err := storestokens.NewConnector(ctx, env, awsCfg, readSecret, log, "flux-writes")
	if err != nil {
		return nil, err
	}
	rec := store.NewAuditLog(st, env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	blobs := blobstore.S3{Client: s3.NewFromConfig(awsCfg), Bucket: bucket}
	return Wire(st, blobs, conn, filesapi.NewReader(awsCfg, table, bucket), rec, log), nil
}

var _ Shops = stores.Connector{}
