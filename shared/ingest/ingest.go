// Package ingest records what Flux reads from a shop: for each object, its
// gid ↔ canonical mapping, its canonical form (shared/capture), a new
// immutable version when the form's hash changed, and the operation
// (CREATE, UPDATE, DELETE) the sync or webhook records for it. The sync
// worker and the events worker both capture through a Capturer, so a
// product looks the same whichever way it arrived.
//
// Idempotence: an operation's id is derived from the object and the version
// it produced (shop, type, canonical, sequence number). Capturing the same
// content again under the same sync, after a crash or a redelivered message,
// finds the version already current and written by this sync, and returns
// the same operation again; recording it twice is a no-op
// (store.RecordOperations). Under another sync, unchanged content returns no
// operation. The DELETE of a deletion or of a handle change is recorded by
// the Capturer itself before the mapping changes (a replay could not find
// it afterwards), so the sync must exist.
package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// Tombstone is the canonical body of a deleted object's last version: a
// deletion is a version too, so history shows it, a diff against it shows
// every field removed, and an older event cannot resurrect the object (the
// tombstone's source time guards it like any version's).
var Tombstone = []byte(`{"$deleted":true}`)

// TombstoneHash is the hash of Tombstone.
var TombstoneHash = capture.HashBytes(Tombstone)

// IsTombstone reports whether v is a deletion.
func IsTombstone(v store.Version) bool { return v.Hash == TombstoneHash }

// Capturer captures objects of one shop of one tenant under one sync. It
// caches reference lookups for its life: use one per worker run and shop.
type Capturer struct {
	store    *store.Store
	blobs    store.Blobs
	tenantID string
	shop     string
	syncID   string
	norm     capture.Normalizer
	now      func() time.Time
}

// New is a Capturer for shop of tenantID recording under syncID.
func New(st *store.Store, blobs store.Blobs, tenantID, shop, syncID string) *Capturer {
	return &Capturer{
		store: st, blobs: blobs, tenantID: tenantID, shop: shop, syncID: syncID,
		norm: capture.Normalizer{Resolver: &store.ShopResolver{Store: st, TenantID: tenantID, Shop: shop}},
		now:  time.Now,
	}
}

// Result is what capturing one object did.
type Result struct {
	// Op is the operation to record; nil when the object did not change.
	Op *fsync.Operation
	// Ops are further operations the capture implies: the DELETE of the
	// old canonical of an object whose handle changed.
	Ops []fsync.Operation
	// Warnings are references Normalize could not make store-independent.
	Warnings []capture.Warning
	// Written: a new version was stored. Stale: the capture was older than
	// the object's current version and wrote nothing.
	Written, Stale bool
}

// Operations are all the operations of r (Ops, then Op).
func (r Result) Operations() []fsync.Operation {
	out := append([]fsync.Operation(nil), r.Ops...)
	if r.Op != nil {
		out = append(out, *r.Op)
	}
	return out
}

