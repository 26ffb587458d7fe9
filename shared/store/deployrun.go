package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
)

// Deploy runs after the first: retrying a FAILED deploy and rolling a
// release back (shared/deploy executes both). The rollback's state lives on
// the release item (attributes rollbackJobs, rollbackActive,
// rollbackFailed, rollbackBy, rollbackAt; R21), its jobs are deploy jobs
// (R13–R19 items) and take the target's deploy lock (R10).

// releaseRollbackItem is the rollback part of a release item.
type releaseRollbackItem struct {
	RollbackJobs   map[string]string `dynamodbav:"rollbackJobs,omitempty"`
	RollbackActive int               `dynamodbav:"rollbackActive"`
	RollbackFailed int               `dynamodbav:"rollbackFailed"`
	RollbackBy     string            `dynamodbav:"rollbackBy,omitempty"`
	RollbackAt     string            `dynamodbav:"rollbackAt,omitempty"`
}

// ReleaseRollback reads a release's rollback (R21; the zero Rollback when
// it was never rolled back; NotFound for another tenant's id).
func (s *Store) ReleaseRollback(ctx context.Context, tenantID, releaseID string) (release.Rollback, error) {
	if err := checkIDs(tenantID, releaseID); err != nil {
		return release.Rollback{}, err
	}
	var it releaseRollbackItem
	found, err := s.getItem(ctx, ReleasePK(tenantID, releaseID), skRelease, &it)
	if err != nil {
		return release.Rollback{}, fmt.Errorf("release rollback: %w", err)
	}
	if !found {
		return release.Rollback{}, releaseNotFound()
	}
	rb := release.Rollback{Jobs: it.RollbackJobs, Active: it.RollbackActive, Failed: it.RollbackFailed, By: it.RollbackBy}
	if it.RollbackAt != "" {
		if rb.At, err = parseTime(it.RollbackAt); err != nil {
			return release.Rollback{}, err
		}
	}
	return rb, nil
}

// StartRollback starts a release's rollback (R21) in one transaction: the
// release (condition: its status and no rollback, or — retry — a rollback
// whose jobs ended with failures), per job the target's deploy lock
// (condition: free) and the job: put PENDING (condition: new) or, on a
// retry, a FAILED or CANCELLED job made PENDING again (it continues from its
// outcomes).
func (s *Store) StartRollback(ctx context.Context, r release.Release, jobs []release.DeployJob, retry bool, by string, at time.Time) error {
	if err := checkIDs(r.TenantID, r.ID); err != nil {
		return err
	}
	jm, err := jobsByTarget("rollback", jobs)
	if err != nil {
		return err
	}
	v := vals(":st", string(r.Status), ":n", len(jobs), ":zero", 0, ":by", by, ":at", formatTime(at))
	cond := "#st = :st AND attribute_not_exists(rollbackJobs)"
	expr := "SET rollbackJobs = :jobs, rollbackActive = :n, rollbackFailed = :zero, rollbackBy = :by, rollbackAt = :at, updatedAt = :at"
	if retry {
		cond = "#st = :st AND rollbackActive = :zero AND rollbackFailed > :zero"
		expr = "SET rollbackActive = :n, rollbackFailed = :zero, rollbackBy = :by, rollbackAt = :at, updatedAt = :at"
	} else {
		v[":jobs"] = jm
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(s.Table), Key: key(ReleasePK(r.TenantID, r.ID), skRelease),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{"#st": "status"}, ExpressionAttributeValues: v,
	}}}
	errs := []error{&release.Refusal{Code: release.CodeConflict, Message: "release " + r.ID + " changed: read it again"}}
	for _, j := range jobs {
		lock, err := s.put(lockItem{PK: DeployLockPK(r.TenantID, j.TargetShop), SK: skLock, Type: typeLock, JobID: j.ID,
			ReleaseID: r.ID, TakenAt: formatTime(at)}, "attribute_not_exists(PK)", nil)
		if err != nil {
			return err
		}
		var job types.TransactWriteItem
		if retry {
			job = s.requeueJob(r.TenantID, j.ID, at, release.JobFailed, release.JobCancelled)
		} else if job, err = s.put(jobToItem(j), "attribute_not_exists(PK)", nil); err != nil {
			return err
		}
		items = append(items, lock, job)
		errs = append(errs, &release.Refusal{Code: release.CodeTargetBusy,
			Message: "another deploy is running on " + j.TargetShop + ": wait until it ends"},
			platform.E(platform.KindConflict, "rollback job "+j.ID+" changed: read the release again"))
	}
	return txReasons("start rollback", s.transact(ctx, items), errs...)
}

// requeueJob makes an ended job PENDING again (condition: one of from),
// keeping its outcomes and snapshots.
func (s *Store) requeueJob(tenantID, jobID string, at time.Time, from ...release.JobStatus) types.TransactWriteItem {
	v := vals(":p", string(release.JobPending), ":ph", string(release.PhasePending), ":f", false, ":at", formatTime(at))
	cond := "#st IN ("
	for i, st := range from {
		k := fmt.Sprintf(":from%d", i)
		v[k] = str(string(st))
		if i > 0 {
			cond += ", "
		}
		cond += k
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.Table), Key: key(DeployJobPK(tenantID, jobID), skJob),
		UpdateExpression:         aws.String("SET #st = :p, phase = :ph, cancelRequested = :f, updatedAt = :at REMOVE endedAt, #err"),
		ConditionExpression:      aws.String(cond + ")"),
		ExpressionAttributeNames: map[string]string{"#st": "status", "#err": "error"}, ExpressionAttributeValues: v,
	}}
}

