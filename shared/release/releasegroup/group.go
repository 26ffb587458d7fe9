// Package releasegroup is the releases resolver group (the
// graphql-releases function): seed 000's release, releaseByPrNumber,
// deployJob, createRelease, approveRelease, triggerReleaseDeploy and
// cancelRelease, plus releaseChanges, approvalRules and setApprovalRules.
//
// Scopes: reads need releases:read; createRelease and cancelRelease
// releases:write; approveRelease releases:approve; triggerReleaseDeploy
// releases:deploy; setApprovalRules keys:admin (the bar a release must pass
// is governance: an approver must not be able to lower it for their own
// releases). Every read is under the caller's tenant, so another tenant's
// release or job id is NOT_FOUND.
//
// Errors: a missing scope is FORBIDDEN, an unknown id NOT_FOUND, malformed
// input VALIDATION_ERROR (GraphQL errors). A mutation that was allowed and
// well formed but refused by a release rule (not OPEN, self-approval, not
// approved, target busy or drifted) answers success=false with error (the
// reason) and errorCode (release.Code*), and for a drifted target the
// drifted objects: the seed's {success, error} shape carries it.
package releasegroup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/rpc"
)

// GroupName is the name of this resolver group on the rpc contract.
const GroupName = "releases"

// Operations, named as the GraphQL fields.
const (
	OpRelease          = "release"
	OpReleaseByPR      = "releaseByPrNumber"
	OpReleaseChanges   = "releaseChanges"
	OpDeployJob        = "deployJob"
	OpApprovalRules    = "approvalRules"
	OpCreateRelease    = "createRelease"
	OpApproveRelease   = "approveRelease"
	OpTriggerDeploy    = "triggerReleaseDeploy"
	OpCancelRelease    = "cancelRelease"
	OpSetApprovalRules = "setApprovalRules"
)

// Audit actions and resource types of the group.
const (
	ActionCreate   = "release.create"
	ActionApprove  = "release.approve"
	ActionDeploy   = "release.deploy"
	ActionHotfix   = "release.hotfixDeploy"
	ActionCancel   = "release.cancel"
	ActionRules    = "release.setApprovalRules"
	ResourceRel    = "release"
	ResourceRules  = "approvalRules"
	DefaultChanges = 100
	MaxChanges     = 500
)

// Store is what the group needs of the table (*store.Store).
type Store interface {
	CreateRelease(ctx context.Context, r release.Release) error
	PutReleaseChanges(ctx context.Context, tenantID, releaseID string, changes []release.Change) error
	OpenRelease(ctx context.Context, tenantID, releaseID string, summaries map[string]release.Summary, at time.Time) error
	GetRelease(ctx context.Context, tenantID, releaseID string) (release.Release, error)
	ReleaseByPR(ctx context.Context, tenantID string, pr int) (release.Release, error)
	ReleaseChanges(ctx context.Context, tenantID, releaseID, target string, limit int, cursor string) ([]release.Change, string, error)
	AllReleaseChanges(ctx context.Context, tenantID, releaseID string) ([]release.Change, error)
	ReleaseApprovals(ctx context.Context, tenantID, releaseID string) ([]release.Approval, error)
	AddApproval(ctx context.Context, tenantID, releaseID string, a release.Approval) error
	ApprovalRules(ctx context.Context, tenantID string) (release.Rules, error)
	SetApprovalRules(ctx context.Context, tenantID string, r release.Rules) error
	StartDeploy(ctx context.Context, r release.Release, jobs []release.DeployJob, requiredApprovals int, hotfix bool, at time.Time) error
	CancelRelease(ctx context.Context, tenantID, releaseID string, at time.Time) error
	RequestCancel(ctx context.Context, r release.Release, at time.Time) error
	GetDeployJob(ctx context.Context, tenantID, jobID string) (release.DeployJob, error)
	DeployJobs(ctx context.Context, tenantID string, jobIDs []string) ([]release.DeployJob, error)
	FailDeployJob(ctx context.Context, tenantID, jobID, msg string, at time.Time) error
}

// Queue is the DeployQueue.
type Queue interface {
	Send(ctx context.Context, m release.Message) error
}

// Options are the group's dependencies.
type Options struct {
	Storage  config.Storage
	Store    Store
	Versions release.Versions
	Queue    Queue
	Audit    audit.Recorder
	Log      *slog.Logger
	// Now, NewReleaseID and NewJobID default to time.Now and release's.
	Now          func() time.Time
	NewReleaseID func() string
	NewJobID     func() string
}

