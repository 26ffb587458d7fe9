// Package release is the release domain: a release packages the field-level
// changeset between a source store and one or more target stores, goes
// through approval, and is deployed by one async deploy job per target.
//
// Lifecycle (every move is a condition expression in shared/store):
//
//	DRAFT ──(changeset stored)──▶ OPEN ──(triggerReleaseDeploy)──▶ DEPLOYING ──▶ DEPLOYED
//	  │                            │                                    │
//	  └──────(cancelRelease)───────┴──▶ CANCELLED                       └──▶ FAILED / CANCELLED
//
// createRelease writes the release DRAFT, stores its changeset, then moves
// it to OPEN in the same call: a release is OPEN (reviewable, approvable)
// exactly when its changeset is complete. A DRAFT that stays DRAFT is one
// whose changeset computation was interrupted; it can only be cancelled.
// Approvals are recorded on OPEN releases. A DEPLOYING release ends when
// all its jobs have ended: DEPLOYED when all completed, FAILED when any
// failed, CANCELLED when none failed and any was cancelled.
package release

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// Status is a release's lifecycle state.
type Status string

const (
	Draft     Status = "DRAFT"
	Open      Status = "OPEN"
	Deploying Status = "DEPLOYING"
	Deployed  Status = "DEPLOYED"
	Cancelled Status = "CANCELLED"
	Failed    Status = "FAILED"
)

// Statuses is every status, in lifecycle order.
var Statuses = []Status{Draft, Open, Deploying, Deployed, Cancelled, Failed}

var transitions = map[Status][]Status{
	Draft:     {Open, Cancelled},
	Open:      {Deploying, Cancelled},
	Deploying: {Deployed, Failed, Cancelled},
}

// CanMove reports whether a release may move from one status to another.
func CanMove(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Ended reports whether s is final.
func (s Status) Ended() bool { return s == Deployed || s == Cancelled || s == Failed }

// Type is what a release carries.
type Type string

const (
	Objects Type = "OBJECTS"
	Theme   Type = "THEME"
	Hybrid  Type = "HYBRID"
)

// ParseType validates a release type ("" is OBJECTS).
func ParseType(s string) (Type, error) {
	switch t := Type(s); t {
	case "":
		return Objects, nil
	case Objects, Theme, Hybrid:
		return t, nil
	}
	return "", platform.E(platform.KindValidation, fmt.Sprintf("release type %q must be OBJECTS, THEME or HYBRID", s))
}

// DefaultObjectTypes are the object types a release of type t covers when
// its scope names none: OBJECTS every object type but THEME, THEME the
// theme files, HYBRID both.
func (t Type) DefaultObjectTypes() []mapping.ObjectType {
	var out []mapping.ObjectType
	for _, ot := range mapping.ObjectTypes {
		isTheme := ot == mapping.Theme
		if (t == Theme && isTheme) || (t == Objects && !isTheme) || t == Hybrid {
			out = append(out, ot)
		}
	}
	return out
}

// Allows reports whether an object type belongs in a release of type t.
func (t Type) Allows(ot mapping.ObjectType) bool {
	return slices.Contains(t.DefaultObjectTypes(), ot)
}

// ObjectRef names one object across stores.
type ObjectRef struct {
	Type      mapping.ObjectType `json:"objectType"`
	Canonical string             `json:"canonical"`
}

func (o ObjectRef) String() string { return string(o.Type) + "/" + o.Canonical }

// Scope selects what a release compares: every object of ObjectTypes plus
// the named Canonicals. Empty: every object of the release type's types.
type Scope struct {
	ObjectTypes []mapping.ObjectType `json:"objectTypes,omitempty"`
	Canonicals  []ObjectRef          `json:"canonicals,omitempty"`
}

// Limits of a release's input.
const (
	MaxNameLength  = 200
	MaxTargets     = 10
	MaxCanonicals  = 1000
	MaxPRNumber    = 1 << 30
	MaxCommentSize = 2000
	// MaxFieldChanges is how many field changes are kept per changed
	// object (the rest are counted in FieldsTruncated; the object diff
	// endpoint shows them all).
	MaxFieldChanges = 100
	// MaxRequiredApprovals bounds the approval rule.
	MaxRequiredApprovals = 10
)

// Summary counts a changeset for one target.
type Summary struct {
	Created    int `json:"created"`
	Modified   int `json:"modified"`
	Unchanged  int `json:"unchanged"`
	TargetOnly int `json:"targetOnly"`
}

// Total is the number of objects a deploy would write.
func (s Summary) Total() int { return s.Created + s.Modified }

// ChangeKind is how one object differs between source and target.
type ChangeKind string

const (
	// Created: only the source has it; a deploy creates it.
	Created ChangeKind = "CREATED"
	// Modified: both have it, with different content; a deploy updates it.
	Modified ChangeKind = "MODIFIED"
	// TargetOnly: only the target has it. Listed for review; a deploy
	// never deletes it.
	TargetOnly ChangeKind = "TARGET_ONLY"
)

// FieldChange is one field-level difference (capture.Diff's path and kind:
// added, modified, removed), from the target's content to the source's.
type FieldChange struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
}

