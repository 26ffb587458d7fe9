package deploy

import (
	"context"
	"fmt"
	"slices"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
)

// rollback runs a rollback job: every object the deploy job ru.rollbackOf
// snapshotted goes back to its before-image.
func (ru *run) rollback(ctx context.Context) error {
	if err := ru.phase(ctx, release.PhaseValidating, progValidating); err != nil {
		return err
	}
	var err error
	if ru.done, err = ru.loadOutcomes(ctx, ru.job.ID); err != nil {
		return err
	}
	deployed, err := ru.e.Store.GetDeployJob(ctx, ru.job.TenantID, ru.rollbackOf)
	if err != nil {
		return fmt.Errorf("deploy job %s: %w", ru.rollbackOf, err)
	}
	if !deployed.Status.Ended() {
		return platform.E(platform.KindConflict, "the deploy job "+deployed.ID+" has not ended: cancel it first")
	}
	before, err := ru.loadSnapshots(ctx, ru.rollbackOf)
	if err != nil {
		return err
	}
	var present, absent []release.ObjectRef
	for o, sn := range before {
		if sn.Absent {
			absent = append(absent, o)
		} else {
			present = append(present, o)
		}
	}
	slices.SortFunc(present, cmpRef)
	bodies := map[release.ObjectRef][]byte{}
	err = ru.each(ctx, present, func(ctx context.Context, o release.ObjectRef) error {
		sn, err := ru.e.Store.DeploySnapshot(ctx, ru.e.Blobs, ru.job.TenantID, ru.rollbackOf, o)
		if err != nil {
			return fmt.Errorf("snapshot of %s: %w", o, err)
		}
		ru.mu.Lock()
		bodies[o] = sn.Body
		ru.mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}

	if err := ru.phase(ctx, release.PhaseBuildingGraph, progGraph); err != nil {
		return err
	}
	nodes := make([]Node, 0, len(present))
	for _, o := range present {
		body, err := capture.Parse(bodies[o])
		if err != nil {
			return fmt.Errorf("snapshot of %s: %w", o, err)
		}
		nodes = append(nodes, Node{Ref: o, Refs: References(o.Type, o.Canonical, body)})
	}
	updates := BuildPlan(nodes)
	deletes := deletionLayers(absent)
	every := updates
	every.Layers = append(slices.Clone(updates.Layers), deletes...)
	ru.total = every.Size()

	if err := ru.snapshot(ctx, ru.job.ID, every); err != nil {
		return err
	}
	if err := ru.execute(ctx, updates, bodies, deletes); err != nil {
		return err
	}
	return ru.verifyAll(ctx, every, bodies)
}

// deletionLayers orders the objects a rollback deletes: the highest rank
// first (what references others goes before what it references).
func deletionLayers(objs []release.ObjectRef) [][]release.ObjectRef {
	byRank := map[int][]release.ObjectRef{}
	for _, o := range objs {
		byRank[Rank[o.Type]] = append(byRank[Rank[o.Type]], o)
	}
	ranks := slices.Sorted(mapsKeys(byRank))
	slices.Reverse(ranks)
	out := make([][]release.ObjectRef, 0, len(ranks))
	for _, r := range ranks {
		l := byRank[r]
		slices.SortFunc(l, cmpRef)
		out = append(out, l)
	}
	return out
}

// remove deletes an object the deploy created. Its deletion is captured
// first (a tombstone, while Flux still maps its GID); definitions are not
// deleted (SKIPPED with the reason).
func (ru *run) remove(ctx context.Context, o release.ObjectRef) error {
	if err := ru.gate(ctx); err != nil {
		return err
	}
	ru.mu.Lock()
	sn := ru.snaps[o]
	ru.mu.Unlock()
	if sn.Absent {
		// Already gone (deleted by someone else, or by an earlier run).
		return ru.record(ctx, release.Outcome{Object: o, Action: release.ActionDeleted})
	}
	gid, err := ru.gidOf(ctx, o)
	if err != nil {
		return err
	}
	if gid != "" {
		if err := ru.capture(ctx, nil, []release.Outcome{{Object: o, GID: gid}}); err != nil {
			return err
		}
	}
	err = ru.target.Delete(ctx, o.Type, o.Canonical)
	if ru.e.crash() {
		return fmt.Errorf("injected crash after a delete")
	}
	if err != nil {
		msg, ofObject := objectError(err)
		if !ofObject {
			return fmt.Errorf("delete %s: %w", o, err)
		}
		action := release.ActionFailed
		if platform.KindOf(err) == platform.KindValidation {
			action = release.ActionSkipped // definitions are kept
		}
		return ru.record(ctx, release.Outcome{Object: o, Action: action, GID: gid, Error: msg})
	}
	return ru.record(ctx, release.Outcome{Object: o, Action: release.ActionDeleted, GID: gid})
}

// gidOf is the GID the deploy recorded for o.
func (ru *run) gidOf(ctx context.Context, o release.ObjectRef) (string, error) {
	ms, err := ru.e.Store.MappingsByCanonical(ctx, ru.job.TenantID, o.Type, []string{ru.job.TargetShop}, []string{o.Canonical})
	if err != nil {
		return "", fmt.Errorf("mapping of %s: %w", o, err)
	}
	if len(ms) > 0 {
		return ms[0].GID, nil
	}
	return "", nil
}
