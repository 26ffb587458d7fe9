package syncworker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// sinceSkew is subtracted from a shop's watermark: an object edited while
// the last sync read it is read again rather than missed.
const sinceSkew = 5 * time.Minute

// run is one delivery's work on one sync.
type run struct {
	w        *Worker
	o        Options
	sy       fsync.Sync
	pos      position
	version  int64
	steps    []mapping.ObjectType
	deadline time.Time

	// Per shop, built when first needed.
	shop     string
	reader   Reader
	capturer Capturer
	// stats of the unit in progress, saved with its checkpoint.
	delta fsync.Stats
	// wait > 0 asks for a continuation after that delay (a bulk operation
	// is still running).
	wait time.Duration
}

func (r *run) loop(ctx context.Context) error {
	for done := 0; ; done++ {
		if r.pos.Shop >= len(r.sy.ReadFromStores) {
			return r.finish(ctx)
		}
		// Every run does at least one unit, so a sync always advances.
		if r.wait > 0 || (done > 0 && !r.w.now().Before(r.deadline)) {
			return r.continueLater(ctx)
		}
		if err := r.unit(ctx); err != nil {
			return err
		}
		if r.o.CrashAfterUnits > 0 {
			if r.w.units++; r.w.units == r.o.CrashAfterUnits {
				return errCrash
			}
		}
		if err := r.save(ctx); err != nil {
			return err
		}
	}
}

// save writes the checkpoint with the unit's stats.
func (r *run) save(ctx context.Context) error {
	enc, err := r.pos.encode()
	if err != nil {
		return err
	}
	err = r.w.Store.SaveCheckpoint(ctx, r.sy.TenantID, r.sy.ID, r.version, enc, r.delta, r.w.now())
	if platform.KindOf(err) == platform.KindConflict {
		return errMovedOn
	}
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	r.version++
	r.delta = fsync.Stats{}
	return nil
}

func (r *run) continueLater(ctx context.Context) error {
	m := Message{TenantID: r.sy.TenantID, SyncID: r.sy.ID, Type: r.sy.Type}
	if err := r.w.Queue.SendAfter(ctx, m, r.wait); err != nil {
		return fmt.Errorf("continuation: %w", err)
	}
	r.w.Log.InfoContext(ctx, "sync continues in another run", "sync", r.sy.ID, "shop", r.pos.Shop, "step", r.pos.Step, "phase", r.pos.Phase)
	return nil
}

// finish records each shop's read as the base of the next incremental
// one, ends the sync and starts the queued one.
func (r *run) finish(ctx context.Context) error {
	at := r.sy.TriggeredAt
	if r.sy.StartedAt != nil {
		at = *r.sy.StartedAt
	}
	for _, shop := range r.sy.ReadFromStores {
		if slices.Contains(r.pos.Skipped, shop) {
			continue // not read: its next sync must not skip what it missed
		}
		if err := r.w.Store.SetSyncWatermark(ctx, r.sy.TenantID, r.sy.Type, shop, at); err != nil {
			return fmt.Errorf("finish: %w", err)
		}
	}
	msg := ""
	if len(r.pos.Errors) > 0 {
		msg = fmt.Sprintf("completed with errors: %s", strings.Join(r.pos.Errors, "; "))
	}
	promoted, err := r.w.Store.EndSync(ctx, r.sy.TenantID, r.sy.Type, r.sy.ID, fsync.Completed, msg, r.w.now())
	if platform.KindOf(err) == platform.KindConflict {
		return nil // a duplicate delivery ended it first
	}
	if err != nil {
		return fmt.Errorf("finish: %w", err)
	}
	r.w.Log.InfoContext(ctx, "sync completed", "sync", r.sy.ID, "tenant", r.sy.TenantID)
	return r.w.start(ctx, promoted)
}

