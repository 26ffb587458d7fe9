package releasegroup

// The wire shapes of the group's operations (JSON over shared/rpc). Times
// are RFC 3339 UTC strings.

// ObjectRef names one object.
type ObjectRef struct {
	ObjectType string `json:"objectType"`
	Canonical  string `json:"canonical"`
}

// Scope is a release's scope.
type Scope struct {
	ObjectTypes []string    `json:"objectTypes,omitempty"`
	Canonicals  []ObjectRef `json:"canonicals,omitempty"`
}

// Summary counts a changeset.
type Summary struct {
	Created    int `json:"created"`
	Modified   int `json:"modified"`
	Unchanged  int `json:"unchanged"`
	TargetOnly int `json:"targetOnly"`
	Total      int `json:"total"`
}

// Approval is one approval.
type Approval struct {
	Approver     string `json:"approver"`
	ApproverType string `json:"approverType,omitempty"`
	Comment      string `json:"comment,omitempty"`
	ApprovedAt   string `json:"approvedAt"`
}

// Outcomes counts a job's per-object outcomes.
type Outcomes struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
}

// DeployJob is a deploy job.
type DeployJob struct {
	ID              string   `json:"id"`
	ReleaseID       string   `json:"releaseId"`
	SourceShop      string   `json:"sourceShop"`
	TargetShop      string   `json:"targetShop"`
	Status          string   `json:"status"`
	Phase           string   `json:"phase"`
	Progress        int      `json:"progress"`
	Error           *string  `json:"error,omitempty"`
	Hotfix          bool     `json:"hotfix"`
	CancelRequested bool     `json:"cancelRequested"`
	CreatedAt       string   `json:"createdAt"`
	StartedAt       *string  `json:"startedAt,omitempty"`
	EndedAt         *string  `json:"endedAt,omitempty"`
	Outcomes        Outcomes `json:"outcomes"`
}

// Target is one target shop of a release: its changeset summary and, once
// deploying, its job.
type Target struct {
	Shop    string     `json:"shop"`
	Summary Summary    `json:"summary"`
	Job     *DeployJob `json:"job,omitempty"`
}

// Release is a release.
type Release struct {
	ID                string      `json:"id"`
	Name              string      `json:"name"`
	Type              string      `json:"type"`
	Status            string      `json:"status"`
	SourceShop        string      `json:"sourceShop"`
	TargetShop        string      `json:"targetShop"`
	TargetShops       []string    `json:"targetShops"`
	PRNumber          *int        `json:"prNumber,omitempty"`
	Author            string      `json:"author"`
	CreatedAt         string      `json:"createdAt"`
	UpdatedAt         string      `json:"updatedAt"`
	Scope             Scope       `json:"scope"`
	Summary           Summary     `json:"summary"`
	Targets           []Target    `json:"targets"`
	Approvals         []Approval  `json:"approvals"`
	ApprovalCount     int         `json:"approvalCount"`
	RequiredApprovals int         `json:"requiredApprovals"`
	Hotfix            bool        `json:"hotfix"`
	CancelRequested   bool        `json:"cancelRequested"`
	DeployedAt        *string     `json:"deployedAt,omitempty"`
	DeployJobs        []DeployJob `json:"deployJobs"`
}

// FieldChange is one field-level change.
type FieldChange struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
}

// Change is one object of a changeset.
type Change struct {
	TargetShop      string        `json:"targetShop"`
	ObjectType      string        `json:"objectType"`
	Canonical       string        `json:"canonical"`
	Kind            string        `json:"kind"`
	SourceVersion   *int64        `json:"sourceVersion,omitempty"`
	SourceHash      *string       `json:"sourceHash,omitempty"`
	TargetVersion   *int64        `json:"targetVersion,omitempty"`
	TargetHash      *string       `json:"targetHash,omitempty"`
	Fields          []FieldChange `json:"fields"`
	FieldsTruncated int           `json:"fieldsTruncated"`
}

// ChangesResult is a page of a changeset.
type ChangesResult struct {
	Items      []Change `json:"items"`
	NextCursor *string  `json:"nextCursor,omitempty"`
}

// Rules are the approval rules.
type Rules struct {
	RequiredApprovals int     `json:"requiredApprovals"`
	AllowHotfix       bool    `json:"allowHotfix"`
	UpdatedBy         *string `json:"updatedBy,omitempty"`
	UpdatedAt         *string `json:"updatedAt,omitempty"`
}

// IDArgs are the arguments of release / deployJob.
type IDArgs struct {
	ID string `json:"id"`
}

// PRArgs are releaseByPrNumber's.
type PRArgs struct {
	PRNumber int `json:"prNumber"`
}

// ChangesArgs are releaseChanges'.
type ChangesArgs struct {
	ReleaseID  string  `json:"releaseId"`
	TargetShop *string `json:"targetShop,omitempty"`
	Limit      *int    `json:"limit,omitempty"`
	After      *string `json:"after,omitempty"`
}

// CreateInput is createRelease's input.
type CreateInput struct {
	Name        string   `json:"name"`
	SourceShop  string   `json:"sourceShop"`
	TargetShop  string   `json:"targetShop"`
	TargetShops []string `json:"targetShops,omitempty"`
	Type        *string  `json:"type,omitempty"`
	PRNumber    *int     `json:"prNumber,omitempty"`
	Scope       *Scope   `json:"scope,omitempty"`
}

// CreateArgs are createRelease's arguments.
type CreateArgs struct {
	Input CreateInput `json:"input"`
}

// CreateResult is createRelease's answer.
type CreateResult struct {
	Success   bool     `json:"success"`
	ReleaseID *string  `json:"releaseId,omitempty"`
	Status    *string  `json:"status,omitempty"`
	Summary   *Summary `json:"summary,omitempty"`
	Error     *string  `json:"error,omitempty"`
	ErrorCode *string  `json:"errorCode,omitempty"`
}

// ReleaseIDArgs are the arguments of triggerReleaseDeploy / cancelRelease.
type ReleaseIDArgs struct {
	ReleaseID string `json:"releaseId"`
}

// ApproveArgs are approveRelease's.
type ApproveArgs struct {
	ReleaseID string  `json:"releaseId"`
	Comment   *string `json:"comment,omitempty"`
}

// ActionResult is the answer of approveRelease, triggerReleaseDeploy and
// cancelRelease: success with a message, or a refusal (error, errorCode,
// and for TARGET_DRIFTED the drifted objects).
type ActionResult struct {
	Success        bool        `json:"success"`
	Message        *string     `json:"message,omitempty"`
	Error          *string     `json:"error,omitempty"`
	ErrorCode      *string     `json:"errorCode,omitempty"`
	DriftedObjects []ObjectRef `json:"driftedObjects,omitempty"`
	Hotfix         bool        `json:"hotfix"`
	DeployJobs     []DeployJob `json:"deployJobs,omitempty"`
}

// RulesArgs are setApprovalRules'.
type RulesArgs struct {
	RequiredApprovals int  `json:"requiredApprovals"`
	AllowHotfix       bool `json:"allowHotfix"`
}
