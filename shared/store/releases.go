package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
)

// Releases, their changesets and approvals, approval rules, deploy jobs
// with their outcomes and snapshots, and the per-target deploy lock. Key
// functions and items live here (not in keys.go/items.go) like versions.go.
// See docs/data-model.md, section "Releases" (patterns R1–R20).
//
//	PK                                          SK                                   item
//	TENANT#<t>#REL#<releaseId>                  RELEASE                              the release
//	TENANT#<t>#REL#<releaseId>                  APPROVAL#<principal>                 one approval (one per approver)
//	TENANT#<t>#REL#<releaseId>                  CHANGE#<target>#<type>#<canonical>   one object of the changeset
//	TENANT#<t>                                  RELPR#<pr:010>                       PR number → latest release for it
//	TENANT#<t>                                  RELRULES                             the store group's approval rules
//	TENANT#<t>#DEPLOYJOB#<jobId>                JOB                                  a deploy job
//	TENANT#<t>#DEPLOYJOB#<jobId>                OUT#<type>#<canonical>               one object's outcome
//	TENANT#<t>#DEPLOYJOB#<jobId>                SNAP#<type>#<canonical>              one object's before-image (body in S3)
//	TENANT#<t>#DEPLOYLOCK#<shop>                LOCK                                 the deploy running on a target shop
const (
	relPart       = sep + "REL" + sep
	jobPart       = sep + "DEPLOYJOB" + sep
	lockPart      = sep + "DEPLOYLOCK" + sep
	skRelease     = "RELEASE"
	skApproval    = "APPROVAL" + sep
	skChange      = "CHANGE" + sep
	skReleasePR   = "RELPR" + sep
	skRules       = "RELRULES"
	skJob         = "JOB"
	skOutcome     = "OUT" + sep
	skSnapshot    = "SNAP" + sep
	skLock        = "LOCK"
	typeRelease   = "release"
	typeApproval  = "releaseApproval"
	typeChange    = "releaseChange"
	typeRelPR     = "releasePR"
	typeRules     = "approvalRules"
	typeJob       = "deployJob"
	typeOutcome   = "deployOutcome"
	typeSnapshot  = "deploySnapshot"
	typeLock      = "deployLock"
	endAttempts   = 8
	maxPageLimit  = 500
	changesPerTxn = 100
)

// ReleasePK is the partition of a release, its approvals and changeset.
func ReleasePK(tenantID, releaseID string) string { return TenantPK(tenantID) + relPart + releaseID }

// ReleaseSK is the sort key of the release item.
func ReleaseSK() string { return skRelease }

// ReleaseApprovalSK is the sort key of principal's approval.
func ReleaseApprovalSK(principal string) string { return skApproval + principal }

// ReleaseChangePrefix is the sort key prefix of the changeset (of one
// target when target is not empty).
func ReleaseChangePrefix(target string) string {
	if target == "" {
		return skChange
	}
	return skChange + target + sep
}

// ReleaseChangeSK is the sort key of one object of the changeset.
func ReleaseChangeSK(target string, t mapping.ObjectType, canonical string) string {
	return skChange + target + sep + string(t) + sep + canonical
}

// ReleasePRSK is the sort key, in the tenant's partition, of the pointer
// from a PR number to the latest release created for it.
func ReleasePRSK(pr int) string { return fmt.Sprintf("%s%010d", skReleasePR, pr) }

// ApprovalRulesSK is the sort key of the tenant's approval rules.
func ApprovalRulesSK() string { return skRules }

// DeployJobPK is the partition of a deploy job, its outcomes and snapshots.
func DeployJobPK(tenantID, jobID string) string { return TenantPK(tenantID) + jobPart + jobID }

// DeployJobSK is the sort key of the job item.
func DeployJobSK() string { return skJob }

// DeployOutcomeSK is the sort key of one object's outcome.
func DeployOutcomeSK(t mapping.ObjectType, canonical string) string {
	return skOutcome + string(t) + sep + canonical
}

// DeploySnapshotSK is the sort key of one object's before-image.
func DeploySnapshotSK(t mapping.ObjectType, canonical string) string {
	return skSnapshot + string(t) + sep + canonical
}

// DeployLockPK is the partition of a target shop's deploy lock.
func DeployLockPK(tenantID, shop string) string { return TenantPK(tenantID) + lockPart + shop }

// DeployLockSK is the sort key of the lock.
func DeployLockSK() string { return skLock }

// SnapshotBlobKey is the blob (S3) key of a before-image body by content
// hash, under the tenant.
func SnapshotBlobKey(tenantID, hash string) string {
	return "tenants/" + tenantID + "/snapshots/sha256/" + hash + ".json"
}

type summaryItem struct {
	Created    int `dynamodbav:"created"`
	Modified   int `dynamodbav:"modified"`
	Unchanged  int `dynamodbav:"unchanged"`
	TargetOnly int `dynamodbav:"targetOnly"`
}

type releaseItem struct {
	PK              string                 `dynamodbav:"PK"`
	SK              string                 `dynamodbav:"SK"`
	Type            string                 `dynamodbav:"type"`
	TenantID        string                 `dynamodbav:"tenantId"`
	ReleaseID       string                 `dynamodbav:"releaseId"`
	Name            string                 `dynamodbav:"name"`
	ReleaseType     string                 `dynamodbav:"releaseType"`
	SourceShop      string                 `dynamodbav:"sourceShop"`
	TargetShops     []string               `dynamodbav:"targetShops"`
	PRNumber        int                    `dynamodbav:"prNumber,omitempty"`
	Scope           string                 `dynamodbav:"scope,omitempty"`
	Status          string                 `dynamodbav:"status"`
	Author          string                 `dynamodbav:"author"`
	AuthorType      string                 `dynamodbav:"authorType,omitempty"`
	CreatedAt       string                 `dynamodbav:"createdAt"`
	UpdatedAt       string                 `dynamodbav:"updatedAt"`
	ApprovalCount   int                    `dynamodbav:"approvalCount"`
	Summaries       map[string]summaryItem `dynamodbav:"summaries,omitempty"`
	Jobs            map[string]string      `dynamodbav:"jobs,omitempty"`
	Hotfix          bool                   `dynamodbav:"hotfix,omitempty"`
	CancelRequested bool                   `dynamodbav:"cancelRequested,omitempty"`
	DeployedAt      string                 `dynamodbav:"deployedAt,omitempty"`
	JobsActive      int                    `dynamodbav:"jobsActive"`
	JobsFailed      int                    `dynamodbav:"jobsFailed"`
	JobsCancelled   int                    `dynamodbav:"jobsCancelled"`
	Error           string                 `dynamodbav:"error,omitempty"`
}

