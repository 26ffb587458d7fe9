package graphql

import (
	"context"

	graphqlgo "github.com/graph-gophers/graphql-go"

	"github.com/flux-platform/flux/shared/release/releasegroup"
)

// The release fields (resolver group releases). The group's wire types are
// wrapped where GraphQL wants other Go types (ID, 32-bit Int).

// Release resolves Query.release.
func (r *queryResolver) Release(ctx context.Context, args struct{ ID graphqlgo.ID }) (*releaseResolver, error) {
	out, err := call[releasegroup.Release](ctx, r.t, releasegroup.GroupName, releasegroup.OpRelease, releasegroup.IDArgs{ID: string(args.ID)})
	if err != nil {
		return nil, err
	}
	return &releaseResolver{r: out}, nil
}

// ReleaseByPrNumber resolves Query.releaseByPrNumber.
func (r *queryResolver) ReleaseByPrNumber(ctx context.Context, args struct{ PrNumber int32 }) (*releaseResolver, error) {
	out, err := call[releasegroup.Release](ctx, r.t, releasegroup.GroupName, releasegroup.OpReleaseByPR, releasegroup.PRArgs{PRNumber: int(args.PrNumber)})
	if err != nil {
		return nil, err
	}
	return &releaseResolver{r: out}, nil
}

// ReleaseChanges resolves Query.releaseChanges.
func (r *queryResolver) ReleaseChanges(ctx context.Context, args struct {
	ReleaseID  graphqlgo.ID
	TargetShop *string
	Limit      graphqlgo.NullInt
	After      *string
}) (*releaseChangePageResolver, error) {
	out, err := call[releasegroup.ChangesResult](ctx, r.t, releasegroup.GroupName, releasegroup.OpReleaseChanges,
		releasegroup.ChangesArgs{ReleaseID: string(args.ReleaseID), TargetShop: args.TargetShop, Limit: intOf(args.Limit), After: args.After})
	if err != nil {
		return nil, err
	}
	res := &releaseChangePageResolver{Items: make([]*releaseChangeResolver, len(out.Items)), NextCursor: out.NextCursor}
	for i := range out.Items {
		res.Items[i] = &releaseChangeResolver{c: out.Items[i]}
	}
	return res, nil
}

// DeployJob resolves Query.deployJob.
func (r *queryResolver) DeployJob(ctx context.Context, args struct{ JobID graphqlgo.ID }) (*deployJobResolver, error) {
	out, err := call[releasegroup.DeployJob](ctx, r.t, releasegroup.GroupName, releasegroup.OpDeployJob, releasegroup.IDArgs{ID: string(args.JobID)})
	if err != nil {
		return nil, err
	}
	return &deployJobResolver{j: out}, nil
}

// ApprovalRules resolves Query.approvalRules.
func (r *queryResolver) ApprovalRules(ctx context.Context) (*approvalRulesResolver, error) {
	out, err := call[releasegroup.Rules](ctx, r.t, releasegroup.GroupName, releasegroup.OpApprovalRules, struct{}{})
	if err != nil {
		return nil, err
	}
	return &approvalRulesResolver{r: out}, nil
}

type objectRefInput struct {
	ObjectType string
	Canonical  string
}

type releaseScopeInput struct {
	ObjectTypes *[]string
	Canonicals  *[]objectRefInput
}

type createReleaseInput struct {
	Name        string
	SourceShop  string
	TargetShop  string
	TargetShops *[]string
	Type        *string
	PrNumber    *int32
	Scope       *releaseScopeInput
}

// CreateRelease resolves Mutation.createRelease.
func (r *mutationResolver) CreateRelease(ctx context.Context, args struct{ Input createReleaseInput }) (*createReleaseResolver, error) {
	in := releasegroup.CreateInput{Name: args.Input.Name, SourceShop: args.Input.SourceShop, TargetShop: args.Input.TargetShop, Type: args.Input.Type}
	if args.Input.TargetShops != nil {
		in.TargetShops = *args.Input.TargetShops
	}
	if args.Input.PrNumber != nil {
		n := int(*args.Input.PrNumber)
		in.PRNumber = &n
	}
	if s := args.Input.Scope; s != nil {
		in.Scope = &releasegroup.Scope{}
		if s.ObjectTypes != nil {
			in.Scope.ObjectTypes = *s.ObjectTypes
		}
		if s.Canonicals != nil {
			for _, c := range *s.Canonicals {
				in.Scope.Canonicals = append(in.Scope.Canonicals, releasegroup.ObjectRef{ObjectType: c.ObjectType, Canonical: c.Canonical})
			}
		}
	}
	out, err := call[releasegroup.CreateResult](ctx, r.t, releasegroup.GroupName, releasegroup.OpCreateRelease, releasegroup.CreateArgs{Input: in})
	if err != nil {
		return nil, err
	}
	return &createReleaseResolver{r: out}, nil
}

