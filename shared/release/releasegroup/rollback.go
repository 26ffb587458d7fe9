package releasegroup

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store"
)

// rollbackRelease and retryDeploy (schema/rollback.graphql), both
// releases:deploy and audited. The worker-deploy executor (shared/deploy)
// runs their jobs.
const (
	OpRollbackRelease = "rollbackRelease"
	OpRetryDeploy     = "retryDeploy"
	ActionRollback    = "release.rollback"
	ActionRetry       = "release.retryDeploy"
)

// RollbackStore is what rollbackRelease and retryDeploy need of the table
// beyond Store (*store.Store).
type RollbackStore interface {
	ReleaseRollback(ctx context.Context, tenantID, releaseID string) (release.Rollback, error)
	StartRollback(ctx context.Context, r release.Release, jobs []release.DeployJob, retry bool, by string, at time.Time) error
	RetryDeploy(ctx context.Context, r release.Release, jobIDs map[string]string, at time.Time) error
}

var _ RollbackStore = (*store.Store)(nil)

// addRollbackOps adds the rollback operations to the group's ops.
func (g *group) addRollbackOps(ops map[string]rpc.Operation) {
	ops[OpRollbackRelease] = rpc.Op(g.rollbackRelease)
	ops[OpRetryDeploy] = rpc.Op(g.retryDeploy)
}

func (g *group) rollbackStore() (RollbackStore, error) {
	rs, ok := g.Store.(RollbackStore)
	if !ok {
		return nil, platform.E(platform.KindUnavailable, "rollback is not available")
	}
	return rs, nil
}

func (g *group) rollbackRelease(ctx context.Context, args ReleaseIDArgs) (ActionResult, error) {
	caller := auth.IdentityFrom(ctx)
	res, err := g.doRollback(ctx, caller, args)
	g.auditAction(ctx, ActionRollback, args.ReleaseID, res, err)
	return res, err
}

func (g *group) retryDeploy(ctx context.Context, args ReleaseIDArgs) (ActionResult, error) {
	caller := auth.IdentityFrom(ctx)
	res, err := g.doRetry(ctx, caller, args)
	g.auditAction(ctx, ActionRetry, args.ReleaseID, res, err)
	return res, err
}

func (g *group) auditAction(ctx context.Context, action, releaseID string, res ActionResult, err error) {
	d := ""
	if res.Message != nil {
		d = *res.Message
	} else if res.Error != nil {
		d = "refused: " + *res.Error
	}
	result := audit.ResultOf(err)
	if err == nil && !res.Success {
		result = audit.Failure
	}
	audit.Write(ctx, g.Audit, audit.Entry{Action: action, ResourceType: ResourceRel, ResourceID: releaseID,
		Result: result, Detail: detail(err, d)})
}

// load checks the caller and reads the release with its rollback.
func (g *group) loadForDeploy(ctx context.Context, caller auth.Identity, id string) (RollbackStore, release.Release, release.Rollback, error) {
	if err := caller.Require(auth.ScopeReleasesDeploy); err != nil {
		return nil, release.Release{}, release.Rollback{}, err
	}
	if err := release.ValidID("a release id", id); err != nil {
		return nil, release.Release{}, release.Rollback{}, err
	}
	rs, err := g.rollbackStore()
	if err != nil {
		return nil, release.Release{}, release.Rollback{}, err
	}
	r, err := g.Store.GetRelease(ctx, caller.TenantID, id)
	if err != nil {
		return nil, release.Release{}, release.Rollback{}, err
	}
	rb, err := rs.ReleaseRollback(ctx, caller.TenantID, id)
	if err != nil {
		return nil, release.Release{}, release.Rollback{}, err
	}
	return rs, r, rb, nil
}