type approvalItem struct {
	PK            string `dynamodbav:"PK"`
	SK            string `dynamodbav:"SK"`
	Type          string `dynamodbav:"type"`
	Principal     string `dynamodbav:"principal"`
	PrincipalType string `dynamodbav:"principalType,omitempty"`
	Comment       string `dynamodbav:"comment,omitempty"`
	At            string `dynamodbav:"at"`
}

type fieldChangeItem struct {
	Path string `dynamodbav:"p"`
	Kind string `dynamodbav:"k"`
}

type changeItem struct {
	PK              string            `dynamodbav:"PK"`
	SK              string            `dynamodbav:"SK"`
	Type            string            `dynamodbav:"type"`
	Target          string            `dynamodbav:"target"`
	ObjectType      string            `dynamodbav:"objectType"`
	Canonical       string            `dynamodbav:"canonical"`
	Kind            string            `dynamodbav:"kind"`
	SourceSeq       int64             `dynamodbav:"sourceSeq,omitempty"`
	SourceHash      string            `dynamodbav:"sourceHash,omitempty"`
	TargetSeq       int64             `dynamodbav:"targetSeq,omitempty"`
	TargetHash      string            `dynamodbav:"targetHash,omitempty"`
	Fields          []fieldChangeItem `dynamodbav:"fields,omitempty"`
	FieldsTruncated int               `dynamodbav:"fieldsTruncated,omitempty"`
}

type releasePRItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	ReleaseID string `dynamodbav:"releaseId"`
}

type rulesItem struct {
	PK                string `dynamodbav:"PK"`
	SK                string `dynamodbav:"SK"`
	Type              string `dynamodbav:"type"`
	RequiredApprovals int    `dynamodbav:"requiredApprovals"`
	AllowHotfix       bool   `dynamodbav:"allowHotfix"`
	UpdatedBy         string `dynamodbav:"updatedBy,omitempty"`
	UpdatedAt         string `dynamodbav:"updatedAt"`
}

type jobItem struct {
	PK              string         `dynamodbav:"PK"`
	SK              string         `dynamodbav:"SK"`
	Type            string         `dynamodbav:"type"`
	TenantID        string         `dynamodbav:"tenantId"`
	JobID           string         `dynamodbav:"jobId"`
	ReleaseID       string         `dynamodbav:"releaseId"`
	SourceShop      string         `dynamodbav:"sourceShop"`
	TargetShop      string         `dynamodbav:"targetShop"`
	Status          string         `dynamodbav:"status"`
	Phase           string         `dynamodbav:"phase"`
	Progress        int            `dynamodbav:"progress"`
	Error           string         `dynamodbav:"error,omitempty"`
	Hotfix          bool           `dynamodbav:"hotfix,omitempty"`
	CancelRequested bool           `dynamodbav:"cancelRequested,omitempty"`
	CreatedAt       string         `dynamodbav:"createdAt"`
	UpdatedAt       string         `dynamodbav:"updatedAt"`
	StartedAt       string         `dynamodbav:"startedAt,omitempty"`
	EndedAt         string         `dynamodbav:"endedAt,omitempty"`
	Outcomes        map[string]int `dynamodbav:"outcomes"`
}

type outcomeItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	ObjectType string `dynamodbav:"objectType"`
	Canonical  string `dynamodbav:"canonical"`
	Action     string `dynamodbav:"action"`
	GID        string `dynamodbav:"gid,omitempty"`
	Error      string `dynamodbav:"error,omitempty"`
	At         string `dynamodbav:"at"`
	Verified   bool   `dynamodbav:"verified,omitempty"`
}

type snapshotItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	ObjectType string `dynamodbav:"objectType"`
	Canonical  string `dynamodbav:"canonical"`
	GID        string `dynamodbav:"gid,omitempty"`
	Absent     bool   `dynamodbav:"absent"`
	Hash       string `dynamodbav:"hash,omitempty"`
	S3Key      string `dynamodbav:"s3Key,omitempty"`
	TakenAt    string `dynamodbav:"takenAt"`
}

type lockItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	JobID     string `dynamodbav:"jobId"`
	ReleaseID string `dynamodbav:"releaseId"`
	TakenAt   string `dynamodbav:"takenAt"`
}

func releaseToItem(r release.Release) (releaseItem, error) {
	scope, err := json.Marshal(r.Scope)
	if err != nil {
		return releaseItem{}, fmt.Errorf("marshal scope: %w", err)
	}
	it := releaseItem{
		PK: ReleasePK(r.TenantID, r.ID), SK: skRelease, Type: typeRelease, TenantID: r.TenantID, ReleaseID: r.ID,
		Name: r.Name, ReleaseType: string(r.Type), SourceShop: r.SourceShop, TargetShops: r.TargetShops,
		PRNumber: r.PRNumber, Scope: string(scope), Status: string(r.Status), Author: r.Author, AuthorType: r.AuthorType,
		CreatedAt: formatTime(r.CreatedAt), UpdatedAt: formatTime(r.UpdatedAt), ApprovalCount: r.ApprovalCount,
		Jobs: r.Jobs, Hotfix: r.Hotfix, CancelRequested: r.CancelRequested, DeployedAt: formatTimePtr(r.DeployedAt),
		JobsActive: r.JobsActive, JobsFailed: r.JobsFailed, JobsCancelled: r.JobsCancelled, Error: r.Error,
	}
	if len(r.Summaries) > 0 {
		it.Summaries = map[string]summaryItem{}
		for k, s := range r.Summaries {
			it.Summaries[k] = summaryItem(s)
		}
	}
	return it, nil
}

func releaseFromItem(it releaseItem) (release.Release, error) {
	r := release.Release{
		ID: it.ReleaseID, TenantID: it.TenantID, Name: it.Name, Type: release.Type(it.ReleaseType),
		SourceShop: it.SourceShop, TargetShops: it.TargetShops, PRNumber: it.PRNumber, Status: release.Status(it.Status),
		Author: it.Author, AuthorType: it.AuthorType, ApprovalCount: it.ApprovalCount, Jobs: it.Jobs, Hotfix: it.Hotfix,
		CancelRequested: it.CancelRequested, JobsActive: it.JobsActive, JobsFailed: it.JobsFailed,
		JobsCancelled: it.JobsCancelled, Error: it.Error,
	}
	if it.Scope != "" {
		if err := json.Unmarshal([]byte(it.Scope), &r.Scope); err != nil {
			return release.Release{}, fmt.Errorf("release %s: scope: %w", it.ReleaseID, err)
		}
	}
	var err error
	if r.CreatedAt, err = parseTime(it.CreatedAt); err != nil {
		return release.Release{}, err
	}
	if r.UpdatedAt, err = parseTime(it.UpdatedAt); err != nil {
		return release.Release{}, err
	}
	if r.DeployedAt, err = parseTimePtr(it.DeployedAt); err != nil {
		return release.Release{}, err
	}
	if len(it.Summaries) > 0 {
		r.Summaries = map[string]release.Summary{}
		for k, s := range it.Summaries {
			r.Summaries[k] = release.Summary(s)
		}
	}
	return r, nil
}