// ApproveRelease resolves Mutation.approveRelease.
func (r *mutationResolver) ApproveRelease(ctx context.Context, args struct {
	ReleaseID graphqlgo.ID
	Comment   *string
}) (*releaseActionResolver, error) {
	return r.releaseAction(ctx, releasegroup.OpApproveRelease, releasegroup.ApproveArgs{ReleaseID: string(args.ReleaseID), Comment: args.Comment})
}

// TriggerReleaseDeploy resolves Mutation.triggerReleaseDeploy.
func (r *mutationResolver) TriggerReleaseDeploy(ctx context.Context, args struct{ ReleaseID graphqlgo.ID }) (*releaseActionResolver, error) {
	return r.releaseAction(ctx, releasegroup.OpTriggerDeploy, releasegroup.ReleaseIDArgs{ReleaseID: string(args.ReleaseID)})
}

// CancelRelease resolves Mutation.cancelRelease.
func (r *mutationResolver) CancelRelease(ctx context.Context, args struct{ ReleaseID graphqlgo.ID }) (*releaseActionResolver, error) {
	return r.releaseAction(ctx, releasegroup.OpCancelRelease, releasegroup.ReleaseIDArgs{ReleaseID: string(args.ReleaseID)})
}

func (r *mutationResolver) releaseAction(ctx context.Context, op string, args any) (*releaseActionResolver, error) {
	out, err := call[releasegroup.ActionResult](ctx, r.t, releasegroup.GroupName, op, args)
	if err != nil {
		return nil, err
	}
	return &releaseActionResolver{r: out}, nil
}

// SetApprovalRules resolves Mutation.setApprovalRules.
func (r *mutationResolver) SetApprovalRules(ctx context.Context, args struct {
	RequiredApprovals int32
	AllowHotfix       bool
}) (*approvalRulesResolver, error) {
	out, err := call[releasegroup.Rules](ctx, r.t, releasegroup.GroupName, releasegroup.OpSetApprovalRules,
		releasegroup.RulesArgs{RequiredApprovals: int(args.RequiredApprovals), AllowHotfix: args.AllowHotfix})
	if err != nil {
		return nil, err
	}
	return &approvalRulesResolver{r: out}, nil
}

// releaseResolver is Release.
type releaseResolver struct{ r releasegroup.Release }

func (r *releaseResolver) ID() graphqlgo.ID         { return graphqlgo.ID(r.r.ID) }
func (r *releaseResolver) Name() string             { return r.r.Name }
func (r *releaseResolver) Type() string             { return r.r.Type }
func (r *releaseResolver) Status() string           { return r.r.Status }
func (r *releaseResolver) SourceShop() string       { return r.r.SourceShop }
func (r *releaseResolver) TargetShop() string       { return r.r.TargetShop }
func (r *releaseResolver) TargetShops() []string    { return r.r.TargetShops }
func (r *releaseResolver) PrNumber() *int32         { return int32Ptr(r.r.PRNumber) }
func (r *releaseResolver) Author() string           { return r.r.Author }
func (r *releaseResolver) CreatedAt() string        { return r.r.CreatedAt }
func (r *releaseResolver) UpdatedAt() string        { return r.r.UpdatedAt }
func (r *releaseResolver) ApprovalCount() int32     { return int32(r.r.ApprovalCount) }
func (r *releaseResolver) RequiredApprovals() int32 { return int32(r.r.RequiredApprovals) }
func (r *releaseResolver) Hotfix() bool             { return r.r.Hotfix }
func (r *releaseResolver) CancelRequested() bool    { return r.r.CancelRequested }
func (r *releaseResolver) DeployedAt() *string      { return r.r.DeployedAt }
func (r *releaseResolver) Summary() *changesetSummaryResolver {
	return &changesetSummaryResolver{r.r.Summary}
}
func (r *releaseResolver) Scope() *releaseScopeResolver { return &releaseScopeResolver{r.r.Scope} }
func (r *releaseResolver) Targets() []*releaseTargetResolver {
	out := make([]*releaseTargetResolver, len(r.r.Targets))
	for i := range r.r.Targets {
		out[i] = &releaseTargetResolver{r.r.Targets[i]}
	}
	return out
}
func (r *releaseResolver) Approvals() []*releaseApprovalResolver {
	out := make([]*releaseApprovalResolver, len(r.r.Approvals))
	for i := range r.r.Approvals {
		out[i] = &releaseApprovalResolver{r.r.Approvals[i]}
	}
	return out
}
func (r *releaseResolver) DeployJobs() []*deployJobResolver { return jobResolvers(r.r.DeployJobs) }

