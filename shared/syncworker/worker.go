// Package syncworker is the sync worker (functions/worker-sync): it runs a
// RUNNING sync to its end. Each SyncQueue message names a sync; the worker
// reads its checkpoint, reads the sync's stores (readFromStores, in order)
// step by step, captures what it reads (shared/ingest), records the
// operations, and saves a checkpoint after every unit of work (a page, a
// chunk of a bulk result, a batch of deletion checks). Before its Lambda
// deadline it sends a continuation message and returns; a crash or timeout
// at any point resumes from the last checkpoint: the replayed unit finds its
// versions current and its operations recorded, so nothing is duplicated,
// and the unit's counts are added with the checkpoint that follows it, once.
//
// Steps per sync type: OBJECTS reads catalog.ObjectOrder (what others
// reference first); FILES the file library; THEME the live theme with its
// files' bodies stored by checksum. Each (shop, type) step reads — in full
// (by bulk operation where the reader supports it) the first time a shop is
// read or when the sync is a reconciliation, otherwise incrementally since
// the shop's last completed read — then checks Flux's mappings of that type
// against what still exists in the shop, recording DELETEs.
package syncworker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/sync/reconcile"
)

// ReconcileTrigger is the triggeredBy of the daily reconciliation: its
// reads are full, never incremental.
const ReconcileTrigger = reconcile.Trigger

// Message is the SyncQueue message: which sync to run (or continue).
type Message = fsync.Message

// Store is what the worker needs of Flux's table.
type Store interface {
	GetSync(ctx context.Context, tenantID, syncID string) (fsync.Sync, error)
	SyncSlot(ctx context.Context, tenantID string, t fsync.Type) (running, queued *fsync.Sync, err error)
	SyncCheckpoint(ctx context.Context, tenantID, syncID string) (store.Checkpoint, error)
	SaveCheckpoint(ctx context.Context, tenantID, syncID string, prev int64, position string, stats fsync.Stats, at time.Time) error
	RecordOperations(ctx context.Context, tenantID, syncID string, ops []fsync.Operation) error
	EndSync(ctx context.Context, tenantID string, t fsync.Type, syncID string, st fsync.Status, errMsg string, at time.Time) (*fsync.Sync, error)
	ListMappings(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, page mapping.ListPage) ([]mapping.Mapping, int, error)
	SyncWatermark(ctx context.Context, tenantID string, t fsync.Type, shop string) (time.Time, error)
	SetSyncWatermark(ctx context.Context, tenantID string, t fsync.Type, shop string, at time.Time) error
}

var _ Store = (*store.Store)(nil)

// Reader reads one shop's content (catalog.Reader, plus existence checks).
type Reader interface {
	List(ctx context.Context, t mapping.ObjectType, since time.Time, cursor string) (catalog.Page, error)
	// Exists reports which of gids (type t) still exist in the shop.
	Exists(ctx context.Context, t mapping.ObjectType, gids []string) (map[string]bool, error)
	// Bulk reads: BulkSupported says whether type t can be read by a bulk
	// operation; BulkState polls one without waiting (status as Shopify's
	// BulkOperationStatus, url "" when the result is empty).
	BulkSupported(t mapping.ObjectType) bool
	StartBulk(ctx context.Context, t mapping.ObjectType) (string, error)
	BulkState(ctx context.Context, id string) (status, url string, err error)
	StreamBulk(ctx context.Context, t mapping.ObjectType, url string, skip int, fn func(catalog.Object) error, invalid func(catalog.Invalid) error) error
	ThemeFileBodies(ctx context.Context, themeGID string, filenames []string) (map[string][]byte, error)
	// StartBulkIDs starts a bulk listing of type t's GIDs; StreamBulkIDs
	// reads the root GIDs of a bulk result (that one or a full read's).
	StartBulkIDs(ctx context.Context, t mapping.ObjectType) (string, error)
	StreamBulkIDs(ctx context.Context, url string, fn func(gid string) error) error
}

// Readers make a Reader for a tenant's shop.
type Readers interface {
	Reader(ctx context.Context, tenantID, shop string) (Reader, error)
}

// Capturer captures one shop's objects under one sync (ingest.Capturer).
type Capturer interface {
	CapturePage(ctx context.Context, objs []catalog.Object, sourceAt []time.Time) ([]ingest.Result, error)
	Delete(ctx context.Context, t mapping.ObjectType, gid string, at time.Time) (ingest.Result, error)
}

var _ Capturer = (*ingest.Capturer)(nil)

// Blobs hold theme file bodies by checksum.
type Blobs interface {
	Put(ctx context.Context, key string, body []byte) error
	Has(ctx context.Context, key string) (bool, error)
}

// Queue sends SyncQueue messages (continuations, promoted syncs):
// syncqueue.SQSQueue.
type Queue interface {
	SendAfter(ctx context.Context, m Message, delay time.Duration) error
}

// Options tune the worker.
type Options struct {
	// Margin is the time kept before the deadline to checkpoint and send a
	// continuation (default 15 s); MaxRun bounds a run without a deadline
	// (default 10 min).
	Margin, MaxRun time.Duration
	// BulkPoll is how long a continuation waits while a bulk operation
	// runs (default 5 s).
	BulkPoll time.Duration
	// BulkChunk is how many bulk objects are captured per checkpoint
	// (default 250); DeleteBatch how many mappings are checked per query
	// (default 100).
	BulkChunk, DeleteBatch int
	// CrashAfterUnits > 0 injects a crash (for fault-injection tests
	// only): the run fails after that many units, with the unit's
	// captures written but its checkpoint not saved, as a killed worker
	// would. Counted per Worker, so it fires once.
	CrashAfterUnits int
}