func changeToItem(tenantID, releaseID string, c release.Change) changeItem {
	it := changeItem{
		PK: ReleasePK(tenantID, releaseID), SK: ReleaseChangeSK(c.Target, c.Object.Type, c.Object.Canonical),
		Type: typeChange, Target: c.Target, ObjectType: string(c.Object.Type), Canonical: c.Object.Canonical,
		Kind: string(c.Kind), SourceSeq: c.SourceSeq, SourceHash: c.SourceHash, TargetSeq: c.TargetSeq,
		TargetHash: c.TargetHash, FieldsTruncated: c.FieldsTruncated,
	}
	for _, f := range c.Fields {
		it.Fields = append(it.Fields, fieldChangeItem(f))
	}
	return it
}

func changeFromItem(it changeItem) release.Change {
	c := release.Change{
		Target: it.Target, Object: release.ObjectRef{Type: mapping.ObjectType(it.ObjectType), Canonical: it.Canonical},
		Kind: release.ChangeKind(it.Kind), SourceSeq: it.SourceSeq, SourceHash: it.SourceHash,
		TargetSeq: it.TargetSeq, TargetHash: it.TargetHash, FieldsTruncated: it.FieldsTruncated,
	}
	for _, f := range it.Fields {
		c.Fields = append(c.Fields, release.FieldChange(f))
	}
	return c
}

func jobToItem(j release.DeployJob) jobItem {
	it := jobItem{
		PK: DeployJobPK(j.TenantID, j.ID), SK: skJob, Type: typeJob, TenantID: j.TenantID, JobID: j.ID,
		ReleaseID: j.ReleaseID, SourceShop: j.SourceShop, TargetShop: j.TargetShop, Status: string(j.Status),
		Phase: string(j.Phase), Progress: j.Progress, Error: j.Error, Hotfix: j.Hotfix, CancelRequested: j.CancelRequested,
		CreatedAt: formatTime(j.CreatedAt), UpdatedAt: formatTime(j.UpdatedAt), StartedAt: formatTimePtr(j.StartedAt),
		EndedAt: formatTimePtr(j.EndedAt), Outcomes: map[string]int{},
	}
	for a, n := range j.Outcomes {
		it.Outcomes[string(a)] = n
	}
	return it
}

func jobFromItem(it jobItem) (release.DeployJob, error) {
	j := release.DeployJob{
		ID: it.JobID, TenantID: it.TenantID, ReleaseID: it.ReleaseID, SourceShop: it.SourceShop, TargetShop: it.TargetShop,
		Status: release.JobStatus(it.Status), Phase: release.Phase(it.Phase), Progress: it.Progress, Error: it.Error,
		Hotfix: it.Hotfix, CancelRequested: it.CancelRequested,
	}
	var err error
	if j.CreatedAt, err = parseTime(it.CreatedAt); err != nil {
		return j, err
	}
	if j.UpdatedAt, err = parseTime(it.UpdatedAt); err != nil {
		return j, err
	}
	if j.StartedAt, err = parseTimePtr(it.StartedAt); err != nil {
		return j, err
	}
	if j.EndedAt, err = parseTimePtr(it.EndedAt); err != nil {
		return j, err
	}
	if len(it.Outcomes) > 0 {
		j.Outcomes = map[release.Action]int{}
		for k, n := range it.Outcomes {
			j.Outcomes[release.Action(k)] = n
		}
	}
	return j, nil
}

func releaseNotFound() *platform.Error { return platform.E(platform.KindNotFound, "release not found") }
func jobNotFound() *platform.Error     { return platform.E(platform.KindNotFound, "deploy job not found") }

func checkIDs(tenantID string, ids ...string) error {
	if err := validTenant(tenantID); err != nil {
		return err
	}
	for _, id := range ids {
		if err := release.ValidID("id", id); err != nil {
			return err
		}
	}
	return nil
}

func validTenant(tenantID string) error {
	if tenantID == "" || strings.Contains(tenantID, sep) {
		return platform.E(platform.KindValidation, "invalid tenant id")
	}
	return nil
}

// txReasons maps a cancelled transaction's condition failures to the
// errors given per item (nil: the item cannot fail); a lost race is a
// conflict. Anything else is wrapped with op.
func txReasons(op string, err error, errs ...error) error {
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for i, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" && i < len(errs) && errs[i] != nil {
				return errs[i]
			}
		}
		if isTransactionConflict(tce) {
			return fmt.Errorf("%s: %w", op, platform.Wrap(platform.KindConflict, "concurrent update, try again", err))
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// plainPut is a transaction Put without a condition.
func (s *Store) plainPut(item any) (types.TransactWriteItem, error) {
	av, err := marshal(item)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.Table), Item: av}}, nil
}

func isCCF(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func vals(kv ...any) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		switch v := kv[i+1].(type) {
		case string:
			m[k] = str(v)
		case int:
			m[k] = num(int64(v))
		case int64:
			m[k] = num(v)
		case bool:
			m[k] = &types.AttributeValueMemberBOOL{Value: v}
		case types.AttributeValue:
			m[k] = v
		default:
			panic(fmt.Sprintf("vals: %T", v))
		}
	}
	return m
}

// CreateRelease stores r (status DRAFT, R1) and, when it has a PR number,
// points the PR at it (R3: the latest release created for a PR wins).
func (s *Store) CreateRelease(ctx context.Context, r release.Release) error {
	if err := checkIDs(r.TenantID, r.ID); err != nil {
		return err
	}
	it, err := releaseToItem(r)
	if err != nil {
		return err
	}
	put, err := s.put(it, "attribute_not_exists(PK)", nil)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{put}
	if r.PRNumber > 0 {
		pr, err := s.plainPut(releasePRItem{PK: TenantPK(r.TenantID), SK: ReleasePRSK(r.PRNumber), Type: typeRelPR, ReleaseID: r.ID})
		if err != nil {
			return err
		}
		items = append(items, pr)
	}
	return txReasons("create release", s.transact(ctx, items),
		platform.E(platform.KindConflict, "a release with this id already exists"))
}

// PutReleaseChanges stores changeset objects under the release (R2), 100
// per transaction; puts are idempotent, so a retry rewrites the same items.
func (s *Store) PutReleaseChanges(ctx context.Context, tenantID, releaseID string, changes []release.Change) error {
	if err := checkIDs(tenantID, releaseID); err != nil {
		return err
	}
	for start := 0; start < len(changes); start += changesPerTxn {
		chunk := changes[start:min(start+changesPerTxn, len(changes))]
		items := make([]types.TransactWriteItem, 0, len(chunk))
		for _, c := range chunk {
			p, err := s.plainPut(changeToItem(tenantID, releaseID, c))
			if err != nil {
				return err
			}
			items = append(items, p)
		}
		if err := s.transact(ctx, items); err != nil {
			return fmt.Errorf("put release changes: %w", err)
		}
	}
	return nil
}