// New is the releases resolver group.
func New(o Options) *rpc.Group {
	g := &group{Options: o}
	if g.Now == nil {
		g.Now = time.Now
	}
	if g.NewReleaseID == nil {
		g.NewReleaseID = release.NewReleaseID
	}
	if g.NewJobID == nil {
		g.NewJobID = release.NewJobID
	}
	ops := map[string]rpc.Operation{
		OpRelease:          rpc.Op(g.release),
		OpReleaseByPR:      rpc.Op(g.releaseByPR),
		OpReleaseChanges:   rpc.Op(g.releaseChanges),
		OpDeployJob:        rpc.Op(g.deployJob),
		OpApprovalRules:    rpc.Op(g.approvalRules),
		OpCreateRelease:    rpc.Op(g.createRelease),
		OpApproveRelease:   rpc.Op(g.approveRelease),
		OpTriggerDeploy:    rpc.Op(g.triggerDeploy),
		OpCancelRelease:    rpc.Op(g.cancelRelease),
		OpSetApprovalRules: rpc.Op(g.setApprovalRules),
	}
	g.addRollbackOps(ops) // rollback.go
	return &rpc.Group{Name: GroupName, Log: o.Log, Ops: ops}
}

type group struct{ Options }

func timeStr(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func timePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timeStr(*t)
	return &s
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func wireSummary(s release.Summary) Summary {
	return Summary{Created: s.Created, Modified: s.Modified, Unchanged: s.Unchanged, TargetOnly: s.TargetOnly, Total: s.Total()}
}

// WireJob is the wire shape of a deploy job.
func WireJob(j release.DeployJob) DeployJob {
	return DeployJob{
		ID: j.ID, ReleaseID: j.ReleaseID, SourceShop: j.SourceShop, TargetShop: j.TargetShop, Status: string(j.Status),
		Phase: string(j.Phase), Progress: j.Progress, Error: strPtr(j.Error), Hotfix: j.Hotfix,
		CancelRequested: j.CancelRequested, CreatedAt: timeStr(j.CreatedAt), StartedAt: timePtr(j.StartedAt),
		EndedAt: timePtr(j.EndedAt),
		Outcomes: Outcomes{Created: j.Outcomes[release.ActionCreated], Updated: j.Outcomes[release.ActionUpdated],
			Skipped: j.Outcomes[release.ActionSkipped], Failed: j.Outcomes[release.ActionFailed]},
	}
}

func authorName(id auth.Identity) string { return id.Principal }

// wire assembles a release with its approvals and jobs.
func (g *group) wire(ctx context.Context, r release.Release) (Release, error) {
	approvals, err := g.Store.ReleaseApprovals(ctx, r.TenantID, r.ID)
	if err != nil {
		return Release{}, err
	}
	rules, err := g.Store.ApprovalRules(ctx, r.TenantID)
	if err != nil {
		return Release{}, err
	}
	var jobIDs []string
	for _, t := range r.TargetShops {
		if id := r.Jobs[t]; id != "" {
			jobIDs = append(jobIDs, id)
		}
	}
	var jobs []release.DeployJob
	if len(jobIDs) > 0 {
		if jobs, err = g.Store.DeployJobs(ctx, r.TenantID, jobIDs); err != nil {
			return Release{}, err
		}
	}
	out := Release{
		ID: r.ID, Name: r.Name, Type: string(r.Type), Status: string(r.Status), SourceShop: r.SourceShop,
		TargetShop: r.TargetShop(), TargetShops: r.TargetShops, Author: r.Author, CreatedAt: timeStr(r.CreatedAt),
		UpdatedAt: timeStr(r.UpdatedAt), ApprovalCount: r.ApprovalCount, RequiredApprovals: rules.RequiredApprovals,
		Hotfix: r.Hotfix, CancelRequested: r.CancelRequested, DeployedAt: timePtr(r.DeployedAt),
		Approvals: []Approval{}, DeployJobs: []DeployJob{},
	}
	if r.PRNumber > 0 {
		pr := r.PRNumber
		out.PRNumber = &pr
	}
	for _, t := range r.Scope.ObjectTypes {
		out.Scope.ObjectTypes = append(out.Scope.ObjectTypes, string(t))
	}
	for _, c := range r.Scope.Canonicals {
		out.Scope.Canonicals = append(out.Scope.Canonicals, ObjectRef{ObjectType: string(c.Type), Canonical: c.Canonical})
	}
	var total release.Summary
	for _, t := range r.TargetShops {
		s := r.Summaries[t]
		total.Created += s.Created
		total.Modified += s.Modified
		total.Unchanged += s.Unchanged
		total.TargetOnly += s.TargetOnly
		tg := Target{Shop: t, Summary: wireSummary(s)}
		for _, j := range jobs {
			if j.TargetShop == t {
				w := WireJob(j)
				tg.Job = &w
				out.DeployJobs = append(out.DeployJobs, w)
			}
		}
		out.Targets = append(out.Targets, tg)
	}
	out.Summary = wireSummary(total)
	for _, a := range approvals {
		out.Approvals = append(out.Approvals, Approval{Approver: a.Principal, ApproverType: a.PrincipalType,
			Comment: a.Comment, ApprovedAt: timeStr(a.At)})
	}
	return out, nil
}

func (g *group) release(ctx context.Context, args IDArgs) (Release, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeReleasesRead); err != nil {
		return Release{}, err
	}
	if err := release.ValidID("a release id", args.ID); err != nil {
		return Release{}, err
	}
	r, err := g.Store.GetRelease(ctx, caller.TenantID, args.ID)
	if err != nil {
		return Release{}, err
	}
	return g.wire(ctx, r)
}