// RetryDeploy runs a FAILED release's failed jobs again (R22), in one
// transaction: the release FAILED → DEPLOYING (condition: FAILED, never
// rolled back; jobsActive and jobsFailed moved by the jobs retried), per
// job the target's deploy lock (condition: free) and the job FAILED →
// PENDING with its outcomes and snapshots kept, so the executor continues
// where it failed.
func (s *Store) RetryDeploy(ctx context.Context, r release.Release, jobIDs map[string]string, at time.Time) error {
	if err := checkIDs(r.TenantID, r.ID); err != nil {
		return err
	}
	if len(jobIDs) == 0 || len(jobIDs)*2+1 > maxTransactItems {
		return platform.E(platform.KindValidation, "a retry has 1 to 49 jobs")
	}
	n := len(jobIDs)
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(s.Table), Key: key(ReleasePK(r.TenantID, r.ID), skRelease),
		UpdateExpression:         aws.String("SET #st = :dep, jobsActive = jobsActive + :n, jobsFailed = jobsFailed - :n, cancelRequested = :f, updatedAt = :at REMOVE #err"),
		ConditionExpression:      aws.String("#st = :failed AND jobsFailed >= :n AND attribute_not_exists(rollbackJobs)"),
		ExpressionAttributeNames: map[string]string{"#st": "status", "#err": "error"},
		ExpressionAttributeValues: vals(":dep", string(release.Deploying), ":failed", string(release.Failed), ":n", n, ":f", false,
			":at", formatTime(at)),
	}}}
	errs := []error{&release.Refusal{Code: release.CodeConflict, Message: "release " + r.ID + " is no longer FAILED"}}
	for target, jobID := range jobIDs {
		lock, err := s.put(lockItem{PK: DeployLockPK(r.TenantID, target), SK: skLock, Type: typeLock, JobID: jobID,
			ReleaseID: r.ID, TakenAt: formatTime(at)}, "attribute_not_exists(PK)", nil)
		if err != nil {
			return err
		}
		items = append(items, lock, s.requeueJob(r.TenantID, jobID, at, release.JobFailed))
		errs = append(errs, &release.Refusal{Code: release.CodeTargetBusy,
			Message: "another deploy is running on " + target + ": wait until it ends"},
			platform.E(platform.KindConflict, "deploy job "+jobID+" is no longer FAILED"))
	}
	return txReasons("retry deploy", s.transact(ctx, items), errs...)
}

// EndRollbackJob ends a rollback job (R21) in one transaction: the job
// (condition: not ended), the target's lock released (condition: this job
// holds it, or nobody does) and the release's rollback counters (atomic
// ADDs). Ending a job again with the status it has is a no-op.
func (s *Store) EndRollbackJob(ctx context.Context, tenantID, jobID string, st release.JobStatus, msg string, at time.Time) error {
	if err := checkIDs(tenantID, jobID); err != nil {
		return err
	}
	if !st.Ended() {
		return platform.E(platform.KindValidation, fmt.Sprintf("%s is not an end status", st))
	}
	j, err := s.GetDeployJob(ctx, tenantID, jobID)
	if err != nil {
		return err
	}
	if j.Status.Ended() {
		if j.Status == st {
			return nil
		}
		return platform.E(platform.KindConflict, fmt.Sprintf("rollback job %s already ended %s", jobID, j.Status))
	}
	expr := "SET #st = :st, endedAt = :at, updatedAt = :at"
	v := vals(":st", string(st), ":at", formatTime(at), ":p", string(release.JobPending), ":r", string(release.JobRunning))
	switch st {
	case release.JobCompleted:
		expr += ", phase = :ph, progress = :hundred"
		v[":ph"], v[":hundred"] = str(string(release.PhaseCompleted)), num(100)
	case release.JobFailed:
		expr += ", phase = :ph"
		v[":ph"] = str(string(release.PhaseFailed))
	}
	if msg != "" {
		expr += ", #err = :msg"
		v[":msg"] = str(msg)
	}
	failed := 0
	if st != release.JobCompleted {
		failed = 1
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.Table), Key: key(DeployJobPK(tenantID, jobID), skJob), UpdateExpression: aws.String(expr),
			ConditionExpression:      aws.String("#st IN (:p, :r)"),
			ExpressionAttributeNames: names(msg != "", map[string]string{"#st": "status"}), ExpressionAttributeValues: v,
		}},
		s.del(DeployLockPK(tenantID, j.TargetShop), skLock, "attribute_not_exists(PK) OR jobId = :job", vals(":job", jobID)),
		{Update: &types.Update{
			TableName: aws.String(s.Table), Key: key(ReleasePK(tenantID, j.ReleaseID), skRelease),
			UpdateExpression:          aws.String("SET updatedAt = :at ADD rollbackActive :minus, rollbackFailed :f"),
			ConditionExpression:       aws.String("rollbackActive > :zero"),
			ExpressionAttributeValues: vals(":at", formatTime(at), ":minus", -1, ":f", failed, ":zero", 0),
		}},
	}
	err = s.transact(ctx, items)
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return platform.Wrap(platform.KindConflict, "rollback job "+jobID+" changed while ending: try again", err)
	}
	if err != nil {
		return fmt.Errorf("end rollback job: %w", err)
	}
	return nil
}

// DeployJobKeepAlive touches a running job's updatedAt (R14 without a phase
// change) so a reader can tell a live job from a stuck one.
func (s *Store) DeployJobKeepAlive(ctx context.Context, tenantID, jobID string, at time.Time) error {
	if err := checkIDs(tenantID, jobID); err != nil {
		return err
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: key(DeployJobPK(tenantID, jobID), skJob),
		UpdateExpression:          aws.String("SET updatedAt = :at"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: vals(":at", formatTime(at)),
	})
	return classify("deploy job keep-alive", err, platform.E(platform.KindNotFound, "deploy job not found"))
}