// OpenRelease moves a DRAFT release whose changeset is stored to OPEN with
// its per-target summaries (condition: status = DRAFT).
func (s *Store) OpenRelease(ctx context.Context, tenantID, releaseID string, summaries map[string]release.Summary, at time.Time) error {
	if err := checkIDs(tenantID, releaseID); err != nil {
		return err
	}
	sm := map[string]summaryItem{}
	for k, v := range summaries {
		sm[k] = summaryItem(v)
	}
	av, err := attributevalue.Marshal(sm)
	if err != nil {
		return fmt.Errorf("open release: %w", err)
	}
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: key(ReleasePK(tenantID, releaseID), skRelease),
		UpdateExpression:         aws.String("SET #st = :open, summaries = :sm, updatedAt = :at"),
		ConditionExpression:      aws.String("#st = :draft"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: vals(":open", string(release.Open), ":draft", string(release.Draft), ":sm", av,
			":at", formatTime(at)),
	})
	return classify("open release", err, platform.E(platform.KindConflict, "release is not a DRAFT"))
}

// GetRelease reads a release (R4; NotFound for another tenant's id).
func (s *Store) GetRelease(ctx context.Context, tenantID, releaseID string) (release.Release, error) {
	if err := checkIDs(tenantID); err != nil {
		return release.Release{}, err
	}
	if release.ValidID("id", releaseID) != nil {
		return release.Release{}, releaseNotFound()
	}
	var it releaseItem
	found, err := s.getItem(ctx, ReleasePK(tenantID, releaseID), skRelease, &it)
	if err != nil {
		return release.Release{}, fmt.Errorf("get release: %w", err)
	}
	if !found {
		return release.Release{}, releaseNotFound()
	}
	return releaseFromItem(it)
}

// ReleaseByPR reads the latest release created for a PR number (R3, R4).
func (s *Store) ReleaseByPR(ctx context.Context, tenantID string, pr int) (release.Release, error) {
	if err := checkIDs(tenantID); err != nil {
		return release.Release{}, err
	}
	if pr < 1 || pr > release.MaxPRNumber {
		return release.Release{}, releaseNotFound()
	}
	var it releasePRItem
	found, err := s.getItem(ctx, TenantPK(tenantID), ReleasePRSK(pr), &it)
	if err != nil {
		return release.Release{}, fmt.Errorf("release by pr: %w", err)
	}
	if !found {
		return release.Release{}, platform.E(platform.KindNotFound, fmt.Sprintf("no release for PR #%d", pr))
	}
	return s.GetRelease(ctx, tenantID, it.ReleaseID)
}

// ReleaseChanges pages a release's changeset (R5) in key order (target,
// type, canonical), optionally of one target: at most limit after the
// cursor (the previous page's next; "" first). next is "" on the last page.
func (s *Store) ReleaseChanges(ctx context.Context, tenantID, releaseID, target string, limit int, cursor string) ([]release.Change, string, error) {
	if err := checkIDs(tenantID, releaseID); err != nil {
		return nil, "", err
	}
	if limit < 1 || limit > maxPageLimit {
		return nil, "", platform.E(platform.KindValidation, fmt.Sprintf("limit must be between 1 and %d", maxPageLimit))
	}
	pk := ReleasePK(tenantID, releaseID)
	prefix := ReleaseChangePrefix(target)
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.Table), KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: vals(":pk", pk, ":p", prefix), ConsistentRead: aws.Bool(true),
	}
	if cursor != "" {
		if !strings.HasPrefix(skChange+cursor, prefix) {
			return nil, "", platform.E(platform.KindValidation, "invalid cursor")
		}
		in.ExclusiveStartKey = key(pk, skChange+cursor)
	}
	var out []release.Change
	for len(out) < limit {
		in.Limit = aws.Int32(int32(limit - len(out)))
		res, err := s.DB.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("release changes: %w", err)
		}
		for _, raw := range res.Items {
			var it changeItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, "", fmt.Errorf("release changes: unmarshal: %w", err)
			}
			out = append(out, changeFromItem(it))
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, "", nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	last := out[len(out)-1]
	return out, strings.TrimPrefix(ReleaseChangeSK(last.Target, last.Object.Type, last.Object.Canonical), skChange), nil
}

// AllReleaseChanges reads a release's whole changeset (R5, every page).
func (s *Store) AllReleaseChanges(ctx context.Context, tenantID, releaseID string) ([]release.Change, error) {
	var all []release.Change
	cursor := ""
	for {
		page, next, err := s.ReleaseChanges(ctx, tenantID, releaseID, "", maxPageLimit, cursor)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		cursor = next
	}
}

// ReleaseApprovals lists a release's approvals (R6), by approver.
func (s *Store) ReleaseApprovals(ctx context.Context, tenantID, releaseID string) ([]release.Approval, error) {
	if err := checkIDs(tenantID, releaseID); err != nil {
		return nil, err
	}
	raw, err := s.query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.Table), KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: vals(":pk", ReleasePK(tenantID, releaseID), ":p", skApproval), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("release approvals: %w", err)
	}
	out := make([]release.Approval, 0, len(raw))
	for _, r := range raw {
		var it approvalItem
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return nil, fmt.Errorf("release approvals: unmarshal: %w", err)
		}
		at, err := parseTime(it.At)
		if err != nil {
			return nil, err
		}
		out = append(out, release.Approval{Principal: it.Principal, PrincipalType: it.PrincipalType, Comment: it.Comment, At: at})
	}
	return out, nil
}

// AddApproval records a's approval of an OPEN release (R7): one
// transaction puts the approval (condition: this approver has none) and
// counts it on the release (condition: OPEN and not authored by the
// approver).
func (s *Store) AddApproval(ctx context.Context, tenantID, releaseID string, a release.Approval) error {
	if err := checkIDs(tenantID, releaseID); err != nil {
		return err
	}
	if a.Principal == "" {
		return platform.E(platform.KindValidation, "approval without an approver")
	}
	pk := ReleasePK(tenantID, releaseID)
	put, err := s.put(approvalItem{PK: pk, SK: ReleaseApprovalSK(a.Principal), Type: typeApproval, Principal: a.Principal,
		PrincipalType: a.PrincipalType, Comment: a.Comment, At: formatTime(a.At)}, "attribute_not_exists(PK)", nil)
	if err != nil {
		return err
	}
	upd := types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.Table), Key: key(pk, skRelease),
		UpdateExpression:          aws.String("ADD approvalCount :one SET updatedAt = :at"),
		ConditionExpression:       aws.String("#st = :open AND author <> :me"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: vals(":one", 1, ":at", formatTime(a.At), ":open", string(release.Open), ":me", a.Principal),
	}}
	return txReasons("approve release", s.transact(ctx, []types.TransactWriteItem{put, upd}),
		&release.Refusal{Code: release.CodeAlreadyApproved, Message: "you have already approved release " + releaseID},
		&release.Refusal{Code: release.CodeConflict, Message: "release " + releaseID + " is no longer OPEN, or you are its author"})
}