func (g *group) releaseByPR(ctx context.Context, args PRArgs) (Release, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeReleasesRead); err != nil {
		return Release{}, err
	}
	if args.PRNumber < 1 || args.PRNumber > release.MaxPRNumber {
		return Release{}, platform.E(platform.KindValidation, fmt.Sprintf("prNumber must be between 1 and %d", release.MaxPRNumber))
	}
	r, err := g.Store.ReleaseByPR(ctx, caller.TenantID, args.PRNumber)
	if err != nil {
		return Release{}, err
	}
	return g.wire(ctx, r)
}

func (g *group) releaseChanges(ctx context.Context, args ChangesArgs) (ChangesResult, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeReleasesRead); err != nil {
		return ChangesResult{}, err
	}
	if err := release.ValidID("a release id", args.ReleaseID); err != nil {
		return ChangesResult{}, err
	}
	limit := DefaultChanges
	if args.Limit != nil {
		limit = *args.Limit
	}
	if limit < 1 || limit > MaxChanges {
		return ChangesResult{}, platform.E(platform.KindValidation, fmt.Sprintf("limit must be between 1 and %d", MaxChanges))
	}
	r, err := g.Store.GetRelease(ctx, caller.TenantID, args.ReleaseID)
	if err != nil {
		return ChangesResult{}, err
	}
	target := ""
	if args.TargetShop != nil {
		target = *args.TargetShop
		if !slices.Contains(r.TargetShops, target) {
			return ChangesResult{}, platform.E(platform.KindValidation, fmt.Sprintf("%s is not a target of release %s", target, r.ID))
		}
	}
	after := ""
	if args.After != nil {
		after = *args.After
	}
	cs, next, err := g.Store.ReleaseChanges(ctx, caller.TenantID, r.ID, target, limit, after)
	if err != nil {
		return ChangesResult{}, err
	}
	out := ChangesResult{Items: make([]Change, len(cs)), NextCursor: strPtr(next)}
	for i, c := range cs {
		w := Change{TargetShop: c.Target, ObjectType: string(c.Object.Type), Canonical: c.Object.Canonical, Kind: string(c.Kind),
			SourceHash: strPtr(c.SourceHash), TargetHash: strPtr(c.TargetHash), FieldsTruncated: c.FieldsTruncated,
			Fields: make([]FieldChange, len(c.Fields))}
		if c.SourceSeq > 0 {
			w.SourceVersion = &c.SourceSeq
		}
		if c.TargetSeq > 0 {
			w.TargetVersion = &c.TargetSeq
		}
		for k, f := range c.Fields {
			w.Fields[k] = FieldChange(f)
		}
		out.Items[i] = w
	}
	return out, nil
}

func (g *group) deployJob(ctx context.Context, args IDArgs) (DeployJob, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeReleasesRead); err != nil {
		return DeployJob{}, err
	}
	if err := release.ValidID("a job id", args.ID); err != nil {
		return DeployJob{}, err
	}
	j, err := g.Store.GetDeployJob(ctx, caller.TenantID, args.ID)
	if err != nil {
		return DeployJob{}, err
	}
	return WireJob(j), nil
}