func jobResolvers(js []releasegroup.DeployJob) []*deployJobResolver {
	out := make([]*deployJobResolver, len(js))
	for i := range js {
		out[i] = &deployJobResolver{js[i]}
	}
	return out
}

func int32Ptr(n *int) *int32 {
	if n == nil {
		return nil
	}
	v := int32(*n)
	return &v
}

type releaseScopeResolver struct{ s releasegroup.Scope }

func (r *releaseScopeResolver) ObjectTypes() *[]string {
	if r.s.ObjectTypes == nil {
		return nil
	}
	return &r.s.ObjectTypes
}
func (r *releaseScopeResolver) Canonicals() *[]*objectRefResolver {
	if r.s.Canonicals == nil {
		return nil
	}
	out := objectRefs(r.s.Canonicals)
	return &out
}

func objectRefs(os []releasegroup.ObjectRef) []*objectRefResolver {
	out := make([]*objectRefResolver, len(os))
	for i := range os {
		out[i] = &objectRefResolver{os[i]}
	}
	return out
}

type objectRefResolver struct{ o releasegroup.ObjectRef }

func (r *objectRefResolver) ObjectType() string { return r.o.ObjectType }
func (r *objectRefResolver) Canonical() string  { return r.o.Canonical }

type releaseTargetResolver struct{ t releasegroup.Target }

func (r *releaseTargetResolver) Shop() string { return r.t.Shop }
func (r *releaseTargetResolver) Summary() *changesetSummaryResolver {
	return &changesetSummaryResolver{r.t.Summary}
}
func (r *releaseTargetResolver) Job() *deployJobResolver {
	if r.t.Job == nil {
		return nil
	}
	return &deployJobResolver{*r.t.Job}
}

type changesetSummaryResolver struct{ s releasegroup.Summary }

func (r *changesetSummaryResolver) Created() int32    { return int32(r.s.Created) }
func (r *changesetSummaryResolver) Modified() int32   { return int32(r.s.Modified) }
func (r *changesetSummaryResolver) Unchanged() int32  { return int32(r.s.Unchanged) }
func (r *changesetSummaryResolver) TargetOnly() int32 { return int32(r.s.TargetOnly) }
func (r *changesetSummaryResolver) Total() int32      { return int32(r.s.Total) }

type releaseApprovalResolver struct{ a releasegroup.Approval }

func (r *releaseApprovalResolver) Approver() string { return r.a.Approver }
func (r *releaseApprovalResolver) ApproverType() *string {
	if r.a.ApproverType == "" {
		return nil
	}
	return &r.a.ApproverType
}
func (r *releaseApprovalResolver) Comment() *string {
	if r.a.Comment == "" {
		return nil
	}
	return &r.a.Comment
}
func (r *releaseApprovalResolver) ApprovedAt() string { return r.a.ApprovedAt }

type releaseChangePageResolver struct {
	Items      []*releaseChangeResolver
	NextCursor *string
}

type releaseChangeResolver struct{ c releasegroup.Change }

func (r *releaseChangeResolver) TargetShop() string     { return r.c.TargetShop }
func (r *releaseChangeResolver) ObjectType() string     { return r.c.ObjectType }
func (r *releaseChangeResolver) Canonical() string      { return r.c.Canonical }
func (r *releaseChangeResolver) Kind() string           { return r.c.Kind }
func (r *releaseChangeResolver) SourceHash() *string    { return r.c.SourceHash }
func (r *releaseChangeResolver) TargetHash() *string    { return r.c.TargetHash }
func (r *releaseChangeResolver) FieldsTruncated() int32 { return int32(r.c.FieldsTruncated) }
func (r *releaseChangeResolver) SourceVersion() *int32  { return seqPtr(r.c.SourceVersion) }
func (r *releaseChangeResolver) TargetVersion() *int32  { return seqPtr(r.c.TargetVersion) }
func (r *releaseChangeResolver) Fields() []*fieldChangeResolver {
	out := make([]*fieldChangeResolver, len(r.c.Fields))
	for i := range r.c.Fields {
		out[i] = &fieldChangeResolver{r.c.Fields[i]}
	}
	return out
}