// Change is one object of a changeset, with the versions it was computed
// from (seq 0 and hash "" mean absent).
type Change struct {
	Target          string
	Object          ObjectRef
	Kind            ChangeKind
	SourceSeq       int64
	SourceHash      string
	TargetSeq       int64
	TargetHash      string
	Fields          []FieldChange
	FieldsTruncated int
}

// Approval is one approver's approval.
type Approval struct {
	Principal     string
	PrincipalType string
	Comment       string
	At            time.Time
}

// Release is one release.
type Release struct {
	ID          string
	TenantID    string
	Name        string
	Type        Type
	SourceShop  string
	TargetShops []string
	// PRNumber is 0 when the release is not tied to a pull request.
	PRNumber      int
	Scope         Scope
	Status        Status
	Author        string
	AuthorType    string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ApprovalCount int
	Summaries     map[string]Summary
	// Jobs maps each target shop to its deploy job, once deploying.
	Jobs            map[string]string
	Hotfix          bool
	CancelRequested bool
	DeployedAt      *time.Time
	// JobsActive counts jobs not yet ended; JobsFailed and JobsCancelled
	// the ended ones that did not complete.
	JobsActive, JobsFailed, JobsCancelled int
	Error                                 string
}

// TargetShop is the first target (seed 000's single targetShop).
func (r Release) TargetShop() string {
	if len(r.TargetShops) == 0 {
		return ""
	}
	return r.TargetShops[0]
}

// NewReleaseID is "rel_" and a lower-case ULID.
func NewReleaseID() string { return "rel_" + strings.ToLower(ulid.Make().String()) }

// NewJobID is "job_" and a lower-case ULID.
func NewJobID() string { return "job_" + strings.ToLower(ulid.Make().String()) }

// ValidID checks a release or job id's shape (ids are opaque to clients).
func ValidID(what, id string) error {
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "#\x00") {
		return platform.E(platform.KindValidation, fmt.Sprintf("%s must be 1 to 64 characters without '#'", what))
	}
	return nil
}

// Rules are a store group's approval rules.
type Rules struct {
	// RequiredApprovals is how many distinct approvers (never the author)
	// a release needs before it may deploy (0: none).
	RequiredApprovals int
	// AllowHotfix lets a key with releases:deploy deploy a release that
	// lacks approvals; such a deploy is recorded (and audited) as a hotfix.
	AllowHotfix bool
	UpdatedBy   string
	UpdatedAt   time.Time
}

// DefaultRules apply until a tenant sets its own: one approval, no hotfix.
var DefaultRules = Rules{RequiredApprovals: 1}

// ValidateRules checks rules set through the API.
func ValidateRules(r Rules) error {
	if r.RequiredApprovals < 0 || r.RequiredApprovals > MaxRequiredApprovals {
		return platform.E(platform.KindValidation, fmt.Sprintf("requiredApprovals must be between 0 and %d", MaxRequiredApprovals))
	}
	return nil
}