func wireRules(r release.Rules) Rules {
	out := Rules{RequiredApprovals: r.RequiredApprovals, AllowHotfix: r.AllowHotfix, UpdatedBy: strPtr(r.UpdatedBy)}
	if !r.UpdatedAt.IsZero() {
		out.UpdatedAt = timePtr(&r.UpdatedAt)
	}
	return out
}

func (g *group) approvalRules(ctx context.Context, _ struct{}) (Rules, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeReleasesRead); err != nil {
		return Rules{}, err
	}
	r, err := g.Store.ApprovalRules(ctx, caller.TenantID)
	if err != nil {
		return Rules{}, err
	}
	return wireRules(r), nil
}

func (g *group) setApprovalRules(ctx context.Context, args RulesArgs) (Rules, error) {
	caller := auth.IdentityFrom(ctx)
	err := caller.Require(auth.ScopeKeysAdmin)
	r := release.Rules{RequiredApprovals: args.RequiredApprovals, AllowHotfix: args.AllowHotfix,
		UpdatedBy: authorName(caller), UpdatedAt: g.Now().UTC()}
	if err == nil {
		err = release.ValidateRules(r)
	}
	if err == nil {
		err = g.Store.SetApprovalRules(ctx, caller.TenantID, r)
	}
	audit.Write(ctx, g.Audit, audit.Entry{Action: ActionRules, ResourceType: ResourceRules, ResourceID: caller.TenantID,
		Result: audit.ResultOf(err), Detail: detail(err, fmt.Sprintf("requiredApprovals %d, allowHotfix %v", r.RequiredApprovals, r.AllowHotfix))})
	if err != nil {
		return Rules{}, err
	}
	return wireRules(r), nil
}

func detail(err error, ok string) string {
	if err != nil {
		return audit.DetailOf(err)
	}
	return ok
}

// refusal splits a rule refusal (answered in the payload) from every other
// error (answered as a GraphQL error).
func refusal(err error) (*release.Refusal, bool) {
	var r *release.Refusal
	if errors.As(err, &r) {
		return r, true
	}
	return nil, false
}

func refused(r *release.Refusal) ActionResult {
	out := ActionResult{Error: &r.Message, ErrorCode: &r.Code}
	for _, d := range r.Drifted {
		out.DriftedObjects = append(out.DriftedObjects, ObjectRef{ObjectType: string(d.Type), Canonical: d.Canonical})
	}
	return out
}

// validShop checks that shop is a store of the tenant's group.
func validShop(sg config.StoreGroup, field, shop string) (string, error) {
	d, err := config.NormalizeShop(strings.TrimSpace(shop))
	if err != nil {
		return "", platform.E(platform.KindValidation, fmt.Sprintf("%s: %s", field, platform.PublicMessage(err)))
	}
	for _, s := range sg.Stores {
		if s.Domain == d {
			return d, nil
		}
	}
	return "", platform.E(platform.KindValidation, fmt.Sprintf("%s %s is not a store of your store group", field, d))
}

