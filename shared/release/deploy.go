package release

import (
	"fmt"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// JobStatus is a deploy job's status.
type JobStatus string

const (
	JobPending   JobStatus = "PENDING"
	JobRunning   JobStatus = "RUNNING"
	JobCompleted JobStatus = "COMPLETED"
	JobFailed    JobStatus = "FAILED"
	JobCancelled JobStatus = "CANCELLED"
)

// Ended reports whether s is final.
func (s JobStatus) Ended() bool { return s == JobCompleted || s == JobFailed || s == JobCancelled }

// Phase is where a deploy job is, in order.
type Phase string

const (
	PhasePending       Phase = "PENDING"
	PhaseValidating    Phase = "VALIDATING"
	PhaseBuildingGraph Phase = "BUILDING_GRAPH"
	PhaseSnapshotting  Phase = "SNAPSHOTTING"
	PhaseExecuting     Phase = "EXECUTING"
	PhaseVerifying     Phase = "VERIFYING"
	PhaseCompleted     Phase = "COMPLETED"
	PhaseFailed        Phase = "FAILED"
)

// Phases is every phase, in order.
var Phases = []Phase{PhasePending, PhaseValidating, PhaseBuildingGraph, PhaseSnapshotting,
	PhaseExecuting, PhaseVerifying, PhaseCompleted, PhaseFailed}

// ParsePhase validates a phase name.
func ParsePhase(s string) (Phase, error) {
	for _, p := range Phases {
		if string(p) == s {
			return p, nil
		}
	}
	return "", platform.E(platform.KindValidation, fmt.Sprintf("unknown deploy phase %q", s))
}

// Working reports whether p is one of the executor's phases (UpdatePhase
// sets these; COMPLETED and FAILED are set by Complete and Fail).
func (p Phase) Working() bool {
	switch p {
	case PhaseValidating, PhaseBuildingGraph, PhaseSnapshotting, PhaseExecuting, PhaseVerifying:
		return true
	}
	return false
}

// DeployJob deploys one release to one target shop.
type DeployJob struct {
	ID         string
	TenantID   string
	ReleaseID  string
	SourceShop string
	TargetShop string
	Status     JobStatus
	Phase      Phase
	// Progress is 0..100.
	Progress        int
	Error           string
	Hotfix          bool
	CancelRequested bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
	StartedAt       *time.Time
	EndedAt         *time.Time
	// Counts of recorded outcomes by action.
	Outcomes map[Action]int
}

// Action is what a deploy did to one object in the target.
type Action string

const (
	ActionCreated Action = "CREATED"
	ActionUpdated Action = "UPDATED"
	ActionSkipped Action = "SKIPPED"
	ActionFailed  Action = "FAILED"
	// ActionDeleted: a rollback deleted an object its deploy created.
	ActionDeleted Action = "DELETED"
)

// ParseAction validates an action name.
func ParseAction(s string) (Action, error) {
	switch a := Action(s); a {
	case ActionCreated, ActionUpdated, ActionSkipped, ActionFailed, ActionDeleted:
		return a, nil
	}
	return "", platform.E(platform.KindValidation, fmt.Sprintf("unknown deploy action %q", s))
}

// Outcome is what a deploy job did to one object.
type Outcome struct {
	Object ObjectRef
	Action Action
	// GID is the object's GID in the target (after a create, the new one).
	GID   string
	Error string
	At    time.Time
	// Verified: the object was read back and compared (VERIFYING), so a
	// run that continues the job does not read it again.
	Verified bool
}

// Snapshot is the before-image of one target object, taken before a
// deploy changes it: its body (canonical JSON) or Absent when the target
// did not have it (a rollback then deletes what the deploy created).
type Snapshot struct {
	Object ObjectRef
	GID    string
	Absent bool
	// Hash is the body's SHA-256 (empty when absent); the body lives in the
	// blob store by that hash.
	Hash    string
	Body    []byte
	TakenAt time.Time
}
