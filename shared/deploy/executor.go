// Package deploy is the deploy job executor (functions/worker-deploy): it
// runs one deploy job of a release — or one rollback job — to its end.
//
// A deploy job goes through its phases, each visible in deployJob with a
// progress of 0–100:
//
//   - VALIDATING: the job's changeset (the release's CREATED and MODIFIED
//     objects for the job's target) is checked against the target: every
//     type can be written as an object (not THEME), the source versions
//     exist with the hashes the changeset was computed from, the target's
//     captured versions are still the ones it was computed against (an
//     object this job already wrote is exempt: a retry continues), and
//     every reference of a source body is either deployed by the job or
//     mapped in the target.
//   - BUILDING_GRAPH: BuildPlan layers the objects by type rank and by
//     their references inside a rank; objects of a reference cycle (or
//     referencing a later rank) are written in two passes.
//   - SNAPSHOTTING: the before-image of every object it will touch
//     (shopwrite Snapshot; Absent when the target has no such object) is
//     stored through the release store (first one wins, so a retry never
//     replaces it with a state the job already changed).
//   - EXECUTING: layers in order, the objects of a layer in parallel (at
//     most Options.Concurrency at once; the Shopify client's throttle paces
//     them within the target's cost budget). Before each write the job's
//     cancelRequested is read: once set, nothing more is written and the
//     job ends CANCELLED. Each write records the object's outcome (CREATED
//     when its snapshot was absent, else UPDATED; FAILED with Shopify's
//     message when refused). The outcomes are the checkpoint: a redelivered
//     or retried job skips the objects whose outcome is recorded, and
//     shopwrite never creates an object twice (an object created before the
//     outcome was recorded is found by its canonical and updated).
//   - VERIFYING: every written object is read back, normalised, and
//     compared with its source body except the fields that cannot round
//     trip (NoRoundTrip); a difference is the outcome's error. Each object
//     read back is captured into Flux (shared/ingest, under the day's event
//     sync, operations recorded), so a sync of the target finds nothing new
//     and a new release between the same stores has an empty changeset.
//   - COMPLETED, or FAILED when any object failed (the release becomes
//     DEPLOYED or FAILED; the target's lock is released by the store).
//
// A rollback job reverts what the release's deploy job on the same target
// did, with the same phases: each object the deploy snapshotted is written
// back from its before-image (updated objects) or deleted (objects the
// deploy created; definitions are kept, SKIPPED), updates in layer order
// and deletions in reverse, and captured (deletions as tombstones).
//
// Errors: a refusal by Shopify (userErrors) or a missing reference fails
// the object, not the job; an error of Flux's own dependencies (DynamoDB,
// a Shopify outage after the client's retries) fails the run, and the
// message is redelivered (the run continues from the outcomes); a run
// close to its Lambda deadline stops between objects and continues itself
// through DeployQueue.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/shopwrite"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// Store is what the executor needs of Flux's table (*store.Store).
type Store interface {
	GetDeployJob(ctx context.Context, tenantID, jobID string) (release.DeployJob, error)
	GetRelease(ctx context.Context, tenantID, releaseID string) (release.Release, error)
	ReleaseRollback(ctx context.Context, tenantID, releaseID string) (release.Rollback, error)
	AllReleaseChanges(ctx context.Context, tenantID, releaseID string) ([]release.Change, error)
	UpdateDeployPhase(ctx context.Context, tenantID, jobID string, phase release.Phase, progress int, at time.Time) error
	CancelRequested(ctx context.Context, tenantID, jobID string) (bool, error)
	RecordDeployOutcome(ctx context.Context, tenantID, jobID string, o release.Outcome) error
	DeployOutcomes(ctx context.Context, tenantID, jobID string, limit int, after string) ([]release.Outcome, string, error)
	PutDeploySnapshot(ctx context.Context, blobs store.Blobs, tenantID, jobID string, sn release.Snapshot) (bool, error)
	DeploySnapshot(ctx context.Context, blobs store.Blobs, tenantID, jobID string, o release.ObjectRef) (release.Snapshot, error)
	DeploySnapshots(ctx context.Context, tenantID, jobID string, limit int, after string) ([]release.Snapshot, string, error)
	EndDeployJob(ctx context.Context, tenantID, jobID string, st release.JobStatus, msg string, at time.Time) error
	EndRollbackJob(ctx context.Context, tenantID, jobID string, st release.JobStatus, msg string, at time.Time) error
	CurrentRefs(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, canonicals []string) (map[string]store.CurrentRef, error)
	VersionsBySeq(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, seqs map[string]int64) (map[string]store.Version, error)
	VersionBody(ctx context.Context, blobs store.Blobs, v store.Version) ([]byte, error)
	MappingsByCanonical(ctx context.Context, tenantID string, t mapping.ObjectType, shops, canonicals []string) ([]mapping.Mapping, error)
	EnsureEventSync(ctx context.Context, tenantID string, t fsync.Type, at time.Time) (string, error)
	RecordOperations(ctx context.Context, tenantID, syncID string, ops []fsync.Operation) error
}