// Capture records one object read from the shop: see CapturePage.
func (c *Capturer) Capture(ctx context.Context, obj catalog.Object, sourceAt time.Time) (Result, error) {
	rs, err := c.CapturePage(ctx, []catalog.Object{obj}, []time.Time{sourceAt})
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// CapturePage records a page of objects of one type read from the shop:
// their mappings (one batched read; only missing or moved ones written),
// then each object's canonical form and, when its hash changed, a new
// version. sourceAt[i] (optional) is when Shopify last changed objs[i];
// zero means the object's UpdatedAt. Every object must have a canonical.
//
// An object whose handle changed (its gid was mapped to another canonical)
// leaves its old canonical deleted: a tombstone and a DELETE operation,
// written and recorded before the mapping is re-pointed, since once it is,
// a replay of the page can no longer tell which canonical was left. An old
// canonical that another object of the page takes is not deleted: that
// object's capture is its next version.
func (c *Capturer) CapturePage(ctx context.Context, objs []catalog.Object, sourceAt []time.Time) ([]Result, error) {
	out := make([]Result, len(objs))
	if len(objs) == 0 {
		return out, nil
	}
	at := make([]time.Time, len(objs))
	for i, obj := range objs {
		at[i] = obj.UpdatedAt
		if i < len(sourceAt) && !sourceAt[i].IsZero() {
			at[i] = sourceAt[i]
		}
	}
	moved, upsert, err := c.readMappings(ctx, objs)
	if err != nil {
		return nil, err
	}
	if len(moved) > 0 {
		taken := make(map[string]bool, len(objs))
		for _, o := range objs {
			taken[o.Canonical] = true
		}
		var early []fsync.Operation
		for i, obj := range objs {
			old, ok := moved[obj.GID]
			if !ok || taken[old] {
				continue
			}
			d, err := c.tombstone(ctx, obj.Type, old, at[i])
			if err != nil {
				return nil, fmt.Errorf("capture %s %s: old canonical %s: %w", obj.Type, obj.Canonical, old, err)
			}
			out[i].Ops = d.Operations()
			early = append(early, out[i].Ops...)
		}
		if err := c.recordEarly(ctx, early); err != nil {
			return nil, fmt.Errorf("capture page: %w", err)
		}
	}
	if len(upsert) > 0 {
		if err := c.store.UpsertMappings(ctx, c.tenantID, upsert); err != nil {
			return nil, fmt.Errorf("capture page: upsert mappings: %w", err)
		}
	}
	for i, obj := range objs {
		r, err := c.captureOne(ctx, obj, at[i])
		if err != nil {
			return nil, fmt.Errorf("capture %s %s: %w", obj.Type, obj.Canonical, err)
		}
		r.Ops = out[i].Ops
		out[i] = r
	}
	return out, nil
}

// recordEarly records DELETE operations before the mapping change that
// would hide them from a replay (the caller records them again: a no-op).
func (c *Capturer) recordEarly(ctx context.Context, ops []fsync.Operation) error {
	if len(ops) == 0 {
		return nil
	}
	if err := c.store.RecordOperations(ctx, c.tenantID, c.syncID, ops); err != nil {
		return fmt.Errorf("record deletions: %w", err)
	}
	return nil
}

// readMappings reads the mappings of every object's gid in the shop. It
// returns, by gid, the canonical a gid was mapped to before when that
// differs (the object's handle changed: its old canonical is gone), and the
// mappings to write (missing or moved).
func (c *Capturer) readMappings(ctx context.Context, objs []catalog.Object) (map[string]string, []mapping.Mapping, error) {
	t := objs[0].Type
	gids := make([]string, len(objs))
	for i, o := range objs {
		if o.Type != t {
			return nil, nil, fmt.Errorf("capture page: mixed object types %s and %s", t, o.Type)
		}
		if o.Canonical == "" {
			return nil, nil, fmt.Errorf("capture page: %s %s has no canonical", o.Type, o.GID)
		}
		gids[i] = o.GID
	}
	have, err := c.store.MappingsByGID(ctx, c.tenantID, t, []string{c.shop}, gids)
	if err != nil {
		return nil, nil, fmt.Errorf("capture page: mappings: %w", err)
	}
	byGID := make(map[string]string, len(have))
	for _, m := range have {
		byGID[m.GID] = m.Canonical
	}
	moved := map[string]string{}
	var upsert []mapping.Mapping
	for _, o := range objs {
		prev, ok := byGID[o.GID]
		if ok && prev == o.Canonical {
			continue
		}
		if ok {
			moved[o.GID] = prev
		}
		upsert = append(upsert, mapping.Mapping{ObjectType: t, Canonical: o.Canonical, GID: o.GID, Shop: c.shop})
	}
	return moved, upsert, nil
}

func (c *Capturer) captureOne(ctx context.Context, obj catalog.Object, at time.Time) (Result, error) {
	canon, warns, err := c.norm.Normalize(ctx, obj.Type, obj.Raw)
	if err != nil {
		return Result{}, err
	}
	body := capture.Encode(canon)
	v, written, err := c.store.PutVersion(ctx, c.blobs, c.tenantID, store.Version{
		ObjectType: obj.Type, Canonical: obj.Canonical, Shop: c.shop, Hash: capture.HashBytes(body),
		SyncID: c.syncID, CapturedAt: c.now(), SourceUpdatedAt: at, Body: body,
	})
	if err != nil {
		return Result{}, err
	}
	r := Result{Warnings: warns, Written: written}
	if !written && v.Hash != capture.HashBytes(body) {
		r.Stale = true // an older capture than the current version: nothing to record
		return r, nil
	}
	op, err := c.operation(ctx, v, written)
	r.Op = op
	return r, err
}

// operation is the operation a version stands for, or nil when the
// version was not written by this sync (the object did not change).
func (c *Capturer) operation(ctx context.Context, v store.Version, written bool) (*fsync.Operation, error) {
	if !written && v.SyncID != c.syncID {
		return nil, nil
	}
	typ := fsync.Update
	switch {
	case IsTombstone(v):
		typ = fsync.Delete
	case v.Seq == 1:
		typ = fsync.Create
	default:
		// Re-created after a delete: its previous version is a tombstone.
		// (One read, only for objects that changed.)
		prev, err := c.store.VersionBySeq(ctx, c.tenantID, v.ObjectType, c.shop, v.Canonical, v.Seq-1)
		if err != nil {
			return nil, fmt.Errorf("previous version: %w", err)
		}
		if IsTombstone(prev) {
			typ = fsync.Create
		}
	}
	details, err := json.Marshal(opDetails{Version: v.Seq, Hash: v.Hash, Size: v.Size})
	if err != nil {
		return nil, err
	}
	return &fsync.Operation{
		ID: OperationID(c.shop, v.ObjectType, v.Canonical, v.Seq), Type: typ,
		ObjectType: string(v.ObjectType), Canonical: v.Canonical, Shop: c.shop,
		Details: string(details), CreatedAt: v.CapturedAt,
	}, nil
}

type opDetails struct {
	Version int64  `json:"version"`
	Hash    string `json:"hash"`
	Size    int    `json:"size"`
}

// OperationID is the deterministic id of the operation that produced
// version seq of an object: recording it twice is recording it once.
func OperationID(shop string, t mapping.ObjectType, canonical string, seq int64) string {
	return fmt.Sprintf("%s|%s|%s|%d", shop, t, canonical, seq)
}

// Delete records that the object gid (type t) is gone from the shop, as of
// at: a tombstone version and a DELETE operation (recorded under the sync
// here, before its mapping is removed, since a replay after that finds no
// mapping; the caller's recording it again is a no-op), then its mapping is
// removed (so a re-created object with the same handle is a CREATE). A gid
// Flux never mapped is Result{} and no error; an at older than the current
// version's source time is Stale and writes nothing.
func (c *Capturer) Delete(ctx context.Context, t mapping.ObjectType, gid string, at time.Time) (Result, error) {
	ms, err := c.store.MappingsByGID(ctx, c.tenantID, t, []string{c.shop}, []string{gid})
	if err != nil {
		return Result{}, fmt.Errorf("delete %s %s: %w", t, gid, err)
	}
	if len(ms) == 0 {
		return Result{}, nil
	}
	r, err := c.tombstone(ctx, t, ms[0].Canonical, at)
	if err != nil || r.Stale {
		return r, err
	}
	// Once the mapping is gone a replay finds nothing to delete: record
	// the operation first.
	if err := c.recordEarly(ctx, r.Operations()); err != nil {
		return Result{}, fmt.Errorf("delete %s %s: %w", t, gid, err)
	}
	if _, err := c.store.DeleteMappings(ctx, c.tenantID, t, c.shop, []string{ms[0].Canonical}); err != nil {
		return Result{}, fmt.Errorf("delete %s %s: mapping: %w", t, gid, err)
	}
	return r, nil
}

// tombstone writes the deletion version of canonical (no mapping change).
// An object never captured has nothing to delete.
func (c *Capturer) tombstone(ctx context.Context, t mapping.ObjectType, canonical string, at time.Time) (Result, error) {
	cur, err := c.store.CurrentVersion(ctx, c.tenantID, t, c.shop, canonical)
	if platform.KindOf(err) == platform.KindNotFound {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if IsTombstone(cur) && cur.SyncID != c.syncID {
		return Result{}, nil // deleted before, by another sync
	}
	v, written, err := c.store.PutVersion(ctx, c.blobs, c.tenantID, store.Version{
		ObjectType: t, Canonical: canonical, Shop: c.shop, Hash: TombstoneHash,
		SyncID: c.syncID, CapturedAt: c.now(), SourceUpdatedAt: at, Body: Tombstone,
	})
	if err != nil {
		return Result{}, err
	}
	if !written && !IsTombstone(v) {
		return Result{Stale: true}, nil
	}
	op, err := c.operation(ctx, v, written)
	return Result{Op: op, Written: written}, err
}