// Refusal codes: why a release operation was refused by a rule (the
// mutation's errorCode).
const (
	CodeNotOpen         = "NOT_OPEN"
	CodeSelfApproval    = "SELF_APPROVAL"
	CodeAlreadyApproved = "ALREADY_APPROVED"
	CodeNotApproved     = "NOT_APPROVED"
	CodeTargetBusy      = "TARGET_BUSY"
	CodeTargetDrifted   = "TARGET_DRIFTED"
	CodeEnded           = "ALREADY_ENDED"
	CodeConflict        = "CONFLICT"
)

// Refusal is a rule refusing an operation on a release. It is a Conflict
// for clients (the request was fine, the release's state does not allow
// it); mutations answer it as success=false with its message and code.
type Refusal struct {
	Code    string
	Message string
	// Drifted names the objects whose target changed (TARGET_DRIFTED).
	Drifted []ObjectRef
}

func (r *Refusal) Error() string { return r.Message }

// Unwrap classifies the refusal for shared/platform as a Conflict.
func (r *Refusal) Unwrap() error { return platform.E(platform.KindConflict, r.Message) }

func refuse(code, format string, args ...any) *Refusal {
	return &Refusal{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CheckApprove is whether principal may approve r: r is OPEN, principal is
// not its author and has not approved it yet (hasApproved).
func CheckApprove(r Release, principal string, hasApproved bool) error {
	switch {
	case r.Status != Open:
		return refuse(CodeNotOpen, "release %s is %s: only an OPEN release can be approved", r.ID, r.Status)
	case principal == r.Author:
		return refuse(CodeSelfApproval, "you created release %s: its author cannot approve it, another approver must", r.ID)
	case hasApproved:
		return refuse(CodeAlreadyApproved, "you have already approved release %s", r.ID)
	}
	return nil
}

// CheckDeploy is whether r may be deployed under rules by a caller who
// holds releases:deploy; hotfix is true when it may only because the rules
// allow deploying without the required approvals.
func CheckDeploy(r Release, rules Rules) (hotfix bool, err error) {
	if r.Status != Open {
		return false, refuse(CodeNotOpen, "release %s is %s: only an OPEN release can be deployed", r.ID, r.Status)
	}
	if r.ApprovalCount >= rules.RequiredApprovals {
		return false, nil
	}
	if rules.AllowHotfix {
		return true, nil
	}
	return false, refuse(CodeNotApproved, "release %s has %d of the %d approvals it needs before it can be deployed",
		r.ID, r.ApprovalCount, rules.RequiredApprovals)
}

// MaxDriftNames is how many drifted objects a refusal's message names.
const MaxDriftNames = 20

// DriftRefusal is the refusal of a deploy whose targets changed since the
// changeset was computed.
func DriftRefusal(id string, drifted []ObjectRef) *Refusal {
	names := make([]string, 0, min(len(drifted), MaxDriftNames))
	for _, d := range drifted[:min(len(drifted), MaxDriftNames)] {
		names = append(names, d.String())
	}
	more := ""
	if len(drifted) > MaxDriftNames {
		more = fmt.Sprintf(" and %d more", len(drifted)-MaxDriftNames)
	}
	return &Refusal{Code: CodeTargetDrifted, Drifted: drifted, Message: fmt.Sprintf(
		"the target changed since release %s was computed (%s%s): sync the stores and create a new release",
		id, strings.Join(names, ", "), more)}
}

// CheckCancel says what cancelling r does: an OPEN or DRAFT release is
// cancelled; a DEPLOYING one has its jobs asked to stop (requestStop).
func CheckCancel(r Release) (requestStop bool, err error) {
	switch r.Status {
	case Draft, Open:
		return false, nil
	case Deploying:
		return true, nil
	}
	return false, refuse(CodeEnded, "release %s is already %s", r.ID, r.Status)
}

// FinalStatus is a deploying release's status once all of its jobs ended.
func FinalStatus(failed, cancelled int) Status {
	switch {
	case failed > 0:
		return Failed
	case cancelled > 0:
		return Cancelled
	}
	return Deployed
}

// Message is the DeployQueue message for one deploy job.
type Message struct {
	TenantID  string `json:"tenantId"`
	ReleaseID string `json:"releaseId"`
	JobID     string `json:"jobId"`
}