var _ Store = (*store.Store)(nil)

// Target writes to and reads one target shop (ShopTarget: shopwrite.Writer
// and catalog.Reader).
type Target interface {
	WriteJSON(ctx context.Context, t mapping.ObjectType, canonical string, body []byte, opts shopwrite.Options) (shopwrite.Result, error)
	Snapshot(ctx context.Context, t mapping.ObjectType, canonical string) ([]byte, bool, error)
	Delete(ctx context.Context, t mapping.ObjectType, canonical string) error
	// Read reads gid back: the object as read and its canonical body;
	// found is false when the shop has no such object.
	Read(ctx context.Context, t mapping.ObjectType, gid string) (obj catalog.Object, body []byte, found bool, err error)
}

// Targets give the Target of a tenant's shop.
type Targets interface {
	Target(ctx context.Context, tenantID, shop string) (Target, error)
}

// Capturer records objects of one shop under one sync (*ingest.Capturer).
type Capturer interface {
	Capture(ctx context.Context, obj catalog.Object, sourceAt time.Time) (ingest.Result, error)
	Delete(ctx context.Context, t mapping.ObjectType, gid string, at time.Time) (ingest.Result, error)
}

var _ Capturer = (*ingest.Capturer)(nil)

// Options tune the executor.
type Options struct {
	// Concurrency is how many objects of a layer are written at once
	// (default 4).
	Concurrency int
	// Margin is the time kept before the Lambda deadline to stop and
	// continue through DeployQueue (default 10 s); MaxRun bounds a run
	// without a deadline (default 10 min).
	Margin, MaxRun time.Duration
	// CrashAfterWrites > 0 injects a crash (fault-injection tests only):
	// the run fails after that many writes, with the last write done in
	// Shopify but its outcome not recorded, as a killed worker would.
	// Counted per Executor, so it fires once.
	CrashAfterWrites int
}

// Executor runs deploy and rollback jobs.
type Executor struct {
	Store   Store
	Blobs   store.Blobs
	Targets Targets
	// Capturers capture into a shop's versions under a sync (ingest.New).
	Capturers func(tenantID, shop, syncID string) Capturer
	Log       *slog.Logger
	Now       func() time.Time
	Options   Options

	mu     sync.Mutex
	writes int
	// crashed is set once the injected crash fired.
	crashed bool
}

// ErrContinue is a run stopped before its deadline: the job continues in
// a new invocation (the handler queues the message again).
var ErrContinue = errors.New("deploy run stopped before its deadline: continue")

// errCancelled is a job whose cancellation was requested.
var errCancelled = errors.New("deploy job cancelled")

func (e *Executor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Executor) concurrency() int {
	if e.Options.Concurrency > 0 {
		return e.Options.Concurrency
	}
	return 4
}

