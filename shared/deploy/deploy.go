package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/shopwrite"
)

// Progress of a job: where each phase starts.
const (
	progValidating = 1
	progGraph      = 5
	progSnapshot   = 8
	progExecuting  = 25
	progVerifying  = 85
	progEnd        = 99
)

// MaxListed is how many objects a validation error names.
const MaxListed = 20

// deploy runs a deploy job (see the package doc).
func (ru *run) deploy(ctx context.Context) error {
	if err := ru.phase(ctx, release.PhaseValidating, progValidating); err != nil {
		return err
	}
	var err error
	if ru.done, err = ru.loadOutcomes(ctx, ru.job.ID); err != nil {
		return err
	}
	all, err := ru.e.Store.AllReleaseChanges(ctx, ru.job.TenantID, ru.job.ReleaseID)
	if err != nil {
		return fmt.Errorf("changeset: %w", err)
	}
	var changes []release.Change
	for _, c := range all {
		if c.Target == ru.job.TargetShop && (c.Kind == release.Created || c.Kind == release.Modified) {
			changes = append(changes, c)
		}
	}
	bodies, err := ru.validate(ctx, changes)
	if err != nil {
		return err
	}

	if err := ru.phase(ctx, release.PhaseBuildingGraph, progGraph); err != nil {
		return err
	}
	nodes := make([]Node, 0, len(changes))
	for _, c := range changes {
		body, err := capture.Parse(bodies[c.Object])
		if err != nil {
			return fmt.Errorf("source body of %s: %w", c.Object, err)
		}
		nodes = append(nodes, Node{Ref: c.Object, Refs: References(c.Object.Type, c.Object.Canonical, body)})
	}
	plan := BuildPlan(nodes)
	ru.total = plan.Size()

	if err := ru.snapshot(ctx, ru.job.ID, plan); err != nil {
		return err
	}
	if err := ru.execute(ctx, plan, bodies, nil); err != nil {
		return err
	}
	return ru.verifyAll(ctx, plan, bodies)
}