// unit does one unit of work at the current position and moves it on.
func (r *run) unit(ctx context.Context) error {
	shop := r.sy.ReadFromStores[r.pos.Shop]
	if r.pos.Step >= len(r.steps) {
		r.pos.nextShop()
		return nil
	}
	if err := r.openShop(ctx, shop); err != nil {
		if k := platform.KindOf(err); k == platform.KindUnavailable || k == platform.KindNotFound || k == platform.KindForbidden {
			// Not connected, uninstalled or missing scopes: this store is
			// skipped with an error on the sync; the others are read.
			r.pos.keepError(fmt.Sprintf("store %s was not read: %s", shop, platform.PublicMessage(err)))
			r.pos.Skipped = append(r.pos.Skipped, shop)
			r.delta.Errors++
			r.pos.nextShop()
			return nil
		}
		return err
	}
	if !r.pos.Decided {
		if err := r.decide(ctx); err != nil {
			return err
		}
	}
	t := r.steps[r.pos.Step]
	switch r.pos.Phase {
	case phaseRead:
		if r.pos.Cursor == "" && r.pos.Since.IsZero() && r.reader.BulkSupported(t) {
			return r.startBulk(ctx, t)
		}
		return r.readPage(ctx, t)
	case phaseBulk:
		return r.bulk(ctx, t)
	default:
		return r.deletes(ctx, t)
	}
}

func (r *run) openShop(ctx context.Context, shop string) error {
	if r.shop == shop && r.reader != nil {
		return nil
	}
	rd, err := r.w.Readers.Reader(ctx, r.sy.TenantID, shop)
	if err != nil {
		return err
	}
	r.shop, r.reader = shop, rd
	r.capturer = r.w.Capturers(r.sy.TenantID, shop, r.sy.ID)
	return nil
}

// decide makes the shop's read full or incremental, once per shop.
func (r *run) decide(ctx context.Context) error {
	r.pos.Decided = true
	if r.sy.TriggeredBy == ReconcileTrigger {
		return nil
	}
	mark, err := r.w.Store.SyncWatermark(ctx, r.sy.TenantID, r.sy.Type, r.shop)
	if err != nil {
		return err
	}
	if !mark.IsZero() {
		r.pos.Since = mark.Add(-sinceSkew)
	}
	return nil
}

// readPage reads and captures one page; after the last, the step moves to
// its deletion check.
func (r *run) readPage(ctx context.Context, t mapping.ObjectType) error {
	pg, err := r.reader.List(ctx, t, r.pos.Since, r.pos.Cursor)
	if err != nil {
		return fmt.Errorf("read %s of %s: %w", t, r.shop, err)
	}
	if err := r.capture(ctx, t, pg.Objects); err != nil {
		return err
	}
	r.invalid(pg.Invalid)
	r.pos.Cursor = pg.Next
	if pg.Next == "" {
		r.toDeletes()
	}
	return nil
}

func (r *run) toDeletes() {
	r.pos.Phase, r.pos.Cursor, r.pos.BulkID, r.pos.BulkDone = phaseDeletes, "", "", 0
}

func (r *run) invalid(inv []catalog.Invalid) {
	for _, iv := range inv {
		r.delta.Processed++
		r.delta.Warnings++
		r.w.Log.Warn("object without a valid canonical path; not captured", "sync", r.sy.ID, "shop", r.shop, "type", iv.Type, "gid", iv.GID, "reason", iv.Message)
	}
}

// capture captures objects (one type) and records their operations. An
// object that cannot be captured (invalid content) counts as an error of
// the sync; anything else (DynamoDB, Shopify) fails the unit, to be retried.
func (r *run) capture(ctx context.Context, t mapping.ObjectType, objs []catalog.Object) error {
	if len(objs) == 0 {
		return nil
	}
	if t == mapping.Theme {
		if err := r.storeThemeFiles(ctx, objs); err != nil {
			return err
		}
	}
	results, err := r.capturer.CapturePage(ctx, objs, nil)
	if err != nil {
		// Find the object that fails; capture the others.
		results = make([]ingest.Result, 0, len(objs))
		for _, o := range objs {
			rs, err := r.capturer.CapturePage(ctx, []catalog.Object{o}, nil)
			if err != nil {
				if platform.KindOf(err) != platform.KindValidation {
					return err
				}
				r.delta.Processed++
				r.delta.Errors++
				r.pos.keepError(fmt.Sprintf("%s %s in %s: %s", t, o.Canonical, r.shop, platform.PublicMessage(err)))
				continue
			}
			results = append(results, rs...)
		}
	}
	var ops []fsync.Operation
	for _, res := range results {
		r.delta.Processed++
		r.delta.Warnings += len(res.Warnings)
		ops = append(ops, res.Operations()...)
	}
	if err := r.w.Store.RecordOperations(ctx, r.sy.TenantID, r.sy.ID, ops); err != nil {
		return fmt.Errorf("record operations: %w", err)
	}
	return nil
}

