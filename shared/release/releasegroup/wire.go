package releasegroup

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/flux-platform/flux/shared/blobstore"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store"
)

var (
	_ Store            = (*store.Store)(nil)
	_ release.Versions = StoreVersions{}
	_ Queue            = SQSQueue{}
)

// NewFromEnv is the one wiring of functions/graphql-releases and the local
// stack: the table (TABLE_NAME), the bucket of large version bodies
// (BUCKET_NAME), the DeployQueue (DEPLOY_QUEUE_URL) and the audit log
// (AUDIT_RETENTION).
func NewFromEnv(env *platform.Env, awsCfg aws.Config, log *slog.Logger) (*rpc.Group, error) {
	table := env.String("TABLE_NAME")
	bucket := env.String("BUCKET_NAME")
	queueURL := env.String("DEPLOY_QUEUE_URL")
	if err := env.Err(); err != nil {
		return nil, err
	}
	st := store.New(dynamodb.NewFromConfig(awsCfg), table)
	rec := store.NewAuditLog(st, env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	blobs := blobstore.S3{Client: s3.NewFromConfig(awsCfg), Bucket: bucket}
	return New(Options{
		Storage: st, Store: st, Versions: StoreVersions{Store: st, Blobs: blobs},
		Queue: SQSQueue{Client: sqs.NewFromConfig(awsCfg), URL: queueURL}, Audit: rec, Log: log,
	}), nil
}

// TombstoneHash is the hash of a deleted object's version (ingest.Tombstone,
// whose package this one does not link: a test keeps them equal).
var TombstoneHash = capture.HashBytes([]byte(`{"$deleted":true}`))

// StoreVersions reads captures for the changeset: objects are enumerated
// through the shop's mappings (a deleted object's mapping is removed), and
// a tombstoned CURRENT counts as absent.
type StoreVersions struct {
	Store *store.Store
	Blobs store.Blobs
}

// Canonicals pages the shop's mappings of type t.
func (v StoreVersions) Canonicals(ctx context.Context, tenantID string, t mapping.ObjectType, shop, after string, limit int) ([]string, string, error) {
	ms, _, err := v.Store.ListMappings(ctx, tenantID, t, shop, mapping.ListPage{Limit: limit, After: after})
	if err != nil {
		return nil, "", err
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Canonical
	}
	next := ""
	if len(ms) == limit {
		next = ms[len(ms)-1].Canonical
	}
	return out, next, nil
}

// Currents reads CURRENT pointers in batches, leaving out tombstones.
func (v StoreVersions) Currents(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, canonicals []string) (map[string]release.VersionRef, error) {
	refs, err := v.Store.CurrentRefs(ctx, tenantID, t, shop, canonicals)
	if err != nil {
		return nil, err
	}
	out := make(map[string]release.VersionRef, len(refs))
	for c, r := range refs {
		if r.Hash != TombstoneHash {
			out[c] = release.VersionRef{Seq: r.Seq, Hash: r.Hash}
		}
	}
	return out, nil
}

// Bodies reads version bodies (batched; S3 for large ones).
func (v StoreVersions) Bodies(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, seqs map[string]int64) (map[string][]byte, error) {
	vs, err := v.Store.VersionsBySeq(ctx, tenantID, t, shop, seqs)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(vs))
	for c, ver := range vs {
		b, err := v.Store.VersionBody(ctx, v.Blobs, ver)
		if err != nil {
			return nil, err
		}
		out[c] = b
	}
	for c := range seqs {
		if _, ok := out[c]; !ok {
			return nil, fmt.Errorf("version %d of %s/%s in %s is missing", seqs[c], t, c, shop)
		}
	}
	return out, nil
}

// SQSClient is the part of *sqs.Client the queue uses.
type SQSClient interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// SQSQueue sends release.Messages to the DeployQueue.
type SQSQueue struct {
	Client SQSClient
	URL    string
}

// Send sends m.
func (q SQSQueue) Send(ctx context.Context, m release.Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("marshal deploy message: %w", err)
	}
	if _, err := q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.URL), MessageBody: aws.String(string(b))}); err != nil {
		return fmt.Errorf("send deploy message %s: %w", m.JobID, err)
	}
	return nil
}
