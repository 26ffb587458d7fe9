package syncworker

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/stores/storestokens"
	"github.com/flux-platform/flux/shared/sync/syncqueue"
)

// NewFromEnv builds the worker of a cold start from the function's
// environment: TABLE_NAME, BUCKET_NAME, SYNC_QUEUE_URL, the Shopify and
// token settings of storestokens.NewConnector, and, for fault-injection
// tests only, FLUX_FAULT_SYNC_CRASH_AFTER_UNITS. The one wiring of
// functions/worker-sync and the local stack.
func NewFromEnv(ctx context.Context, env *platform.Env, awsCfg aws.Config,
	readSecret func(ctx context.Context, name string) (string, error), log *slog.Logger) (*Worker, error) {
	bucket := env.String("BUCKET_NAME")
	queueURL := env.String("SYNC_QUEUE_URL")
	crash := env.Int("FLUX_FAULT_SYNC_CRASH_AFTER_UNITS", 0)
	margin := env.Int("SYNC_RUN_MARGIN_SECONDS", 15)
	if err := env.Err(); err != nil {
		return nil, err
	}
	conn, st, err := storestokens.NewConnector(ctx, env, awsCfg, readSecret, log, "flux-sync")
	if err != nil {
		return nil, err
	}
	blobs := blobstore.S3{Client: s3.NewFromConfig(awsCfg), Bucket: bucket}
	return &Worker{
		Store:   st,
		Readers: ShopReaders{Clients: conn},
		Capturers: func(tenantID, shop, syncID string) Capturer {
			return ingest.New(st, blobs, tenantID, shop, syncID)
		},
		Blobs:   blobs,
		Queue:   syncqueue.SQSQueue{Client: sqs.NewFromConfig(awsCfg), URL: queueURL},
		Log:     log,
		Options: Options{CrashAfterUnits: crash, Margin: time.Duration(margin) * time.Second},
	}, nil
}