// startBulk starts the full read of type t as a bulk operation; a type the
// shop refuses to bulk-read (or a bulk already running) is paginated.
func (r *run) startBulk(ctx context.Context, t mapping.ObjectType) error {
	id, err := r.reader.StartBulk(ctx, t)
	if err != nil {
		if platform.KindOf(err) == platform.KindValidation || platform.KindOf(err) == platform.KindConflict {
			r.w.Log.Warn("bulk read refused; paginating", "sync", r.sy.ID, "shop", r.shop, "type", t, "error", err)
			return r.readPage(ctx, t)
		}
		return fmt.Errorf("bulk read %s of %s: %w", t, r.shop, err)
	}
	r.pos.Phase, r.pos.BulkID, r.pos.BulkDone = phaseBulk, id, 0
	return nil
}

// errChunk stops a bulk stream when the run's time is up.
var errChunk = errors.New("chunk limit")

// bulk polls the step's bulk operation; once it completed, its result is
// captured in chunks (a checkpoint after each) until done or time is up.
func (r *run) bulk(ctx context.Context, t mapping.ObjectType) error {
	status, url, err := r.reader.BulkState(ctx, r.pos.BulkID)
	if err != nil {
		return fmt.Errorf("bulk read %s of %s: %w", t, r.shop, err)
	}
	switch status {
	case "CREATED", "RUNNING", "CANCELING":
		r.wait = r.o.BulkPoll
		return nil
	case "COMPLETED":
	default: // FAILED, CANCELED, EXPIRED: read it page by page instead
		r.w.Log.Warn("bulk read ended without a result; paginating", "sync", r.sy.ID, "shop", r.shop, "type", t, "status", status)
		r.pos.Phase, r.pos.BulkID, r.pos.BulkDone, r.pos.Cursor = phaseRead, "", 0, ""
		r.pos.Since = time.Time{}
		return r.readPage(ctx, t)
	}
	if url == "" {
		r.toDeletes()
		r.pos.IDsReady = true // no objects: the deletion check lists none
		return nil
	}
	var chunk []catalog.Object
	// seen counts the roots streamed in this run, valid or not (both
	// count toward the reader's skip); a checkpoint covers all of them.
	base, seen := r.pos.BulkDone, 0
	flush := func() error {
		if err := r.capture(ctx, t, chunk); err != nil {
			return err
		}
		r.pos.BulkDone = base + seen
		chunk = chunk[:0]
		if err := r.save(ctx); err != nil {
			return err
		}
		if !r.w.now().Before(r.deadline) {
			return errChunk
		}
		return nil
	}
	err = r.reader.StreamBulk(ctx, t, url, base, func(o catalog.Object) error {
		seen++
		if chunk = append(chunk, o); len(chunk) >= r.o.BulkChunk {
			return flush()
		}
		return nil
	}, func(iv catalog.Invalid) error {
		seen++
		r.invalid([]catalog.Invalid{iv})
		return nil
	})
	if errors.Is(err, errChunk) {
		return nil // saved; the loop sends the continuation
	}
	if err != nil {
		return fmt.Errorf("bulk read %s of %s: %w", t, r.shop, err)
	}
	if err := r.capture(ctx, t, chunk); err != nil {
		return err
	}
	r.toDeletes()
	// The full read's result lists every object: the deletion check
	// compares with it instead of asking Shopify about each mapping.
	r.pos.IDsURL, r.pos.IDsReady = url, true
	return nil
}

// deletes checks one batch of Flux's mappings of type t in the shop
// against what exists there; the missing ones are recorded as deleted.
func (r *run) deletes(ctx context.Context, t mapping.ObjectType) error {
	if t == mapping.Theme {
		r.pos.nextStep() // the live theme is never deleted, only replaced
		return nil
	}
	if r.reader.BulkSupported(t) && !r.pos.IDsByNodes {
		return r.deletesByBulk(ctx, t)
	}
	ms, _, err := r.w.Store.ListMappings(ctx, r.sy.TenantID, t, r.shop, mapping.ListPage{Limit: r.o.DeleteBatch, After: r.pos.Cursor})
	if err != nil {
		return fmt.Errorf("deletion check %s of %s: %w", t, r.shop, err)
	}
	if len(ms) == 0 {
		r.pos.nextStep()
		return nil
	}
	if err := r.deleteMissing(ctx, t, ms); err != nil {
		return err
	}
	r.pos.Cursor = ms[len(ms)-1].Canonical
	if len(ms) < r.o.DeleteBatch {
		r.pos.nextStep()
	}
	return nil
}

