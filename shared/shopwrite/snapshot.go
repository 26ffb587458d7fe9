package shopwrite

import (
	"context"
	"fmt"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// Snapshot reads the object canonical of type t from the target shop as it
// is now, in canonical form (the body a version of it would have): the
// deploy worker's pre-write snapshot, for rollback. exists is false when
// the target has no such object (neither mapped nor found by its
// canonical).
func (w *Writer) Snapshot(ctx context.Context, t mapping.ObjectType, canonical string) ([]byte, bool, error) {
	k, err := w.kind(t, canonical)
	if err != nil {
		return nil, false, err
	}
	gid, err := w.existing(ctx, t, k, canonical)
	if err != nil || gid == "" {
		return nil, false, wrapIf(err, "snapshot %s %s in %s", t, canonical, w.Shop())
	}
	body, ok, err := w.snapshotGID(ctx, t, gid)
	return body, ok, wrapIf(err, "snapshot %s %s in %s", t, canonical, w.Shop())
}

// snapshotGID reads gid and normalises it with the target's resolver.
func (w *Writer) snapshotGID(ctx context.Context, t mapping.ObjectType, gid string) ([]byte, bool, error) {
	obj, err := w.reader().Get(ctx, t, gid)
	if platform.KindOf(err) == platform.KindNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	c, _, err := capture.Normalizer{Resolver: w.Resolver}.Normalize(ctx, t, obj.Raw)
	if err != nil {
		return nil, false, err
	}
	return capture.Encode(c), true, nil
}

// Delete deletes the object canonical of type t from the target shop (the
// rollback of a create) and its mapping. An object the target does not
// have is no error. Definitions are not deleted (KindValidation).
func (w *Writer) Delete(ctx context.Context, t mapping.ObjectType, canonical string) error {
	k, err := w.kind(t, canonical)
	if err != nil {
		return err
	}
	gid, err := w.existing(ctx, t, k, canonical)
	if err != nil {
		return fmt.Errorf("delete %s %s in %s: %w", t, canonical, w.Shop(), err)
	}
	if gid != "" {
		if err := k.del(ctx, w, canonical, gid); err != nil {
			return fmt.Errorf("delete %s %s in %s: %w", t, canonical, w.Shop(), err)
		}
	}
	if _, err := w.Store.DeleteMappings(ctx, w.TenantID, t, w.Shop(), []string{canonical}); err != nil {
		return fmt.Errorf("delete %s %s in %s: mapping: %w", t, canonical, w.Shop(), err)
	}
	return nil
}

func wrapIf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