// parseCreate validates createRelease's input into a DRAFT release.
func (g *group) parseCreate(ctx context.Context, caller auth.Identity, in CreateInput) (release.Release, []mapping.ObjectType, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > release.MaxNameLength {
		return release.Release{}, nil, platform.E(platform.KindValidation, fmt.Sprintf("name must be 1 to %d characters", release.MaxNameLength))
	}
	typ := ""
	if in.Type != nil {
		typ = *in.Type
	}
	t, err := release.ParseType(typ)
	if err != nil {
		return release.Release{}, nil, err
	}
	sg, err := g.Storage.StoreGroup(ctx, caller.TenantID)
	if platform.KindOf(err) == platform.KindNotFound {
		return release.Release{}, nil, platform.E(platform.KindValidation, "your store group has no stores: add stores before creating a release")
	}
	if err != nil {
		return release.Release{}, nil, fmt.Errorf("store group of tenant %s: %w", caller.TenantID, err)
	}
	source, err := validShop(sg, "sourceShop", in.SourceShop)
	if err != nil {
		return release.Release{}, nil, err
	}
	var targets []string
	for i, raw := range append([]string{in.TargetShop}, in.TargetShops...) {
		field := "targetShop"
		if i > 0 {
			field = "targetShops"
		}
		d, err := validShop(sg, field, raw)
		if err != nil {
			return release.Release{}, nil, err
		}
		if d == source {
			return release.Release{}, nil, platform.E(platform.KindValidation, fmt.Sprintf("%s is the source: a target must be another store", d))
		}
		if !slices.Contains(targets, d) {
			targets = append(targets, d)
		}
	}
	if len(targets) > release.MaxTargets {
		return release.Release{}, nil, platform.E(platform.KindValidation, fmt.Sprintf("a release has at most %d targets", release.MaxTargets))
	}
	r := release.Release{TenantID: caller.TenantID, Name: name, Type: t, SourceShop: source, TargetShops: targets,
		Status: release.Draft, Author: authorName(caller), AuthorType: string(caller.PrincipalType)}
	if in.PRNumber != nil {
		if *in.PRNumber < 1 || *in.PRNumber > release.MaxPRNumber {
			return release.Release{}, nil, platform.E(platform.KindValidation, fmt.Sprintf("prNumber must be between 1 and %d", release.MaxPRNumber))
		}
		r.PRNumber = *in.PRNumber
	}
	types := t.DefaultObjectTypes()
	if in.Scope != nil && (len(in.Scope.ObjectTypes) > 0 || len(in.Scope.Canonicals) > 0) {
		types = nil
		for _, s := range in.Scope.ObjectTypes {
			ot, err := mapping.ParseObjectType(s)
			if err != nil {
				return release.Release{}, nil, err
			}
			if !t.Allows(ot) {
				return release.Release{}, nil, platform.E(platform.KindValidation, fmt.Sprintf("a %s release cannot carry %s objects", t, ot))
			}
			if !slices.Contains(types, ot) {
				types = append(types, ot)
			}
		}
		if len(in.Scope.Canonicals) > release.MaxCanonicals {
			return release.Release{}, nil, platform.E(platform.KindValidation, fmt.Sprintf("scope.canonicals has at most %d objects", release.MaxCanonicals))
		}
		for _, c := range in.Scope.Canonicals {
			ot, err := mapping.ParseObjectType(c.ObjectType)
			if err != nil {
				return release.Release{}, nil, err
			}
			if !t.Allows(ot) {
				return release.Release{}, nil, platform.E(platform.KindValidation, fmt.Sprintf("a %s release cannot carry %s objects", t, ot))
			}
			if err := mapping.ValidateCanonical(ot, c.Canonical); err != nil {
				return release.Release{}, nil, err
			}
			r.Scope.Canonicals = append(r.Scope.Canonicals, release.ObjectRef{Type: ot, Canonical: c.Canonical})
		}
		r.Scope.ObjectTypes = types
	}
	return r, types, nil
}

func (g *group) createRelease(ctx context.Context, args CreateArgs) (CreateResult, error) {
	caller := auth.IdentityFrom(ctx)
	res, r, err := g.doCreate(ctx, caller, args.Input)
	d := ""
	if err == nil && res.Success {
		d = fmt.Sprintf("%q %s → %s: %d created, %d modified, %d target-only", r.Name, r.SourceShop,
			strings.Join(r.TargetShops, ", "), res.Summary.Created, res.Summary.Modified, res.Summary.TargetOnly)
	}
	audit.Write(ctx, g.Audit, audit.Entry{Action: ActionCreate, ResourceType: ResourceRel, ResourceID: r.ID,
		Shop: r.SourceShop, Result: audit.ResultOf(err), Detail: detail(err, d)})
	return res, err
}