// deletesByBulk checks Flux's mappings of type t against a bulk listing of
// the shop's GIDs (the full read's result, or an ids-only bulk operation
// started here): a few Shopify points however many objects, where
// nodes(ids:) costs about one point per mapping. A mapping missing from the
// listing is confirmed with nodes(ids:) before it is recorded as deleted,
// since an object created after the listing is not in it. The listing is
// read again by each run that continues the check (it is only GIDs).
func (r *run) deletesByBulk(ctx context.Context, t mapping.ObjectType) error {
	if !r.pos.IDsReady {
		return r.bulkIDs(ctx, t)
	}
	live := map[string]bool{}
	if r.pos.IDsURL != "" {
		err := r.reader.StreamBulkIDs(ctx, r.pos.IDsURL, func(gid string) error {
			live[gid] = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("deletion check %s of %s: %w", t, r.shop, err)
		}
	}
	for {
		ms, _, err := r.w.Store.ListMappings(ctx, r.sy.TenantID, t, r.shop, mapping.ListPage{Limit: r.o.DeleteBatch, After: r.pos.Cursor})
		if err != nil {
			return fmt.Errorf("deletion check %s of %s: %w", t, r.shop, err)
		}
		if len(ms) == 0 {
			r.pos.nextStep()
			return nil
		}
		var candidates []mapping.Mapping
		for _, m := range ms {
			if !live[m.GID] {
				candidates = append(candidates, m)
			}
		}
		if err := r.deleteMissing(ctx, t, candidates); err != nil {
			return err
		}
		r.pos.Cursor = ms[len(ms)-1].Canonical
		if len(ms) < r.o.DeleteBatch {
			r.pos.nextStep()
			return nil
		}
		if err := r.save(ctx); err != nil {
			return err
		}
		if !r.w.now().Before(r.deadline) {
			return nil // the loop saves again and continues in another run
		}
	}
}

// bulkIDs starts, then polls, the ids-only bulk operation of a deletion
// check; a type or shop that refuses it is checked by nodes(ids:).
func (r *run) bulkIDs(ctx context.Context, t mapping.ObjectType) error {
	if r.pos.BulkID == "" {
		id, err := r.reader.StartBulkIDs(ctx, t)
		if k := platform.KindOf(err); err != nil && (k == platform.KindValidation || k == platform.KindConflict) {
			r.w.Log.Warn("bulk id listing refused; checking deletions by nodes", "sync", r.sy.ID, "shop", r.shop, "type", t, "error", err)
			r.pos.IDsByNodes = true
			return nil
		} else if err != nil {
			return fmt.Errorf("deletion check %s of %s: %w", t, r.shop, err)
		}
		r.pos.BulkID = id
		return nil
	}
	status, url, err := r.reader.BulkState(ctx, r.pos.BulkID)
	if err != nil {
		return fmt.Errorf("deletion check %s of %s: %w", t, r.shop, err)
	}
	switch status {
	case "CREATED", "RUNNING", "CANCELING":
		r.wait = r.o.BulkPoll
	case "COMPLETED":
		r.pos.IDsURL, r.pos.IDsReady, r.pos.BulkID = url, true, ""
	default:
		r.pos.IDsByNodes, r.pos.BulkID = true, ""
	}
	return nil
}

// deleteMissing confirms with Shopify that candidates are gone and records
// their deletions.
func (r *run) deleteMissing(ctx context.Context, t mapping.ObjectType, candidates []mapping.Mapping) error {
	if len(candidates) == 0 {
		return nil
	}
	gids := make([]string, len(candidates))
	for i, m := range candidates {
		gids[i] = m.GID
	}
	exists, err := r.reader.Exists(ctx, t, gids)
	if err != nil {
		return fmt.Errorf("deletion check %s of %s: %w", t, r.shop, err)
	}
	var ops []fsync.Operation
	for _, m := range candidates {
		if exists[m.GID] {
			continue
		}
		res, err := r.capturer.Delete(ctx, t, m.GID, r.w.now())
		if err != nil {
			return fmt.Errorf("record deletion of %s %s in %s: %w", t, m.Canonical, r.shop, err)
		}
		ops = append(ops, res.Operations()...)
	}
	if err := r.w.Store.RecordOperations(ctx, r.sy.TenantID, r.sy.ID, ops); err != nil {
		return fmt.Errorf("record operations: %w", err)
	}
	return nil
}
