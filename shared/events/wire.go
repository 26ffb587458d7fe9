package events

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores/storestokens"
)

// DefaultReserve is the time kept back before the invocation's deadline:
// one object read and capture fits in it.
const DefaultReserve = 10 * time.Second

// New is the worker over the table, the version bodies' blob store and a
// client maker for the tenants' shops (stores.Connector).
func New(st *store.Store, blobs store.Blobs, clients Clients, log *slog.Logger) *Handler {
	return &Handler{
		Store:   st,
		Clients: clients,
		Reader:  func(c *shopify.Client) Getter { return &catalog.Reader{Client: c} },
		Capturer: func(tenantID, shop, syncID string) Capturer {
			return ingest.New(st, blobs, tenantID, shop, syncID)
		},
		Now:     time.Now,
		Log:     log,
		Reserve: DefaultReserve,
	}
}

// NewFromEnv builds the worker of a cold start from the function's
// environment: TABLE_NAME, BUCKET_NAME (version bodies), AUDIT_RETENTION and the Shopify and
// token settings of storestokens.NewConnector. The one wiring of
// functions/worker-events and the local stack.
func NewFromEnv(ctx context.Context, env *platform.Env, awsCfg aws.Config,
	readSecret func(ctx context.Context, name string) (string, error), log *slog.Logger) (*Handler, error) {
	bucket := env.String("BUCKET_NAME")
	if err := env.Err(); err != nil {
		return nil, err
	}
	conn, st, err := storestokens.NewConnector(ctx, env, awsCfg, readSecret, log, "flux-events")
	if err != nil {
		return nil, err
	}
	rec := store.NewAuditLog(st, env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	h := New(st, blobstore.S3{Client: s3.NewFromConfig(awsCfg), Bucket: bucket}, conn, log)
	h.Audit = rec
	return h, nil
}