// ApprovalRules are the tenant's approval rules (R8); release.DefaultRules
// when none were set.
func (s *Store) ApprovalRules(ctx context.Context, tenantID string) (release.Rules, error) {
	if err := checkIDs(tenantID); err != nil {
		return release.Rules{}, err
	}
	var it rulesItem
	found, err := s.getItem(ctx, TenantPK(tenantID), skRules, &it)
	if err != nil {
		return release.Rules{}, fmt.Errorf("approval rules: %w", err)
	}
	if !found {
		return release.DefaultRules, nil
	}
	at, err := parseTime(it.UpdatedAt)
	if err != nil {
		return release.Rules{}, err
	}
	return release.Rules{RequiredApprovals: it.RequiredApprovals, AllowHotfix: it.AllowHotfix, UpdatedBy: it.UpdatedBy, UpdatedAt: at}, nil
}

// SetApprovalRules replaces the tenant's approval rules (R8).
func (s *Store) SetApprovalRules(ctx context.Context, tenantID string, r release.Rules) error {
	if err := checkIDs(tenantID); err != nil {
		return err
	}
	if err := release.ValidateRules(r); err != nil {
		return err
	}
	av, err := marshal(rulesItem{PK: TenantPK(tenantID), SK: skRules, Type: typeRules, RequiredApprovals: r.RequiredApprovals,
		AllowHotfix: r.AllowHotfix, UpdatedBy: r.UpdatedBy, UpdatedAt: formatTime(r.UpdatedAt)})
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: av}); err != nil {
		return fmt.Errorf("set approval rules: %w", err)
	}
	return nil
}

// StartDeploy moves an OPEN release to DEPLOYING with its jobs (R9), in
// one transaction: the release (condition: OPEN, and approvalCount ≥
// requiredApprovals unless hotfix), per job the target's deploy lock
// (condition: no deploy holds it) and the job (PENDING, phase PENDING,
// progress 0). Two deploys racing for a target: exactly one gets it.
func (s *Store) StartDeploy(ctx context.Context, r release.Release, jobs []release.DeployJob, requiredApprovals int, hotfix bool, at time.Time) error {
	if err := checkIDs(r.TenantID, r.ID); err != nil {
		return err
	}
	jm, err := jobsByTarget("deploy", jobs)
	if err != nil {
		return err
	}
	cond := "#st = :open"
	v := vals(":open", string(release.Open), ":dep", string(release.Deploying), ":jobs", jm, ":hot", hotfix,
		":n", len(jobs), ":at", formatTime(at))
	if !hotfix {
		cond += " AND approvalCount >= :req"
		v[":req"] = num(int64(requiredApprovals))
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(s.Table), Key: key(ReleasePK(r.TenantID, r.ID), skRelease),
		UpdateExpression:          aws.String("SET #st = :dep, jobs = :jobs, hotfix = :hot, jobsActive = :n, updatedAt = :at"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: v,
	}}}
	errs := []error{&release.Refusal{Code: release.CodeConflict, Message: "release " + r.ID + " is no longer OPEN or lacks its approvals"}}
	for _, j := range jobs {
		lock, err := s.put(lockItem{PK: DeployLockPK(r.TenantID, j.TargetShop), SK: skLock, Type: typeLock, JobID: j.ID,
			ReleaseID: r.ID, TakenAt: formatTime(at)}, "attribute_not_exists(PK)", nil)
		if err != nil {
			return err
		}
		job, err := s.put(jobToItem(j), "attribute_not_exists(PK)", nil)
		if err != nil {
			return err
		}
		items = append(items, lock, job)
		errs = append(errs, &release.Refusal{Code: release.CodeTargetBusy,
			Message: "another deploy is running on " + j.TargetShop + ": wait until it ends"},
			platform.E(platform.KindConflict, "a deploy job with this id already exists"))
	}
	return txReasons("start deploy", s.transact(ctx, items), errs...)
}

// DeployLock is the job holding a target's deploy lock ("" when free; R10).
func (s *Store) DeployLock(ctx context.Context, tenantID, shop string) (jobID string, err error) {
	var it lockItem
	if _, err := s.getItem(ctx, DeployLockPK(tenantID, shop), skLock, &it); err != nil {
		return "", fmt.Errorf("deploy lock: %w", err)
	}
	return it.JobID, nil
}

// CancelRelease cancels a DRAFT or OPEN release (R11; condition: status).
func (s *Store) CancelRelease(ctx context.Context, tenantID, releaseID string, at time.Time) error {
	if err := checkIDs(tenantID, releaseID); err != nil {
		return err
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: key(ReleasePK(tenantID, releaseID), skRelease),
		UpdateExpression:         aws.String("SET #st = :c, updatedAt = :at"),
		ConditionExpression:      aws.String("#st IN (:d, :o)"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: vals(":c", string(release.Cancelled), ":d", string(release.Draft), ":o", string(release.Open),
			":at", formatTime(at)),
	})
	if isCCF(err) {
		return &release.Refusal{Code: release.CodeConflict, Message: "release " + releaseID + " is no longer DRAFT or OPEN"}
	}
	return classify("cancel release", err)
}

// RequestCancel asks a DEPLOYING release's jobs to stop before their next
// write (R12): the release and every job not yet ended get
// cancelRequested; jobs that already ended are left as they are.
func (s *Store) RequestCancel(ctx context.Context, r release.Release, at time.Time) error {
	if err := checkIDs(r.TenantID, r.ID); err != nil {
		return err
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: key(ReleasePK(r.TenantID, r.ID), skRelease),
		UpdateExpression:          aws.String("SET cancelRequested = :t, updatedAt = :at"),
		ConditionExpression:       aws.String("#st = :dep"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: vals(":t", true, ":at", formatTime(at), ":dep", string(release.Deploying)),
	})
	if isCCF(err) {
		return &release.Refusal{Code: release.CodeEnded, Message: "release " + r.ID + " is no longer deploying"}
	}
	if err != nil {
		return fmt.Errorf("request cancel: %w", err)
	}
	for _, jobID := range r.Jobs {
		_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.Table), Key: key(DeployJobPK(r.TenantID, jobID), skJob),
			UpdateExpression:          aws.String("SET cancelRequested = :t, updatedAt = :at"),
			ConditionExpression:       aws.String("#st IN (:p, :r)"),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: vals(":t", true, ":at", formatTime(at), ":p", string(release.JobPending), ":r", string(release.JobRunning)),
		})
		if err != nil && !isCCF(err) {
			return fmt.Errorf("request cancel of job %s: %w", jobID, err)
		}
	}
	return nil
}