// Worker runs syncs.
type Worker struct {
	Store     Store
	Readers   Readers
	Capturers func(tenantID, shop, syncID string) Capturer
	Blobs     Blobs
	Queue     Queue
	Log       *slog.Logger
	Options   Options
	Now       func() time.Time

	units int // for CrashAfterUnits
}

// errCrash is the injected crash.
var errCrash = errors.New("injected crash (fault injection)")

// errMovedOn: another worker saved this sync's checkpoint first.
var errMovedOn = errors.New("sync moved on by another worker")

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) opts() Options {
	o := w.Options
	if o.Margin <= 0 {
		o.Margin = 15 * time.Second
	}
	if o.MaxRun <= 0 {
		o.MaxRun = 10 * time.Minute
	}
	if o.BulkPoll <= 0 {
		o.BulkPoll = 5 * time.Second
	}
	if o.BulkChunk <= 0 {
		o.BulkChunk = 250
	}
	if o.DeleteBatch <= 0 {
		o.DeleteBatch = 100
	}
	return o
}

// Run runs (or continues) the sync m names until it ends or the run's time
// is up (then a continuation message is sent). An error means the message
// should be retried: the next delivery resumes from the checkpoint.
func (w *Worker) Run(ctx context.Context, m Message) error {
	sy, err := w.Store.GetSync(ctx, m.TenantID, m.SyncID)
	if platform.KindOf(err) == platform.KindNotFound {
		w.Log.WarnContext(ctx, "sync message for an unknown sync; dropped", "tenant", m.TenantID, "sync", m.SyncID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("run sync %s: %w", m.SyncID, err)
	}
	if sy.Status != fsync.Running {
		// A late duplicate. If this sync's end promoted a queued one whose
		// start message was lost, start it now.
		return w.kickRunning(ctx, sy.TenantID, sy.Type)
	}
	cp, err := w.Store.SyncCheckpoint(ctx, sy.TenantID, sy.ID)
	if err != nil {
		return fmt.Errorf("run sync %s: %w", sy.ID, err)
	}
	pos, err := decodePosition(cp.Position)
	if err != nil {
		return w.fail(ctx, sy, "the sync's checkpoint is unreadable", err)
	}
	r := &run{w: w, o: w.opts(), sy: sy, pos: pos, version: cp.Version, steps: steps(sy.Type)}
	r.deadline = w.now().Add(r.o.MaxRun)
	if d, ok := ctx.Deadline(); ok {
		r.deadline = d.Add(-r.o.Margin)
	}
	err = r.loop(ctx)
	switch {
	case errors.Is(err, errMovedOn):
		w.Log.InfoContext(ctx, "sync moved on by another worker; this delivery stops", "sync", sy.ID)
		return nil
	case err != nil:
		return fmt.Errorf("run sync %s: %w", sy.ID, err)
	}
	return nil
}

// kickRunning sends the start message of the running sync of type t when
// it has not started (no checkpoint): the message after a promotion may
// have been lost. A duplicate start is harmless (checkpoint versions).
func (w *Worker) kickRunning(ctx context.Context, tenantID string, t fsync.Type) error {
	running, _, err := w.Store.SyncSlot(ctx, tenantID, t)
	if err != nil || running == nil {
		return err
	}
	cp, err := w.Store.SyncCheckpoint(ctx, tenantID, running.ID)
	if err != nil || cp.Version > 0 {
		return err
	}
	return w.Queue.SendAfter(ctx, Message{TenantID: tenantID, SyncID: running.ID, Type: t}, 0)
}

// Fail ends a running sync as FAILED with a message safe for clients (the
// cause is logged, not stored), and starts the queued one.
func (w *Worker) fail(ctx context.Context, sy fsync.Sync, msg string, cause error) error {
	w.Log.ErrorContext(ctx, "sync failed", "sync", sy.ID, "tenant", sy.TenantID, "reason", msg, "error", cause)
	promoted, err := w.Store.EndSync(ctx, sy.TenantID, sy.Type, sy.ID, fsync.Failed, msg, w.now())
	if platform.KindOf(err) == platform.KindConflict {
		return nil // ended already
	}
	if err != nil {
		return fmt.Errorf("fail sync %s: %w", sy.ID, err)
	}
	return w.start(ctx, promoted)
}

// FailSync ends the sync m names as FAILED after its message was retried
// too often (the SQS handler calls it on the last delivery).
func (w *Worker) FailSync(ctx context.Context, m Message, cause error) error {
	sy, err := w.Store.GetSync(ctx, m.TenantID, m.SyncID)
	if err != nil {
		return err
	}
	if sy.Status != fsync.Running {
		// What kept failing was starting the sync its end promoted.
		return w.kickRunning(ctx, sy.TenantID, sy.Type)
	}
	return w.fail(ctx, sy, "the sync failed repeatedly reading its stores; see the operator logs", cause)
}

func (w *Worker) start(ctx context.Context, promoted *fsync.Sync) error {
	if promoted == nil {
		return nil
	}
	if err := w.Queue.SendAfter(ctx, Message{TenantID: promoted.TenantID, SyncID: promoted.ID, Type: promoted.Type}, 0); err != nil {
		return fmt.Errorf("start queued sync %s: %w", promoted.ID, err)
	}
	return nil
}

// steps are the object types a sync of type t reads, in order.
func steps(t fsync.Type) []mapping.ObjectType {
	switch t {
	case fsync.Files:
		return []mapping.ObjectType{mapping.File}
	case fsync.Theme:
		return []mapping.ObjectType{mapping.Theme}
	default:
		return catalog.ObjectOrder
	}
}
