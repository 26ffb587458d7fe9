package events

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// Store is what the worker needs of the table (*store.Store).
type Store interface {
	TenantByShop(ctx context.Context, shop string) (string, error)
	ShopConnection(ctx context.Context, tenantID, shop string) (store.ShopConnection, error)
	MarkShopUninstalled(ctx context.Context, tenantID, shop string, now time.Time) error
	EnsureEventSync(ctx context.Context, tenantID string, t fsync.Type, at time.Time) (string, error)
	RecordOperations(ctx context.Context, tenantID, syncID string, ops []fsync.Operation) error
	AddSyncStats(ctx context.Context, tenantID, syncID string, d fsync.Stats) error
}

// Actor is the audit actor of the events worker.
var Actor = audit.SystemActor("worker-events")

// Clients makes a Shopify client for a tenant's shop (stores.Connector).
type Clients interface {
	Client(ctx context.Context, tenantID, shop string) (*shopify.Client, error)
}

// Getter reads one object by GID (*catalog.Reader); a gone object is
// KindNotFound.
type Getter interface {
	Get(ctx context.Context, t mapping.ObjectType, gid string) (catalog.Object, error)
}

// Capturer records one object's capture or deletion (*ingest.Capturer).
type Capturer interface {
	Capture(ctx context.Context, obj catalog.Object, sourceAt time.Time) (ingest.Result, error)
	Delete(ctx context.Context, t mapping.ObjectType, gid string, at time.Time) (ingest.Result, error)
}

// Handler is the EventsQueue consumer. Build it with New; the function
// fields are there for tests.
type Handler struct {
	Store   Store
	Clients Clients
	// Reader is the object reader over a shop's client.
	Reader func(c *shopify.Client) Getter
	// Capturer records under syncID for shop of tenantID.
	Capturer func(tenantID, shop, syncID string) Capturer
	Now      func() time.Time
	Log      *slog.Logger
	// Reserve is the time left before the invocation's deadline under
	// which messages are no longer started (they are reported failed, so
	// SQS redelivers them instead of the function timing out midway).
	Reserve time.Duration
	// Audit records the connection changes the worker makes
	// (app/uninstalled, shop/redact) as Actor; nil records nothing.
	Audit audit.Recorder

	syncs sync.Map // tenant|type|day → event sync id, for this process's life
}

// Handle applies a batch. Messages are applied one after another: a batch
// is small, and two events of one object in one batch then never race.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		if dl, ok := ctx.Deadline(); (ok && time.Until(dl) < h.Reserve) || ctx.Err() != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		r := h.safeProcess(ctx, m)
		h.logResult(ctx, m, r)
		if r.outcome == retry || r.outcome == dead {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

// safeProcess turns a panic into a retry of that message alone.
func (h *Handler) safeProcess(ctx context.Context, m events.SQSMessage) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r = result{outcome: retry, what: "panic", err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())}
		}
	}()
	return h.process(ctx, m)
}

func (h *Handler) logResult(ctx context.Context, m events.SQSMessage, r result) {
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	attrs := []any{"message_id", m.MessageId, "outcome", r.outcome.String(), "what", r.what,
		"receive_count", m.Attributes["ApproximateReceiveCount"]}
	if r.env != nil {
		attrs = append(attrs, "topic", r.env.Topic, "shop", r.env.Shop, "webhook_id", r.env.WebhookID,
			"triggered_at", r.env.TriggeredAt)
	}
	if r.tenantID != "" {
		attrs = append(attrs, "tenant_id", r.tenantID)
	}
	if r.syncID != "" {
		attrs = append(attrs, "sync_id", r.syncID)
	}
	for _, op := range r.ops {
		attrs = append(attrs, "op", string(op.Type)+" "+op.ObjectType+" "+op.Canonical)
	}
	if r.err != nil {
		attrs = append(attrs, "error", r.err.Error())
	}
	level := slog.LevelInfo
	switch r.outcome {
	case dropped, retry:
		level = slog.LevelWarn
	case dead:
		level = slog.LevelError
	}
	log.Log(ctx, level, "event", attrs...)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}