// doRollback starts one rollback job per target the release deployed to
// (or, after a failed rollback, runs its failed jobs again).
func (g *group) doRollback(ctx context.Context, caller auth.Identity, args ReleaseIDArgs) (ActionResult, error) {
	rs, r, rb, err := g.loadForDeploy(ctx, caller, args.ReleaseID)
	if err != nil {
		return ActionResult{}, err
	}
	retry, err := release.CheckRollback(r, rb)
	if rf, ok := refusal(err); ok {
		return refused(rf), nil
	}
	if err != nil {
		return ActionResult{}, err
	}
	now := g.Now().UTC()
	var jobs []release.DeployJob
	if retry {
		var ids []string
		for _, t := range r.TargetShops {
			if id := rb.Jobs[t]; id != "" {
				ids = append(ids, id)
			}
		}
		old, err := g.Store.DeployJobs(ctx, r.TenantID, ids)
		if err != nil {
			return ActionResult{}, err
		}
		for _, j := range old {
			if j.Status == release.JobFailed || j.Status == release.JobCancelled {
				jobs = append(jobs, j)
			}
		}
	} else {
		for _, t := range r.TargetShops {
			if r.Jobs[t] == "" {
				continue
			}
			jobs = append(jobs, release.DeployJob{ID: g.NewJobID(), TenantID: r.TenantID, ReleaseID: r.ID, SourceShop: r.SourceShop,
				TargetShop: t, Status: release.JobPending, Phase: release.PhasePending, CreatedAt: now, UpdatedAt: now})
		}
	}
	if len(jobs) == 0 {
		return refused(&release.Refusal{Code: release.CodeConflict, Message: "release " + r.ID + " has no rollback job to run"}), nil
	}
	err = rs.StartRollback(ctx, r, jobs, retry, caller.Principal, now)
	if rf, ok := refusal(err); ok {
		return refused(rf), nil
	}
	if err != nil {
		return ActionResult{}, err
	}
	return g.queue(ctx, r, jobs, "Rollback")
}

// doRetry runs a FAILED release's failed deploy jobs again; each continues
// where it failed (its outcomes and snapshots are kept). The target is not
// checked for drift: the objects the job already wrote changed it.
func (g *group) doRetry(ctx context.Context, caller auth.Identity, args ReleaseIDArgs) (ActionResult, error) {
	rs, r, rb, err := g.loadForDeploy(ctx, caller, args.ReleaseID)
	if err != nil {
		return ActionResult{}, err
	}
	if rf, ok := refusal(release.CheckRetry(r, rb)); ok {
		return refused(rf), nil
	}
	var ids []string
	for _, t := range r.TargetShops {
		if id := r.Jobs[t]; id != "" {
			ids = append(ids, id)
		}
	}
	all, err := g.Store.DeployJobs(ctx, r.TenantID, ids)
	if err != nil {
		return ActionResult{}, err
	}
	failed := map[string]string{}
	var jobs []release.DeployJob
	for _, j := range all {
		if j.Status == release.JobFailed {
			failed[j.TargetShop] = j.ID
			jobs = append(jobs, j)
		}
	}
	if len(jobs) == 0 {
		return refused(&release.Refusal{Code: release.CodeNotFailed, Message: "release " + r.ID + " has no failed deploy job"}), nil
	}
	err = rs.RetryDeploy(ctx, r, failed, g.Now().UTC())
	if rf, ok := refusal(err); ok {
		return refused(rf), nil
	}
	if err != nil {
		return ActionResult{}, err
	}
	return g.queue(ctx, r, jobs, "Retry of the deploy")
}

// queue sends the jobs to the DeployQueue; a job that cannot be queued is
// ended FAILED (freeing its target) and the caller told to try again.
func (g *group) queue(ctx context.Context, r release.Release, jobs []release.DeployJob, kind string) (ActionResult, error) {
	out := ActionResult{Success: true}
	var ids []string
	slices.SortFunc(jobs, func(a, b release.DeployJob) int { return strings.Compare(a.TargetShop, b.TargetShop) })
	for i, j := range jobs {
		if err := g.Queue.Send(ctx, release.Message{TenantID: r.TenantID, ReleaseID: r.ID, JobID: j.ID}); err != nil {
			platform.Log(ctx).Error("queue job", "job", j.ID, "error", err.Error())
			g.failUnqueued(ctx, r.TenantID, jobs[i:], "the job could not be queued; call the same mutation again")
			return ActionResult{}, platform.Wrap(platform.KindUnavailable, "the job could not be queued, try again", err)
		}
		j.Status, j.Phase, j.Error, j.EndedAt = release.JobPending, release.PhasePending, "", nil
		out.DeployJobs = append(out.DeployJobs, WireJob(j))
		ids = append(ids, j.TargetShop+": "+j.ID)
	}
	msg := fmt.Sprintf("%s of release %s queued: %s.", kind, r.ID, strings.Join(ids, ", "))
	out.Message = &msg
	return out, nil
}

// failUnqueued ends jobs that were not queued FAILED: nothing would run
// them, and a PENDING job would hold its target's lock. FAILED jobs are
// what retryDeploy and rollbackRelease run again.
func (g *group) failUnqueued(ctx context.Context, tenantID string, jobs []release.DeployJob, msg string) {
	for _, j := range jobs {
		if err := g.Store.FailDeployJob(ctx, tenantID, j.ID, msg, g.Now().UTC()); err != nil {
			platform.Log(ctx).Error("fail unqueued deploy job", "job", j.ID, "error", err.Error())
		}
	}
}