func (g *group) doCreate(ctx context.Context, caller auth.Identity, in CreateInput) (CreateResult, release.Release, error) {
	if err := caller.Require(auth.ScopeReleasesWrite); err != nil {
		return CreateResult{}, release.Release{}, err
	}
	r, types, err := g.parseCreate(ctx, caller, in)
	if err != nil {
		return CreateResult{}, release.Release{}, err
	}
	now := g.Now().UTC()
	r.ID, r.CreatedAt, r.UpdatedAt = g.NewReleaseID(), now, now
	if err := g.Store.CreateRelease(ctx, r); err != nil {
		return CreateResult{}, r, err
	}
	summaries := map[string]release.Summary{}
	var total Summary
	for _, target := range r.TargetShops {
		changes, sum, err := release.Changeset(ctx, g.Versions, r.TenantID, r.SourceShop, target, types, r.Scope.Canonicals)
		if err != nil {
			return CreateResult{}, r, fmt.Errorf("release %s: changeset for %s: %w", r.ID, target, err)
		}
		if err := g.Store.PutReleaseChanges(ctx, r.TenantID, r.ID, changes); err != nil {
			return CreateResult{}, r, fmt.Errorf("release %s: %w", r.ID, err)
		}
		summaries[target] = sum
		total.Created += sum.Created
		total.Modified += sum.Modified
		total.Unchanged += sum.Unchanged
		total.TargetOnly += sum.TargetOnly
	}
	total.Total = total.Created + total.Modified
	if err := g.Store.OpenRelease(ctx, r.TenantID, r.ID, summaries, g.Now().UTC()); err != nil {
		return CreateResult{}, r, fmt.Errorf("release %s: %w", r.ID, err)
	}
	r.Status = release.Open
	st := string(release.Open)
	return CreateResult{Success: true, ReleaseID: &r.ID, Status: &st, Summary: &total}, r, nil
}

func (g *group) approveRelease(ctx context.Context, args ApproveArgs) (ActionResult, error) {
	caller := auth.IdentityFrom(ctx)
	res, err := g.doApprove(ctx, caller, args)
	g.auditAction(ctx, ActionApprove, args.ReleaseID, res, err)
	return res, err
}

func (g *group) doApprove(ctx context.Context, caller auth.Identity, args ApproveArgs) (ActionResult, error) {
	if err := caller.Require(auth.ScopeReleasesApprove); err != nil {
		return ActionResult{}, err
	}
	if err := release.ValidID("a release id", args.ReleaseID); err != nil {
		return ActionResult{}, err
	}
	comment := ""
	if args.Comment != nil {
		comment = strings.TrimSpace(*args.Comment)
	}
	if len(comment) > release.MaxCommentSize {
		return ActionResult{}, platform.E(platform.KindValidation, fmt.Sprintf("comment must be at most %d characters", release.MaxCommentSize))
	}
	r, err := g.Store.GetRelease(ctx, caller.TenantID, args.ReleaseID)
	if err != nil {
		return ActionResult{}, err
	}
	approvals, err := g.Store.ReleaseApprovals(ctx, caller.TenantID, r.ID)
	if err != nil {
		return ActionResult{}, err
	}
	has := slices.ContainsFunc(approvals, func(a release.Approval) bool { return a.Principal == caller.Principal })
	err = release.CheckApprove(r, caller.Principal, has)
	if err == nil {
		err = g.Store.AddApproval(ctx, caller.TenantID, r.ID, release.Approval{Principal: caller.Principal,
			PrincipalType: string(caller.PrincipalType), Comment: comment, At: g.Now().UTC()})
	}
	if rf, ok := refusal(err); ok {
		return refused(rf), nil
	}
	if err != nil {
		return ActionResult{}, err
	}
	rules, err := g.Store.ApprovalRules(ctx, caller.TenantID)
	if err != nil {
		return ActionResult{}, err
	}
	n := r.ApprovalCount + 1
	msg := fmt.Sprintf("Release %s approved (%d of %d required approvals).", r.ID, n, rules.RequiredApprovals)
	return ActionResult{Success: true, Message: &msg}, nil
}

func (g *group) triggerDeploy(ctx context.Context, args ReleaseIDArgs) (ActionResult, error) {
	caller := auth.IdentityFrom(ctx)
	res, err := g.doTrigger(ctx, caller, args)
	action, d := ActionDeploy, ""
	if res.Hotfix {
		action = ActionHotfix
	}
	if res.Message != nil {
		d = *res.Message
	} else if res.Error != nil {
		d = "refused: " + *res.Error
	}
	result := audit.ResultOf(err)
	if err == nil && !res.Success {
		result = audit.Failure
	}
	audit.Write(ctx, g.Audit, audit.Entry{Action: action, ResourceType: ResourceRel, ResourceID: args.ReleaseID,
		Result: result, Detail: detail(err, d)})
	return res, err
}