// Run runs (or continues) the job of m. It returns nil when the job ended
// (COMPLETED, FAILED or CANCELLED, recorded), ErrContinue when it must
// continue in a new invocation, and any other error when the run failed
// and should be retried (the job is left RUNNING; its outcomes are kept).
func (e *Executor) Run(ctx context.Context, m release.Message) error {
	j, err := e.Store.GetDeployJob(ctx, m.TenantID, m.JobID)
	if platform.KindOf(err) == platform.KindNotFound {
		e.Log.WarnContext(ctx, "deploy message for an unknown job; dropped", "job", m.JobID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("deploy job %s: %w", m.JobID, err)
	}
	if j.Status.Ended() {
		return nil // a redelivery after the end
	}
	r, err := e.Store.GetRelease(ctx, m.TenantID, j.ReleaseID)
	if err != nil {
		return fmt.Errorf("deploy job %s: release: %w", j.ID, err)
	}
	rb, err := e.Store.ReleaseRollback(ctx, m.TenantID, j.ReleaseID)
	if err != nil {
		return fmt.Errorf("deploy job %s: release rollback: %w", j.ID, err)
	}
	ru := &run{e: e, job: j, rel: r, stopAt: e.stopAt(ctx), done: map[release.ObjectRef]release.Outcome{}}
	ru.end = e.Store.EndDeployJob
	switch {
	case rb.Jobs[j.TargetShop] == j.ID:
		ru.rollbackOf, ru.end = r.Jobs[j.TargetShop], e.Store.EndRollbackJob
	case r.Jobs[j.TargetShop] != j.ID:
		return e.finish(ctx, ru, platform.E(platform.KindValidation, "the job is not one of its release's jobs"))
	}
	if ru.target, err = e.Targets.Target(ctx, j.TenantID, j.TargetShop); err != nil {
		if k := platform.KindOf(err); k == platform.KindNotFound || k == platform.KindValidation || k == platform.KindForbidden || k == platform.KindUnauthenticated {
			return e.finish(ctx, ru, err)
		}
		return fmt.Errorf("deploy job %s: target %s: %w", j.ID, j.TargetShop, err)
	}
	if err := e.withLibraryFiles(ctx, j, ru.rollbackOf != "", ru.target); err != nil {
		if k := platform.KindOf(err); k == platform.KindNotFound || k == platform.KindForbidden || k == platform.KindUnauthenticated {
			return e.finish(ctx, ru, err)
		}
		return err
	}
	if ru.rollbackOf != "" {
		err = ru.rollback(ctx)
	} else {
		err = ru.deploy(ctx)
	}
	return e.finish(ctx, ru, err)
}

// finish ends the job for err (nil: by its outcomes) or returns err for a
// retry.
func (e *Executor) finish(ctx context.Context, ru *run, err error) error {
	j := ru.job
	var st release.JobStatus
	msg := ""
	switch {
	case err == nil && ru.failed > 0:
		st = release.JobFailed
		msg = fmt.Sprintf("%d of %d objects failed (see the job's outcomes): %s", ru.failed, ru.total, ru.firstErr)
	case err == nil:
		st = release.JobCompleted
	case errors.Is(err, errCancelled):
		st, msg = release.JobCancelled, "cancelled on request before the next write"
	case errors.Is(err, ErrContinue):
		return err
	case permanent(err):
		st, msg = release.JobFailed, platform.PublicMessage(err)
	default:
		return fmt.Errorf("deploy job %s: %w", j.ID, err)
	}
	if err := ru.end(ctx, j.TenantID, j.ID, st, msg, e.now().UTC()); err != nil {
		return fmt.Errorf("end deploy job %s %s: %w", j.ID, st, err)
	}
	e.Log.InfoContext(ctx, "deploy job ended", "job", j.ID, "release", j.ReleaseID, "status", st,
		"rollback", ru.rollbackOf != "", "objects", ru.total, "failed", ru.failed)
	return nil
}

// Fail ends a job FAILED after its last delivery failed (the handler).
func (e *Executor) Fail(ctx context.Context, m release.Message, cause error) error {
	j, err := e.Store.GetDeployJob(ctx, m.TenantID, m.JobID)
	if err != nil || j.Status.Ended() {
		return err
	}
	end := e.Store.EndDeployJob
	if rb, err := e.Store.ReleaseRollback(ctx, m.TenantID, j.ReleaseID); err == nil && rb.Jobs[j.TargetShop] == j.ID {
		end = e.Store.EndRollbackJob
	}
	msg := "the deploy failed repeatedly (" + platform.PublicMessage(cause) + "); retry it to continue where it stopped"
	return end(ctx, m.TenantID, m.JobID, release.JobFailed, msg, e.now().UTC())
}

// permanent errors fail the job: retrying the run cannot help.
func permanent(err error) bool {
	switch platform.KindOf(err) {
	case platform.KindValidation, platform.KindConflict, platform.KindNotFound, platform.KindForbidden, platform.KindUnauthenticated:
		return true
	}
	return false
}

func (e *Executor) stopAt(ctx context.Context) time.Time {
	margin, maxRun := e.Options.Margin, e.Options.MaxRun
	if margin <= 0 {
		margin = 10 * time.Second
	}
	if maxRun <= 0 {
		maxRun = 10 * time.Minute
	}
	at := e.now().Add(maxRun)
	if d, ok := ctx.Deadline(); ok && d.Add(-margin).Before(at) {
		at = d.Add(-margin)
	}
	return at
}

// crash counts a write and reports whether the injected crash fires now.
func (e *Executor) crash() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Options.CrashAfterWrites <= 0 || e.crashed {
		return false
	}
	e.writes++
	if e.writes >= e.Options.CrashAfterWrites {
		e.crashed = true
		return true
	}
	return false
}