// GetDeployJob reads a deploy job (R13; NotFound for another tenant's id).
func (s *Store) GetDeployJob(ctx context.Context, tenantID, jobID string) (release.DeployJob, error) {
	if err := checkIDs(tenantID); err != nil {
		return release.DeployJob{}, err
	}
	if release.ValidID("id", jobID) != nil {
		return release.DeployJob{}, jobNotFound()
	}
	var it jobItem
	found, err := s.getItem(ctx, DeployJobPK(tenantID, jobID), skJob, &it)
	if err != nil {
		return release.DeployJob{}, fmt.Errorf("get deploy job: %w", err)
	}
	if !found {
		return release.DeployJob{}, jobNotFound()
	}
	return jobFromItem(it)
}

// DeployJobs reads jobs by id (R13 batched), in the order of ids; missing
// ones are left out.
func (s *Store) DeployJobs(ctx context.Context, tenantID string, jobIDs []string) ([]release.DeployJob, error) {
	if err := checkIDs(tenantID, jobIDs...); err != nil {
		return nil, err
	}
	keys := make([]map[string]types.AttributeValue, len(jobIDs))
	for i, id := range jobIDs {
		keys[i] = key(DeployJobPK(tenantID, id), skJob)
	}
	raw, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("deploy jobs: %w", err)
	}
	byID := map[string]release.DeployJob{}
	for _, r := range raw {
		var it jobItem
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return nil, fmt.Errorf("deploy jobs: unmarshal: %w", err)
		}
		j, err := jobFromItem(it)
		if err != nil {
			return nil, err
		}
		byID[j.ID] = j
	}
	out := make([]release.DeployJob, 0, len(byID))
	for _, id := range jobIDs {
		if j, ok := byID[id]; ok {
			out = append(out, j)
		}
	}
	return out, nil
}

// CancelRequested reports whether the job was asked to stop (R13, one
// strongly consistent read): the executor checks it before each write.
func (s *Store) CancelRequested(ctx context.Context, tenantID, jobID string) (bool, error) {
	j, err := s.GetDeployJob(ctx, tenantID, jobID)
	if err != nil {
		return false, err
	}
	return j.CancelRequested, nil
}

// UpdateDeployPhase moves a job that has not ended to a working phase with
// its progress (R14); the job becomes RUNNING (startedAt set once).
func (s *Store) UpdateDeployPhase(ctx context.Context, tenantID, jobID string, phase release.Phase, progress int, at time.Time) error {
	if err := checkIDs(tenantID, jobID); err != nil {
		return err
	}
	if !phase.Working() {
		return platform.E(platform.KindValidation, fmt.Sprintf("phase %s is not set by UpdateDeployPhase", phase))
	}
	if progress < 0 || progress > 100 {
		return platform.E(platform.KindValidation, "progress must be between 0 and 100")
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Table), Key: key(DeployJobPK(tenantID, jobID), skJob),
		UpdateExpression:         aws.String("SET #st = :run, phase = :ph, progress = :pr, updatedAt = :at, startedAt = if_not_exists(startedAt, :at)"),
		ConditionExpression:      aws.String("attribute_exists(PK) AND #st IN (:p, :run)"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: vals(":run", string(release.JobRunning), ":p", string(release.JobPending), ":ph", string(phase),
			":pr", progress, ":at", formatTime(at)),
	})
	return classify("update deploy phase", err, platform.E(platform.KindConflict, "deploy job "+jobID+" has ended or does not exist"))
}

// RecordDeployOutcome records what the job did to one object (R15),
// replacing an earlier outcome of the same object (a retry), and keeps the
// job's per-action counts exact: the outcome's put is conditioned on the
// previous action read.
func (s *Store) RecordDeployOutcome(ctx context.Context, tenantID, jobID string, o release.Outcome) error {
	if err := checkIDs(tenantID, jobID); err != nil {
		return err
	}
	if _, err := release.ParseAction(string(o.Action)); err != nil {
		return err
	}
	if err := mapping.ValidateCanonical(o.Object.Type, o.Object.Canonical); err != nil {
		return err
	}
	pk, sk := DeployJobPK(tenantID, jobID), DeployOutcomeSK(o.Object.Type, o.Object.Canonical)
	for attempt := 0; attempt < endAttempts; attempt++ {
		if attempt > 0 {
			if err := raceBackoff(ctx, attempt); err != nil {
				return err
			}
		}
		var prev outcomeItem
		found, err := s.getItem(ctx, pk, sk, &prev)
		if err != nil {
			return fmt.Errorf("record outcome: %w", err)
		}
		it := outcomeItem{PK: pk, SK: sk, Type: typeOutcome, ObjectType: string(o.Object.Type), Canonical: o.Object.Canonical,
			Action: string(o.Action), GID: o.GID, Error: o.Error, At: formatTime(o.At), Verified: o.Verified}
		cond, cv := "attribute_not_exists(PK)", map[string]types.AttributeValue(nil)
		if found {
			cond, cv = "#a = :prev", vals(":prev", prev.Action)
		}
		put, err := s.put(it, cond, cv)
		if err != nil {
			return err
		}
		if found {
			put.Put.ExpressionAttributeNames = map[string]string{"#a": "action"}
		}
		items := []types.TransactWriteItem{put}
		if !found || prev.Action != it.Action {
			expr := "SET outcomes.#new = if_not_exists(outcomes.#new, :zero) + :one, updatedAt = :at"
			names := map[string]string{"#new": it.Action}
			v := vals(":zero", 0, ":one", 1, ":at", formatTime(o.At))
			if found {
				expr += ", outcomes.#old = outcomes.#old - :one"
				names["#old"] = prev.Action
			}
			items = append(items, types.TransactWriteItem{Update: &types.Update{
				TableName: aws.String(s.Table), Key: key(pk, skJob), UpdateExpression: aws.String(expr),
				ConditionExpression: aws.String("attribute_exists(outcomes)"), ExpressionAttributeNames: names,
				ExpressionAttributeValues: v,
			}})
		}
		err = s.transact(ctx, items)
		if err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) {
			continue
		}
		return fmt.Errorf("record outcome: %w", err)
	}
	return platform.E(platform.KindConflict, "outcome is being recorded concurrently, try again")
}