func (g *group) doTrigger(ctx context.Context, caller auth.Identity, args ReleaseIDArgs) (ActionResult, error) {
	if err := caller.Require(auth.ScopeReleasesDeploy); err != nil {
		return ActionResult{}, err
	}
	if err := release.ValidID("a release id", args.ReleaseID); err != nil {
		return ActionResult{}, err
	}
	r, err := g.Store.GetRelease(ctx, caller.TenantID, args.ReleaseID)
	if err != nil {
		return ActionResult{}, err
	}
	rules, err := g.Store.ApprovalRules(ctx, caller.TenantID)
	if err != nil {
		return ActionResult{}, err
	}
	hotfix, err := release.CheckDeploy(r, rules)
	if rf, ok := refusal(err); ok {
		return refused(rf), nil
	}
	if err != nil {
		return ActionResult{}, err
	}
	changes, err := g.Store.AllReleaseChanges(ctx, caller.TenantID, r.ID)
	if err != nil {
		return ActionResult{}, err
	}
	deployable := slices.DeleteFunc(changes, func(c release.Change) bool { return c.Kind == release.TargetOnly })
	drifted, err := release.Drift(ctx, g.Versions, caller.TenantID, deployable)
	if err != nil {
		return ActionResult{}, err
	}
	if len(drifted) > 0 {
		return refused(release.DriftRefusal(r.ID, drifted)), nil
	}
	now := g.Now().UTC()
	jobs := make([]release.DeployJob, len(r.TargetShops))
	for i, t := range r.TargetShops {
		jobs[i] = release.DeployJob{ID: g.NewJobID(), TenantID: r.TenantID, ReleaseID: r.ID, SourceShop: r.SourceShop,
			TargetShop: t, Status: release.JobPending, Phase: release.PhasePending, Hotfix: hotfix, CreatedAt: now, UpdatedAt: now}
	}
	err = g.Store.StartDeploy(ctx, r, jobs, rules.RequiredApprovals, hotfix, now)
	if rf, ok := refusal(err); ok {
		return refused(rf), nil
	}
	if err != nil {
		return ActionResult{}, err
	}
	out := ActionResult{Success: true, Hotfix: hotfix}
	var ids []string
	for i, j := range jobs {
		if err := g.Queue.Send(ctx, release.Message{TenantID: r.TenantID, ReleaseID: r.ID, JobID: j.ID}); err != nil {
			// Not queued: nothing will run this job or the later ones. End
			// them FAILED (which frees their targets); retryDeploy runs them.
			g.failUnqueued(ctx, r.TenantID, jobs[i:], "the deploy job could not be queued; use retryDeploy")
			return ActionResult{}, platform.Wrap(platform.KindUnavailable, "the deploy could not be queued, try retryDeploy", err)
		}
		j.Status, j.Phase = release.JobPending, release.PhasePending
		out.DeployJobs = append(out.DeployJobs, WireJob(j))
		ids = append(ids, j.TargetShop+": "+j.ID)
	}
	kind := "Deploy"
	if hotfix {
		kind = "Hotfix deploy (without the required approvals, as the approval rules allow)"
	}
	msg := fmt.Sprintf("%s of release %s queued: %s.", kind, r.ID, strings.Join(ids, ", "))
	out.Message = &msg
	return out, nil
}

func (g *group) cancelRelease(ctx context.Context, args ReleaseIDArgs) (ActionResult, error) {
	caller := auth.IdentityFrom(ctx)
	res, err := g.doCancel(ctx, caller, args)
	g.auditAction(ctx, ActionCancel, args.ReleaseID, res, err)
	return res, err
}

func (g *group) doCancel(ctx context.Context, caller auth.Identity, args ReleaseIDArgs) (ActionResult, error) {
	if err := caller.Require(auth.ScopeReleasesWrite); err != nil {
		return ActionResult{}, err
	}
	if err := release.ValidID("a release id", args.ReleaseID); err != nil {
		return ActionResult{}, err
	}
	r, err := g.Store.GetRelease(ctx, caller.TenantID, args.ReleaseID)
	if err != nil {
		return ActionResult{}, err
	}
	stop, err := release.CheckCancel(r)
	msg := ""
	if err == nil && stop {
		err = g.Store.RequestCancel(ctx, r, g.Now().UTC())
		msg = fmt.Sprintf("Cancellation of release %s requested: its deploy jobs stop before their next write.", r.ID)
	} else if err == nil {
		err = g.Store.CancelRelease(ctx, caller.TenantID, r.ID, g.Now().UTC())
		msg = fmt.Sprintf("Release %s cancelled.", r.ID)
	}
	if rf, ok := refusal(err); ok {
		return refused(rf), nil
	}
	if err != nil {
		return ActionResult{}, err
	}
	return ActionResult{Success: true, Message: &msg}, nil
}