// run is one run of one job.
type run struct {
	e      *Executor
	job    release.DeployJob
	rel    release.Release
	target Target
	// rollbackOf is the deploy job a rollback job reverts ("" for a
	// deploy).
	rollbackOf string
	end        func(ctx context.Context, tenantID, jobID string, st release.JobStatus, msg string, at time.Time) error
	stopAt     time.Time

	// done are the outcomes recorded so far (the checkpoint).
	done map[release.ObjectRef]release.Outcome
	// snaps are the before-images by object (bodies loaded for a rollback's
	// sources only).
	snaps map[release.ObjectRef]release.Snapshot

	mu             sync.Mutex
	total, failed  int
	firstErr       string
	lastProgressAt time.Time
}

func (ru *run) log() *slog.Logger {
	return ru.e.Log.With("job", ru.job.ID, "release", ru.job.ReleaseID, "target", ru.job.TargetShop)
}

// phase records the phase and progress.
func (ru *run) phase(ctx context.Context, p release.Phase, progress int) error {
	if err := ru.e.Store.UpdateDeployPhase(ctx, ru.job.TenantID, ru.job.ID, p, min(max(progress, 0), 99), ru.e.now().UTC()); err != nil {
		return fmt.Errorf("phase %s: %w", p, err)
	}
	ru.mu.Lock()
	ru.lastProgressAt = time.Now()
	ru.mu.Unlock()
	return nil
}

// progress records progress within a phase at most every 2 s.
func (ru *run) progress(ctx context.Context, p release.Phase, from, to, n, of int) {
	ru.mu.Lock()
	due := time.Since(ru.lastProgressAt) >= 2*time.Second
	if due {
		ru.lastProgressAt = time.Now()
	}
	ru.mu.Unlock()
	if !due || of == 0 {
		return
	}
	if err := ru.e.Store.UpdateDeployPhase(ctx, ru.job.TenantID, ru.job.ID, p, from+(to-from)*n/of, ru.e.now().UTC()); err != nil {
		ru.log().WarnContext(ctx, "deploy progress not recorded", "error", err)
	}
}