// DeployOutcomes pages a job's outcomes (R16) by type and canonical.
func (s *Store) DeployOutcomes(ctx context.Context, tenantID, jobID string, limit int, after string) ([]release.Outcome, string, error) {
	raws, next, err := s.pageJob(ctx, tenantID, jobID, skOutcome, limit, after)
	if err != nil {
		return nil, "", err
	}
	out := make([]release.Outcome, 0, len(raws))
	for _, r := range raws {
		var it outcomeItem
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return nil, "", fmt.Errorf("deploy outcomes: unmarshal: %w", err)
		}
		at, err := parseTime(it.At)
		if err != nil {
			return nil, "", err
		}
		out = append(out, release.Outcome{Object: release.ObjectRef{Type: mapping.ObjectType(it.ObjectType), Canonical: it.Canonical},
			Action: release.Action(it.Action), GID: it.GID, Error: it.Error, At: at, Verified: it.Verified})
	}
	return out, next, nil
}

func (s *Store) pageJob(ctx context.Context, tenantID, jobID, prefix string, limit int, after string) ([]map[string]types.AttributeValue, string, error) {
	if err := checkIDs(tenantID, jobID); err != nil {
		return nil, "", err
	}
	if limit < 1 || limit > maxPageLimit {
		return nil, "", platform.E(platform.KindValidation, fmt.Sprintf("limit must be between 1 and %d", maxPageLimit))
	}
	pk := DeployJobPK(tenantID, jobID)
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.Table), KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: vals(":pk", pk, ":p", prefix), ConsistentRead: aws.Bool(true),
	}
	if after != "" {
		in.ExclusiveStartKey = key(pk, prefix+after)
	}
	var out []map[string]types.AttributeValue
	for len(out) < limit {
		in.Limit = aws.Int32(int32(limit - len(out)))
		res, err := s.DB.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("deploy job items: %w", err)
		}
		out = append(out, res.Items...)
		if len(res.LastEvaluatedKey) == 0 {
			return out, "", nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	var last struct {
		SK string `dynamodbav:"SK"`
	}
	if err := attributevalue.UnmarshalMap(out[len(out)-1], &last); err != nil {
		return nil, "", err
	}
	return out, strings.TrimPrefix(last.SK, prefix), nil
}

// PutDeploySnapshot stores the before-image of one target object (R17):
// the body in blobs by content hash (idempotent), and the index item with
// condition "none yet", so a retried job never replaces the first
// before-image with a state it already changed. written is false when one
// existed.
func (s *Store) PutDeploySnapshot(ctx context.Context, blobs Blobs, tenantID, jobID string, sn release.Snapshot) (written bool, err error) {
	if err := checkIDs(tenantID, jobID); err != nil {
		return false, err
	}
	if err := mapping.ValidateCanonical(sn.Object.Type, sn.Object.Canonical); err != nil {
		return false, err
	}
	it := snapshotItem{PK: DeployJobPK(tenantID, jobID), SK: DeploySnapshotSK(sn.Object.Type, sn.Object.Canonical), Type: typeSnapshot,
		ObjectType: string(sn.Object.Type), Canonical: sn.Object.Canonical, GID: sn.GID, Absent: sn.Absent, TakenAt: formatTime(sn.TakenAt)}
	if !sn.Absent {
		if len(sn.Body) == 0 {
			return false, platform.E(platform.KindValidation, "a snapshot of a present object needs its body")
		}
		if blobs == nil {
			return false, errors.New("put snapshot: no blob store")
		}
		sum := sha256.Sum256(sn.Body)
		it.Hash = hex.EncodeToString(sum[:])
		it.S3Key = SnapshotBlobKey(tenantID, it.Hash)
		if err := blobs.Put(ctx, it.S3Key, sn.Body); err != nil {
			return false, fmt.Errorf("put snapshot: blob: %w", err)
		}
	}
	av, err := marshal(it)
	if err != nil {
		return false, err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if isCCF(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put snapshot: %w", err)
	}
	return true, nil
}

// DeploySnapshot reads one object's before-image with its body (R17).
func (s *Store) DeploySnapshot(ctx context.Context, blobs Blobs, tenantID, jobID string, o release.ObjectRef) (release.Snapshot, error) {
	if err := checkIDs(tenantID, jobID); err != nil {
		return release.Snapshot{}, err
	}
	var it snapshotItem
	found, err := s.getItem(ctx, DeployJobPK(tenantID, jobID), DeploySnapshotSK(o.Type, o.Canonical), &it)
	if err != nil {
		return release.Snapshot{}, fmt.Errorf("get snapshot: %w", err)
	}
	if !found {
		return release.Snapshot{}, platform.E(platform.KindNotFound, "no snapshot of "+o.String()+" in this deploy job")
	}
	sn, err := snapshotFromItem(it)
	if err != nil || sn.Absent {
		return sn, err
	}
	if blobs == nil {
		return release.Snapshot{}, errors.New("get snapshot: no blob store")
	}
	if sn.Body, err = blobs.Get(ctx, it.S3Key); err != nil {
		return release.Snapshot{}, fmt.Errorf("get snapshot: blob: %w", err)
	}
	return sn, nil
}

// DeploySnapshots pages a job's before-images without bodies (R18).
func (s *Store) DeploySnapshots(ctx context.Context, tenantID, jobID string, limit int, after string) ([]release.Snapshot, string, error) {
	raws, next, err := s.pageJob(ctx, tenantID, jobID, skSnapshot, limit, after)
	if err != nil {
		return nil, "", err
	}
	out := make([]release.Snapshot, 0, len(raws))
	for _, r := range raws {
		var it snapshotItem
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return nil, "", fmt.Errorf("deploy snapshots: unmarshal: %w", err)
		}
		sn, err := snapshotFromItem(it)
		if err != nil {
			return nil, "", err
		}
		out = append(out, sn)
	}
	return out, next, nil
}

func snapshotFromItem(it snapshotItem) (release.Snapshot, error) {
	at, err := parseTime(it.TakenAt)
	if err != nil {
		return release.Snapshot{}, err
	}
	return release.Snapshot{Object: release.ObjectRef{Type: mapping.ObjectType(it.ObjectType), Canonical: it.Canonical},
		GID: it.GID, Absent: it.Absent, Hash: it.Hash, TakenAt: at}, nil
}

// CompleteDeployJob ends a job COMPLETED (phase COMPLETED, progress 100);
// see EndDeployJob.
func (s *Store) CompleteDeployJob(ctx context.Context, tenantID, jobID string, at time.Time) error {
	return s.EndDeployJob(ctx, tenantID, jobID, release.JobCompleted, "", at)
}

// FailDeployJob ends a job FAILED (phase FAILED) with a client-safe
// message; see EndDeployJob.
func (s *Store) FailDeployJob(ctx context.Context, tenantID, jobID, msg string, at time.Time) error {
	return s.EndDeployJob(ctx, tenantID, jobID, release.JobFailed, msg, at)
}

