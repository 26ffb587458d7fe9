package deploy

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopwrite"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores/storestokens"
)

var _ Queue = releasegroup.SQSQueue{}

// NewFromEnv builds the worker of a cold start from the function's
// environment: TABLE_NAME, BUCKET_NAME, DEPLOY_QUEUE_URL, the Shopify and
// token settings of storestokens.NewConnector, DEPLOY_CONCURRENCY
// (default 4), DEPLOY_RUN_MARGIN_SECONDS (default 10) and, for
// fault-injection tests only, FLUX_FAULT_DEPLOY_CRASH_AFTER_WRITES. The
// one wiring of functions/worker-deploy and the local stack.
func NewFromEnv(ctx context.Context, env *platform.Env, awsCfg aws.Config,
	readSecret func(ctx context.Context, name string) (string, error), log *slog.Logger) (*Worker, error) {
	bucket := env.String("BUCKET_NAME")
	queueURL := env.String("DEPLOY_QUEUE_URL")
	conc := env.Int("DEPLOY_CONCURRENCY", 4)
	margin := env.Int("DEPLOY_RUN_MARGIN_SECONDS", 10)
	crash := env.Int("FLUX_FAULT_DEPLOY_CRASH_AFTER_WRITES", 0)
	if err := env.Err(); err != nil {
		return nil, err
	}
	conn, st, err := storestokens.NewConnector(ctx, env, awsCfg, readSecret, log, "flux-deploy")
	if err != nil {
		return nil, err
	}
	blobs := blobstore.S3{Client: s3.NewFromConfig(awsCfg), Bucket: bucket}
	return &Worker{
		Executor: &Executor{
			Store: st, Blobs: blobs, Targets: ShopTargets{Clients: conn, Store: st},
			Capturers: func(tenantID, shop, syncID string) Capturer { return ingest.New(st, blobs, tenantID, shop, syncID) },
			Log:       log,
			Options:   Options{Concurrency: conc, Margin: time.Duration(margin) * time.Second, CrashAfterWrites: crash},
		},
		Queue: releasegroup.SQSQueue{Client: sqs.NewFromConfig(awsCfg), URL: queueURL},
	}, nil
}

// Clients give Shopify clients for a tenant's shops (stores.Connector).
type Clients interface {
	Client(ctx context.Context, tenantID, domain string) (*shopify.Client, error)
}

// ShopTargets are Targets over Shopify clients and the table's mappings.
type ShopTargets struct {
	Clients Clients
	Store   *store.Store
}

// Target is the shop's writer and reader.
func (s ShopTargets) Target(ctx context.Context, tenantID, shop string) (Target, error) {
	c, err := s.Clients.Client(ctx, tenantID, shop)
	if err != nil {
		return nil, err
	}
	return ShopTarget{Writer: shopwrite.New(c, s.Store, tenantID)}, nil
}

// ShopTarget is a Target: a shopwrite.Writer, and reads back through the
// same client, normalised with the writer's resolver (the target's
// mappings).
type ShopTarget struct {
	*shopwrite.Writer
}

// Read reads gid back.
func (t ShopTarget) Read(ctx context.Context, typ mapping.ObjectType, gid string) (catalog.Object, []byte, bool, error) {
	if gid == "" {
		return catalog.Object{}, nil, false, nil
	}
	obj, err := (&catalog.Reader{Client: t.Client}).Get(ctx, typ, gid)
	if platform.KindOf(err) == platform.KindNotFound {
		return catalog.Object{}, nil, false, nil
	}
	if err != nil {
		return catalog.Object{}, nil, false, err
	}
	c, _, err := capture.Normalizer{Resolver: t.Resolver}.Normalize(ctx, typ, obj.Raw)
	if err != nil {
		return catalog.Object{}, nil, false, err
	}
	return obj, capture.Encode(c), true, nil
}