// loadOutcomes reads the job's outcomes (the checkpoint).
func (ru *run) loadOutcomes(ctx context.Context, jobID string) (map[release.ObjectRef]release.Outcome, error) {
	out := map[release.ObjectRef]release.Outcome{}
	for after := ""; ; {
		page, next, err := ru.e.Store.DeployOutcomes(ctx, ru.job.TenantID, jobID, 500, after)
		if err != nil {
			return nil, fmt.Errorf("outcomes of %s: %w", jobID, err)
		}
		for _, o := range page {
			out[o.Object] = o
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// loadSnapshots reads a job's before-images (without bodies).
func (ru *run) loadSnapshots(ctx context.Context, jobID string) (map[release.ObjectRef]release.Snapshot, error) {
	out := map[release.ObjectRef]release.Snapshot{}
	for after := ""; ; {
		page, next, err := ru.e.Store.DeploySnapshots(ctx, ru.job.TenantID, jobID, 500, after)
		if err != nil {
			return nil, fmt.Errorf("snapshots of %s: %w", jobID, err)
		}
		for _, s := range page {
			out[s.Object] = s
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// record records an outcome and keeps the run's counts.
func (ru *run) record(ctx context.Context, o release.Outcome) error {
	o.At = ru.e.now().UTC()
	if err := ru.e.Store.RecordDeployOutcome(ctx, ru.job.TenantID, ru.job.ID, o); err != nil {
		return fmt.Errorf("record outcome of %s: %w", o.Object, err)
	}
	ru.mu.Lock()
	ru.done[o.Object] = o
	ru.mu.Unlock()
	return nil
}

// fail counts a failed object (its outcome is recorded by the caller).
func (ru *run) fail(o release.ObjectRef, msg string) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	ru.failed++
	if ru.firstErr == "" {
		ru.firstErr = o.String() + ": " + msg
	}
}

func (ru *run) outcome(o release.ObjectRef) (release.Outcome, bool) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	out, ok := ru.done[o]
	return out, ok
}

// gate is checked before each write: the deadline, then cancellation.
func (ru *run) gate(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ru.e.now().After(ru.stopAt) {
		return ErrContinue
	}
	cancel, err := ru.e.Store.CancelRequested(ctx, ru.job.TenantID, ru.job.ID)
	if err != nil {
		return fmt.Errorf("read cancellation: %w", err)
	}
	if cancel {
		return errCancelled
	}
	return nil
}

// each runs fn on refs with bounded concurrency; the first error stops
// new work (in-flight calls finish) and is returned.
func (ru *run) each(ctx context.Context, refs []release.ObjectRef, fn func(ctx context.Context, o release.ObjectRef) error) error {
	sem := make(chan struct{}, ru.e.concurrency())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, o := range refs {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, o); err != nil {
				mu.Lock()
				if first == nil || (errors.Is(first, ErrContinue) && !errors.Is(err, ErrContinue)) {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// objectError decides what a failed write means: an error of the object
// (Shopify refused it, a reference is missing) is its outcome; any other
// fails the run.
func objectError(err error) (msg string, ofObject bool) {
	switch platform.KindOf(err) {
	case platform.KindValidation, platform.KindConflict, platform.KindNotFound:
		return platform.PublicMessage(err), true
	}
	return "", false
}

// captureAll records objects read back into Flux's versions of the target
// under the day's event sync (FILES for files), with their operations.
func (ru *run) capture(ctx context.Context, objs []catalog.Object, deleted []release.Outcome) error {
	if ru.e.Capturers == nil || (len(objs) == 0 && len(deleted) == 0) {
		return nil
	}
	bySync := map[fsync.Type][]catalog.Object{}
	for _, o := range objs {
		st := fsync.Objects
		if o.Type == mapping.File {
			st = fsync.Files
		}
		bySync[st] = append(bySync[st], o)
	}
	delBySync := map[fsync.Type][]release.Outcome{}
	for _, d := range deleted {
		st := fsync.Objects
		if d.Object.Type == mapping.File {
			st = fsync.Files
		}
		delBySync[st] = append(delBySync[st], d)
	}
	now := ru.e.now().UTC()
	for _, st := range []fsync.Type{fsync.Objects, fsync.Files} {
		if len(bySync[st]) == 0 && len(delBySync[st]) == 0 {
			continue
		}
		syncID, err := ru.e.Store.EnsureEventSync(ctx, ru.job.TenantID, st, now)
		if err != nil {
			return fmt.Errorf("capture: event sync: %w", err)
		}
		c := ru.e.Capturers(ru.job.TenantID, ru.job.TargetShop, syncID)
		var ops []fsync.Operation
		for _, o := range bySync[st] {
			res, err := c.Capture(ctx, o, time.Time{})
			if err != nil {
				return fmt.Errorf("capture %s %s: %w", o.Type, o.Canonical, err)
			}
			ops = append(ops, res.Operations()...)
		}
		for _, d := range delBySync[st] {
			res, err := c.Delete(ctx, d.Object.Type, d.GID, now)
			if err != nil {
				return fmt.Errorf("capture deletion of %s: %w", d.Object, err)
			}
			ops = append(ops, res.Operations()...)
		}
		for start := 0; start < len(ops); start += 25 {
			if err := ru.e.Store.RecordOperations(ctx, ru.job.TenantID, syncID, ops[start:min(start+25, len(ops))]); err != nil {
				return fmt.Errorf("capture: operations: %w", err)
			}
		}
	}
	return nil
}

// verify compares what the target has with want (canonical bodies),
// except NoRoundTrip; it returns the differing paths.
func verify(want, got []byte) ([]string, error) {
	a, err := capture.Parse(want)
	if err != nil {
		return nil, err
	}
	b, err := capture.Parse(got)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range capture.Diff(a, b) {
		if !slices.ContainsFunc(NoRoundTrip, func(p string) bool { return matchPath(p, c.Path) }) {
			out = append(out, c.Path)
		}
	}
	return out, nil
}

// NoRoundTrip are the fields (JSON pointer patterns, * for one segment)
// that cannot round-trip through a write (docs/shopwrite.md): sizes Shopify
// reads from a file's bytes, and a custom collection's products, which
// captures keep as {} (the members are set by the products' writes).
var NoRoundTrip = []string{
	"/media/*/image/height", "/media/*/image/width", "/image/height", "/image/width",
	// A variant's own image is not written by productSet here (the
	// product's media are); see docs/shopwrite.md.
	"/variants/*/image", "/variants/*/image/*", "/variants/*/image/*/*",
	"/originalSource/fileSize", "/originalFileSize",
	"/products/*",
}

func matchPath(pattern, p string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(p, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func describe(paths []string) string {
	const show = 5
	more := ""
	if len(paths) > show {
		more = fmt.Sprintf(" and %d more", len(paths)-show)
		paths = paths[:show]
	}
	return "the target differs after writing at " + strings.Join(paths, ", ") + more
}