// validate checks the changeset against the target and returns the source
// bodies by object.
func (ru *run) validate(ctx context.Context, changes []release.Change) (map[release.ObjectRef][]byte, error) {
	byType := map[mapping.ObjectType][]release.Change{}
	for _, c := range changes {
		if _, ok := Rank[c.Object.Type]; !ok {
			return nil, platform.E(platform.KindValidation, fmt.Sprintf("%s objects cannot be deployed by an object deploy (%s)", c.Object.Type, c.Object))
		}
		byType[c.Object.Type] = append(byType[c.Object.Type], c)
	}
	inDeploy := map[release.ObjectRef]bool{}
	for _, c := range changes {
		inDeploy[c.Object] = true
	}
	bodies := map[release.ObjectRef][]byte{}
	var drifted, missingSource []string
	refsOutside := map[mapping.ObjectType]map[string][]string{} // type → canonical → who references it
	for _, t := range slices.Sorted(mapsKeys(byType)) {
		cs := byType[t]
		for start := 0; start < len(cs); start += 100 {
			chunk := cs[start:min(start+100, len(cs))]
			seqs := map[string]int64{}
			var names []string
			for _, c := range chunk {
				seqs[c.Object.Canonical] = c.SourceSeq
				names = append(names, c.Object.Canonical)
			}
			vs, err := ru.e.Store.VersionsBySeq(ctx, ru.job.TenantID, t, ru.job.SourceShop, seqs)
			if err != nil {
				return nil, fmt.Errorf("source versions: %w", err)
			}
			cur, err := ru.e.Store.CurrentRefs(ctx, ru.job.TenantID, t, ru.job.TargetShop, names)
			if err != nil {
				return nil, fmt.Errorf("target versions: %w", err)
			}
			for _, c := range chunk {
				v, ok := vs[c.Object.Canonical]
				if !ok || v.Hash != c.SourceHash {
					missingSource = append(missingSource, c.Object.String())
					continue
				}
				if _, written := ru.done[c.Object]; !written {
					h := cur[c.Object.Canonical].Hash
					if h == ingest.TombstoneHash {
						h = ""
					}
					if h != c.TargetHash {
						drifted = append(drifted, c.Object.String())
					}
				}
				b, err := ru.e.Store.VersionBody(ctx, ru.e.Blobs, v)
				if err != nil {
					return nil, fmt.Errorf("source body of %s: %w", c.Object, err)
				}
				bodies[c.Object] = b
				body, err := capture.Parse(b)
				if err != nil {
					return nil, fmt.Errorf("source body of %s: %w", c.Object, err)
				}
				for _, r := range References(c.Object.Type, c.Object.Canonical, body) {
					if !inDeploy[r] {
						if refsOutside[r.Type] == nil {
							refsOutside[r.Type] = map[string][]string{}
						}
						refsOutside[r.Type][r.Canonical] = append(refsOutside[r.Type][r.Canonical], c.Object.String())
					}
				}
			}
		}
	}
	if len(missingSource) > 0 {
		return nil, platform.E(platform.KindValidation, "the source versions the release was computed from are gone: "+list(missingSource)+"; create a new release")
	}
	if len(drifted) > 0 {
		return nil, platform.E(platform.KindConflict, "the target changed since the release was computed: "+list(drifted)+"; sync the stores and create a new release")
	}
	var unresolved []string
	for _, t := range slices.Sorted(mapsKeys(refsOutside)) {
		want := slices.Sorted(mapsKeys(refsOutside[t]))
		for start := 0; start < len(want); start += 100 {
			chunk := want[start:min(start+100, len(want))]
			if mapping.ValidateCanonical(t, chunk[0]) != nil && len(chunk) == 1 {
				continue
			}
			var valid []string
			for _, c := range chunk {
				if mapping.ValidateCanonical(t, c) == nil {
					valid = append(valid, c)
				}
			}
			ms, err := ru.e.Store.MappingsByCanonical(ctx, ru.job.TenantID, t, []string{ru.job.TargetShop}, valid)
			if err != nil {
				return nil, fmt.Errorf("target mappings: %w", err)
			}
			have := map[string]bool{}
			for _, m := range ms {
				have[m.Canonical] = true
			}
			for _, c := range valid {
				if !have[c] {
					unresolved = append(unresolved, fmt.Sprintf("%s/%s (referenced by %s)", t, c, refsOutside[t][c][0]))
				}
			}
		}
	}
	if len(unresolved) > 0 {
		return nil, platform.E(platform.KindValidation, "objects the release references are neither in it nor in the target: "+list(unresolved)+
			"; widen the release's scope or deploy them first")
	}
	return bodies, nil
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func list(names []string) string {
	slices.Sort(names)
	more := ""
	if len(names) > MaxListed {
		more = fmt.Sprintf(" and %d more", len(names)-MaxListed)
		names = names[:MaxListed]
	}
	return strings.Join(names, ", ") + more
}

// snapshot takes the before-image of every object of plan that jobID has
// none of yet.
func (ru *run) snapshot(ctx context.Context, jobID string, plan Plan) error {
	if err := ru.phase(ctx, release.PhaseSnapshotting, progSnapshot); err != nil {
		return err
	}
	snaps, err := ru.loadSnapshots(ctx, jobID)
	if err != nil {
		return err
	}
	var todo []release.ObjectRef
	for _, l := range plan.Layers {
		for _, o := range l {
			if _, ok := snaps[o]; !ok {
				todo = append(todo, o)
			}
		}
	}
	n := 0
	err = ru.each(ctx, todo, func(ctx context.Context, o release.ObjectRef) error {
		if ru.e.now().After(ru.stopAt) {
			return ErrContinue
		}
		body, exists, err := ru.target.Snapshot(ctx, o.Type, o.Canonical)
		if err != nil {
			return fmt.Errorf("snapshot of %s: %w", o, err)
		}
		sn := release.Snapshot{Object: o, Absent: !exists, Body: body, TakenAt: ru.e.now().UTC()}
		if _, err := ru.e.Store.PutDeploySnapshot(ctx, ru.e.Blobs, ru.job.TenantID, jobID, sn); err != nil {
			return fmt.Errorf("store snapshot of %s: %w", o, err)
		}
		ru.mu.Lock()
		snaps[o] = sn
		n++
		k := n
		ru.mu.Unlock()
		ru.progress(ctx, release.PhaseSnapshotting, progSnapshot, progExecuting, k, len(todo))
		return nil
	})
	if err != nil {
		return err
	}
	ru.snaps = snaps
	return nil
}

// execute writes plan's objects from bodies, layer by layer, then patches
// the two-pass objects. deletes (a rollback's) run after, in order.
func (ru *run) execute(ctx context.Context, plan Plan, bodies map[release.ObjectRef][]byte, deletes [][]release.ObjectRef) error {
	if err := ru.phase(ctx, release.PhaseExecuting, progExecuting); err != nil {
		return err
	}
	total := plan.Size() + len(plan.TwoPass)
	for _, l := range deletes {
		total += len(l)
	}
	n := 0
	step := func(ctx context.Context) {
		ru.mu.Lock()
		n++
		k := n
		ru.mu.Unlock()
		ru.progress(ctx, release.PhaseExecuting, progExecuting, progVerifying, k, total)
	}
	for _, layer := range plan.Layers {
		err := ru.each(ctx, layer, func(ctx context.Context, o release.ObjectRef) error {
			defer step(ctx)
			if prev, ok := ru.outcome(o); ok && prev.Action != release.ActionFailed {
				return nil // done in an earlier run
			}
			return ru.write(ctx, o, bodies[o], plan.TwoPass[o])
		})
		if err != nil {
			return err
		}
	}
	var patch []release.ObjectRef
	for o := range plan.TwoPass {
		patch = append(patch, o)
	}
	slices.SortFunc(patch, func(a, b release.ObjectRef) int {
		if d := Rank[a.Type] - Rank[b.Type]; d != 0 {
			return d
		}
		return cmpRef(a, b)
	})
	err := ru.each(ctx, patch, func(ctx context.Context, o release.ObjectRef) error {
		defer step(ctx)
		if prev, ok := ru.outcome(o); !ok || prev.Action == release.ActionFailed {
			return nil
		}
		return ru.write(ctx, o, bodies[o], false)
	})
	if err != nil {
		return err
	}
	for _, layer := range deletes {
		err := ru.each(ctx, layer, func(ctx context.Context, o release.ObjectRef) error {
			defer step(ctx)
			if prev, ok := ru.outcome(o); ok && prev.Action != release.ActionFailed {
				return nil
			}
			return ru.remove(ctx, o)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// write writes one object and records its outcome: CREATED when the job's
// snapshot of it was absent (whatever shopwrite answers on a retry), else
// UPDATED; FAILED with the reason when the object was refused.
func (ru *run) write(ctx context.Context, o release.ObjectRef, body []byte, deferRefs bool) error {
	if err := ru.gate(ctx); err != nil {
		return err
	}
	res, err := ru.target.WriteJSON(ctx, o.Type, o.Canonical, body, shopwrite.Options{DeferUnresolved: deferRefs})
	if ru.e.crash() {
		return errors.New("injected crash after a write (FLUX_FAULT_DEPLOY_CRASH_AFTER_WRITES)")
	}
	if err != nil {
		msg, ofObject := objectError(err)
		if !ofObject {
			return fmt.Errorf("write %s: %w", o, err)
		}
		ru.log().InfoContext(ctx, "object refused", "object", o.String(), "error", msg)
		prev, _ := ru.outcome(o)
		return ru.record(ctx, release.Outcome{Object: o, Action: release.ActionFailed, GID: prev.GID, Error: msg})
	}
	action := release.ActionUpdated
	ru.mu.Lock()
	sn := ru.snaps[o]
	ru.mu.Unlock()
	if prev, ok := ru.outcome(o); ok && prev.Action == release.ActionCreated {
		action = release.ActionCreated // a patch keeps the create
	} else if sn.Absent || (ru.rollbackOf != "" && res.Action == shopwrite.Created) {
		action = release.ActionCreated
	}
	return ru.record(ctx, release.Outcome{Object: o, Action: action, GID: res.GID})
}

// verifyAll reads back every object written, compares it with its body
// (the outcome's error on a difference), captures it, marks its outcome
// verified, and counts the job's failures. Each object is finished on its
// own, so a run that reaches its deadline stops (ErrContinue) and the next
// one verifies only what is left: a large deploy's verification spans as
// many runs as its writes did.
func (ru *run) verifyAll(ctx context.Context, plan Plan, bodies map[release.ObjectRef][]byte) error {
	if err := ru.phase(ctx, release.PhaseVerifying, progVerifying); err != nil {
		return err
	}
	var refs []release.ObjectRef
	for _, l := range plan.Layers {
		refs = append(refs, l...)
	}
	n := 0
	err := ru.each(ctx, refs, func(ctx context.Context, o release.ObjectRef) error {
		out, ok := ru.outcome(o)
		if !ok || out.Verified || (out.Action != release.ActionCreated && out.Action != release.ActionUpdated && out.Action != release.ActionDeleted) {
			return nil
		}
		if ru.e.now().After(ru.stopAt) {
			return ErrContinue
		}
		defer func() {
			ru.mu.Lock()
			n++
			k := n
			ru.mu.Unlock()
			ru.progress(ctx, release.PhaseVerifying, progVerifying, progEnd, k, len(refs))
		}()
		obj, got, found, err := ru.target.Read(ctx, o.Type, out.GID)
		if err != nil {
			return fmt.Errorf("read back %s: %w", o, err)
		}
		msg := ""
		switch {
		case out.Action == release.ActionDeleted && found:
			msg = "the object is still in the target after its deletion"
		case out.Action == release.ActionDeleted:
			// Deletions were captured before the delete (rollback).
		case !found:
			msg = "the object is not in the target after writing it"
		default:
			paths, err := verify(bodies[o], got)
			if err != nil {
				return fmt.Errorf("verify %s: %w", o, err)
			}
			if len(paths) > 0 {
				msg = describe(paths)
			}
			if err := ru.capture(ctx, []catalog.Object{obj}, nil); err != nil {
				return err
			}
		}
		out.Error, out.Verified = msg, true
		return ru.record(ctx, out)
	})
	if err != nil {
		return err
	}
	ru.tally(refs)
	return nil
}

// tally counts the failed objects among refs by their outcomes.
func (ru *run) tally(refs []release.ObjectRef) {
	ru.total = len(refs)
	for _, o := range refs {
		out, ok := ru.outcome(o)
		switch {
		case !ok:
			ru.fail(o, "not written")
		case out.Action == release.ActionFailed || out.Error != "":
			if out.Action == release.ActionSkipped {
				continue
			}
			ru.fail(o, out.Error)
		}
	}
}