// EndDeployJob ends a job (R19) in one transaction: the job (condition:
// not ended), the target's lock released (condition: this job holds it, or
// nobody does), and the release's counters; the last job to end moves the
// release to its final status (release.FinalStatus; condition: the
// jobsActive count read, so concurrent ends of a release's jobs serialise).
// Ending a job again with the status it has is a no-op; with another
// status a Conflict. A CANCELLED job keeps the phase it stopped in.
func (s *Store) EndDeployJob(ctx context.Context, tenantID, jobID string, st release.JobStatus, msg string, at time.Time) error {
	if err := checkIDs(tenantID, jobID); err != nil {
		return err
	}
	if !st.Ended() {
		return platform.E(platform.KindValidation, fmt.Sprintf("%s is not an end status", st))
	}
	for attempt := 0; attempt < endAttempts; attempt++ {
		if attempt > 0 {
			if err := raceBackoff(ctx, attempt); err != nil {
				return err
			}
		}
		j, err := s.GetDeployJob(ctx, tenantID, jobID)
		if err != nil {
			return err
		}
		if j.Status.Ended() {
			if j.Status == st {
				return nil
			}
			return platform.E(platform.KindConflict, fmt.Sprintf("deploy job %s already ended %s", jobID, j.Status))
		}
		r, err := s.GetRelease(ctx, tenantID, j.ReleaseID)
		if err != nil {
			return err
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
		jobUpd := types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.Table), Key: key(DeployJobPK(tenantID, jobID), skJob), UpdateExpression: aws.String(expr),
			ConditionExpression:      aws.String("#st IN (:p, :r)"),
			ExpressionAttributeNames: names(msg != "", map[string]string{"#st": "status"}), ExpressionAttributeValues: v,
		}}
		unlock := s.del(DeployLockPK(tenantID, j.TargetShop), skLock, "attribute_not_exists(PK) OR jobId = :job", vals(":job", jobID))
		failed, cancelled := r.JobsFailed, r.JobsCancelled
		rexpr := "SET jobsActive = :left, updatedAt = :at"
		rv := vals(":left", r.JobsActive-1, ":active", r.JobsActive, ":at", formatTime(at), ":dep", string(release.Deploying))
		switch st {
		case release.JobFailed:
			failed++
			rexpr += ", jobsFailed = :f"
			rv[":f"] = num(int64(failed))
		case release.JobCancelled:
			cancelled++
			rexpr += ", jobsCancelled = :c"
			rv[":c"] = num(int64(cancelled))
		}
		if r.JobsActive <= 1 {
			final := release.FinalStatus(failed, cancelled)
			rexpr += ", #st = :final"
			rv[":final"] = str(string(final))
			if final == release.Deployed {
				rexpr += ", deployedAt = :at"
			}
		}
		relUpd := types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.Table), Key: key(ReleasePK(tenantID, r.ID), skRelease), UpdateExpression: aws.String(rexpr),
			ConditionExpression:      aws.String("#st = :dep AND jobsActive = :active"),
			ExpressionAttributeNames: map[string]string{"#st": "status"}, ExpressionAttributeValues: rv,
		}}
		err = s.transact(ctx, []types.TransactWriteItem{jobUpd, unlock, relUpd})
		if err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) {
			continue // the job or the release moved: re-read
		}
		return fmt.Errorf("end deploy job: %w", err)
	}
	return platform.E(platform.KindConflict, "deploy job "+jobID+" is being ended concurrently, try again")
}

func names(withErr bool, m map[string]string) map[string]string {
	if withErr {
		m["#err"] = "error"
	}
	return m
}

// CurrentRef is an object's CURRENT pointer: its current version's number
// and hash (the hash of ingest.Tombstone for a deleted object).
type CurrentRef struct {
	Seq  int64
	Hash string
}

// CurrentRefs reads the CURRENT pointers of canonicals of type t in shop
// (V7: strongly consistent BatchGetItem, 100 keys per call); objects never
// captured are absent from the map.
func (s *Store) CurrentRefs(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, canonicals []string) (map[string]CurrentRef, error) {
	if err := validateMappingScope(tenantID, t, shop); err != nil {
		return nil, err
	}
	keys := make([]map[string]types.AttributeValue, 0, len(canonicals))
	seen := map[string]bool{}
	for _, c := range canonicals {
		if seen[c] {
			continue
		}
		seen[c] = true
		if err := mapping.ValidateCanonical(t, c); err != nil {
			return nil, err
		}
		keys = append(keys, key(ObjectPK(tenantID, string(t), shop, c), skCurrent))
	}
	raw, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("current versions: %w", err)
	}
	prefix := ObjectPK(tenantID, string(t), shop, "")
	out := make(map[string]CurrentRef, len(raw))
	for _, r := range raw {
		var it currentItem
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return nil, fmt.Errorf("current versions: unmarshal: %w", err)
		}
		out[strings.TrimPrefix(it.PK, prefix)] = CurrentRef{Seq: it.Seq, Hash: it.Hash}
	}
	return out, nil
}

// VersionsBySeq reads versions of canonicals of type t in shop by number
// (V8: BatchGetItem; canonical → seq). Bodies held in S3 are not loaded
// (VersionBody); a version that does not exist is absent from the map.
func (s *Store) VersionsBySeq(ctx context.Context, tenantID string, t mapping.ObjectType, shop string, seqs map[string]int64) (map[string]Version, error) {
	if err := validateMappingScope(tenantID, t, shop); err != nil {
		return nil, err
	}
	keys := make([]map[string]types.AttributeValue, 0, len(seqs))
	for c, seq := range seqs {
		if err := mapping.ValidateCanonical(t, c); err != nil {
			return nil, err
		}
		if seq < 1 || seq > maxSeq {
			return nil, platform.E(platform.KindValidation, "version number out of range: "+strconv.FormatInt(seq, 10))
		}
		keys = append(keys, key(ObjectPK(tenantID, string(t), shop, c), VersionSK(seq)))
	}
	raw, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	out := make(map[string]Version, len(raw))
	for _, r := range raw {
		var it versionItem
		if err := attributevalue.UnmarshalMap(r, &it); err != nil {
			return nil, fmt.Errorf("versions: unmarshal: %w", err)
		}
		v, err := it.version()
		if err != nil {
			return nil, err
		}
		out[v.Canonical] = v
	}
	return out, nil
}

// jobsByTarget is the release item's map of target shop → job id for a
// deploy or rollback of 1 to 49 targets (each takes a lock and a job item
// in one transaction with the release).
func jobsByTarget(what string, jobs []release.DeployJob) (types.AttributeValue, error) {
	if len(jobs) == 0 || len(jobs)*2+1 > maxTransactItems {
		return nil, platform.E(platform.KindValidation, "a "+what+" has 1 to 49 targets")
	}
	jobMap := make(map[string]string, len(jobs))
	for _, j := range jobs {
		jobMap[j.TargetShop] = j.ID
	}
	jm, err := attributevalue.Marshal(jobMap)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", what, err)
	}
	return jm, nil
}
