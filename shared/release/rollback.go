package release

import "time"

// Rollback is a release's rollback: one job per target (the same job model
// and phases as a deploy) reverting every object the release's deploy job
// on that target changed to its pre-deploy snapshot. Stored on the
// release's item (shared/store/deployrun.go); the release keeps its status.
type Rollback struct {
	// Jobs maps each target shop to its rollback job.
	Jobs map[string]string
	// Active counts rollback jobs not yet ended, Failed the ones that
	// ended FAILED or CANCELLED.
	Active, Failed int
	By             string
	At             time.Time
}

// Rollback statuses (Rollback.Status).
const (
	RollbackNone      = ""
	RollbackRunning   = "RUNNING"
	RollbackFailed    = "FAILED"
	RollbackCompleted = "COMPLETED"
)

// Status is RUNNING while a job runs, then FAILED or COMPLETED; "" when the
// release was never rolled back.
func (rb Rollback) Status() string {
	switch {
	case len(rb.Jobs) == 0:
		return RollbackNone
	case rb.Active > 0:
		return RollbackRunning
	case rb.Failed > 0:
		return RollbackFailed
	}
	return RollbackCompleted
}

// Refusal codes of rollbackRelease and retryDeploy.
const (
	CodeNotDeployed     = "NOT_DEPLOYED"
	CodeRolledBack      = "ROLLED_BACK"
	CodeRollbackRunning = "ROLLBACK_RUNNING"
	CodeNotFailed       = "NOT_FAILED"
)

// CheckRollback is whether r may be rolled back: it ran a deploy (DEPLOYED,
// FAILED or CANCELLED with jobs) and has no rollback running or completed.
// retry is true when an earlier rollback failed: its failed jobs run again
// and continue where they stopped.
func CheckRollback(r Release, rb Rollback) (retry bool, err error) {
	switch {
	case len(r.Jobs) == 0 || (r.Status != Deployed && r.Status != Failed && r.Status != Cancelled):
		return false, refuse(CodeNotDeployed, "release %s is %s: only a deployed (or failed or cancelled) deploy can be rolled back", r.ID, r.Status)
	case rb.Status() == RollbackRunning:
		return false, refuse(CodeRollbackRunning, "release %s is being rolled back", r.ID)
	case rb.Status() == RollbackCompleted:
		return false, refuse(CodeRolledBack, "release %s has already been rolled back", r.ID)
	}
	return rb.Status() == RollbackFailed, nil
}

// CheckRetry is whether r's deploy may be retried: it FAILED and was not
// rolled back. Its failed jobs run again and continue where they failed.
func CheckRetry(r Release, rb Rollback) error {
	switch {
	case r.Status != Failed:
		return refuse(CodeNotFailed, "release %s is %s: only a FAILED deploy can be retried", r.ID, r.Status)
	case rb.Status() != RollbackNone:
		return refuse(CodeRolledBack, "release %s has been rolled back: create a new release", r.ID)
	}
	return nil
}