func seqPtr(n *int64) *int32 {
	if n == nil {
		return nil
	}
	v := int32(min(*n, 1<<31-1))
	return &v
}

type fieldChangeResolver struct{ f releasegroup.FieldChange }

func (r *fieldChangeResolver) Path() string { return r.f.Path }
func (r *fieldChangeResolver) Kind() string { return r.f.Kind }

// deployJobResolver is DeployJob.
type deployJobResolver struct{ j releasegroup.DeployJob }

func (r *deployJobResolver) ID() graphqlgo.ID        { return graphqlgo.ID(r.j.ID) }
func (r *deployJobResolver) ReleaseID() graphqlgo.ID { return graphqlgo.ID(r.j.ReleaseID) }
func (r *deployJobResolver) SourceShop() string      { return r.j.SourceShop }
func (r *deployJobResolver) TargetShop() string      { return r.j.TargetShop }
func (r *deployJobResolver) Status() string          { return r.j.Status }
func (r *deployJobResolver) Phase() string           { return r.j.Phase }
func (r *deployJobResolver) Progress() int32         { return int32(r.j.Progress) }
func (r *deployJobResolver) Error() *string          { return r.j.Error }
func (r *deployJobResolver) Hotfix() bool            { return r.j.Hotfix }
func (r *deployJobResolver) CancelRequested() bool   { return r.j.CancelRequested }
func (r *deployJobResolver) CreatedAt() string       { return r.j.CreatedAt }
func (r *deployJobResolver) StartedAt() *string      { return r.j.StartedAt }
func (r *deployJobResolver) EndedAt() *string        { return r.j.EndedAt }
func (r *deployJobResolver) Outcomes() *deployOutcomeCountsResolver {
	o := r.j.Outcomes
	return &deployOutcomeCountsResolver{Created: int32(o.Created), Updated: int32(o.Updated), Skipped: int32(o.Skipped), Failed: int32(o.Failed)}
}

type deployOutcomeCountsResolver struct {
	Created, Updated, Skipped, Failed int32
}

// approvalRulesResolver is ApprovalRules.
type approvalRulesResolver struct{ r releasegroup.Rules }

func (r *approvalRulesResolver) RequiredApprovals() int32 { return int32(r.r.RequiredApprovals) }
func (r *approvalRulesResolver) AllowHotfix() bool        { return r.r.AllowHotfix }
func (r *approvalRulesResolver) UpdatedBy() *string       { return r.r.UpdatedBy }
func (r *approvalRulesResolver) UpdatedAt() *string       { return r.r.UpdatedAt }

// createReleaseResolver is CreateReleaseResult.
type createReleaseResolver struct{ r releasegroup.CreateResult }

func (r *createReleaseResolver) Success() bool { return r.r.Success }
func (r *createReleaseResolver) ReleaseID() *graphqlgo.ID {
	if r.r.ReleaseID == nil {
		return nil
	}
	id := graphqlgo.ID(*r.r.ReleaseID)
	return &id
}
func (r *createReleaseResolver) Status() *string    { return r.r.Status }
func (r *createReleaseResolver) Error() *string     { return r.r.Error }
func (r *createReleaseResolver) ErrorCode() *string { return r.r.ErrorCode }
func (r *createReleaseResolver) Summary() *changesetSummaryResolver {
	if r.r.Summary == nil {
		return nil
	}
	return &changesetSummaryResolver{*r.r.Summary}
}

// releaseActionResolver is ReleaseActionResult.
type releaseActionResolver struct{ r releasegroup.ActionResult }

func (r *releaseActionResolver) Success() bool      { return r.r.Success }
func (r *releaseActionResolver) Message() *string   { return r.r.Message }
func (r *releaseActionResolver) Error() *string     { return r.r.Error }
func (r *releaseActionResolver) ErrorCode() *string { return r.r.ErrorCode }
func (r *releaseActionResolver) Hotfix() bool       { return r.r.Hotfix }
func (r *releaseActionResolver) DriftedObjects() *[]*objectRefResolver {
	if r.r.DriftedObjects == nil {
		return nil
	}
	out := objectRefs(r.r.DriftedObjects)
	return &out
}
func (r *releaseActionResolver) DeployJobs() *[]*deployJobResolver {
	if r.r.DeployJobs == nil {
		return nil
	}
	out := jobResolvers(r.r.DeployJobs)
	return &out
}
