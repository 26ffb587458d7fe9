package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

const (
	relTenant = "reltenant"
	relSource = "rel-src.myshopify.com"
	relTarget = "rel-tgt.myshopify.com"
)

var relT0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func newRelease(id string, targets ...string) release.Release {
	if len(targets) == 0 {
		targets = []string{relTarget}
	}
	return release.Release{ID: id, TenantID: relTenant, Name: "March update", Type: release.Objects, SourceShop: relSource,
		TargetShops: targets, Status: release.Draft, Author: "key_author", AuthorType: "api_key", CreatedAt: relT0, UpdatedAt: relT0}
}

// openRelease creates a release and opens it with an empty changeset.
func openRelease(t *testing.T, s *store.Store, r release.Release) release.Release {
	t.Helper()
	ctx := t.Context()
	if err := s.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.OpenRelease(ctx, relTenant, r.ID, map[string]release.Summary{r.TargetShop(): {Created: 1}}, relT0); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRelease(ctx, relTenant, r.ID)
	if err != nil || got.Status != release.Open {
		t.Fatalf("opened release %+v, %v", got, err)
	}
	return got
}

func refusalCode(err error) string {
	var r *release.Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return ""
}

func job(r release.Release, id, target string) release.DeployJob {
	return release.DeployJob{ID: id, TenantID: relTenant, ReleaseID: r.ID, SourceShop: r.SourceShop, TargetShop: target,
		Status: release.JobPending, Phase: release.PhasePending, CreatedAt: relT0, UpdatedAt: relT0}
}

func TestReleaseCreateOpenReadAndChanges(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	r := newRelease("rel_a", relTarget, "rel-tgt2.myshopify.com")
	r.PRNumber = 42
	r.Scope = release.Scope{ObjectTypes: []mapping.ObjectType{mapping.Page}}
	if err := s.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRelease(ctx, r); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("second create with the same id: %v", err)
	}
	// 1,000 changes across two targets: stored as child items, paged back.
	var changes []release.Change
	for i := range 1000 {
		target := relTarget
		if i%2 == 1 {
			target = "rel-tgt2.myshopify.com"
		}
		changes = append(changes, release.Change{Target: target, Object: release.ObjectRef{Type: mapping.Page, Canonical: fmt.Sprintf("page-%04d", i)},
			Kind: release.Modified, SourceSeq: 2, SourceHash: "aa", TargetSeq: 1, TargetHash: "bb",
			Fields: []release.FieldChange{{Path: "/title", Kind: "modified"}}})
	}
	if err := s.PutReleaseChanges(ctx, relTenant, r.ID, changes); err != nil {
		t.Fatal(err)
	}
	if err := s.PutReleaseChanges(ctx, relTenant, r.ID, changes[:10]); err != nil {
		t.Fatalf("rewrite (retry): %v", err)
	}
	if err := s.OpenRelease(ctx, relTenant, r.ID, map[string]release.Summary{relTarget: {Modified: 500}}, relT0); err != nil {
		t.Fatal(err)
	}
	if err := s.OpenRelease(ctx, relTenant, r.ID, nil, relT0); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("open twice: %v", err)
	}
	all, err := s.AllReleaseChanges(ctx, relTenant, r.ID)
	if err != nil || len(all) != 1000 {
		t.Fatalf("all changes: %d, %v", len(all), err)
	}
	var one []release.Change
	cursor := ""
	for {
		page, next, err := s.ReleaseChanges(ctx, relTenant, r.ID, relTarget, 120, cursor)
		if err != nil {
			t.Fatal(err)
		}
		one = append(one, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(one) != 500 || one[0].Object.Canonical != "page-0000" || one[499].Object.Canonical != "page-0998" {
		t.Errorf("target's pages: %d", len(one))
	}
	if d := cmp.Diff(changes[0], one[0]); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	got, err := s.ReleaseByPR(ctx, relTenant, 42)
	if err != nil || got.ID != r.ID || got.Status != release.Open || got.Summaries[relTarget].Modified != 500 ||
		!cmp.Equal(got.Scope, r.Scope) || len(got.TargetShops) != 2 {
		t.Errorf("by PR: %+v, %v", got, err)
	}
	for _, tc := range []struct{ tenant, id string }{{"othertenant", r.ID}, {relTenant, "rel_missing"}} {
		if _, err := s.GetRelease(ctx, tc.tenant, tc.id); platform.KindOf(err) != platform.KindNotFound {
			t.Errorf("GetRelease(%s, %s): %v", tc.tenant, tc.id, err)
		}
	}
	if _, err := s.ReleaseByPR(ctx, relTenant, 43); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("unknown PR: %v", err)
	}
}

func TestApprovals(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	r := openRelease(t, s, newRelease("rel_b"))
	approve := func(who string) error {
		return s.AddApproval(ctx, relTenant, r.ID, release.Approval{Principal: who, PrincipalType: "api_key", Comment: "LGTM", At: relT0})
	}
	if err := approve("key_author"); refusalCode(err) != release.CodeConflict {
		t.Errorf("author's approval: %v", err)
	}
	// The same approver twice, concurrently: one approval.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = approve("key_reviewer") }()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case refusalCode(err) != release.CodeAlreadyApproved && platform.KindOf(err) != platform.KindConflict:
			t.Errorf("double approval: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d approvals by the same key succeeded, want 1", ok)
	}
	if err := approve("key_second"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetRelease(ctx, relTenant, r.ID)
	as, err := s.ReleaseApprovals(ctx, relTenant, r.ID)
	if err != nil || got.ApprovalCount != 2 || len(as) != 2 || as[0].Principal != "key_reviewer" || as[0].Comment != "LGTM" {
		t.Errorf("approvals %+v count %d, %v", as, got.ApprovalCount, err)
	}
	// Not OPEN any more: refused.
	if err := s.CancelRelease(ctx, relTenant, r.ID, relT0); err != nil {
		t.Fatal(err)
	}
	if err := approve("key_third"); refusalCode(err) != release.CodeConflict {
		t.Errorf("approval of a cancelled release: %v", err)
	}
	if err := s.CancelRelease(ctx, relTenant, r.ID, relT0); refusalCode(err) != release.CodeConflict {
		t.Errorf("cancel twice: %v", err)
	}
}

func TestApprovalRules(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	got, err := s.ApprovalRules(ctx, relTenant)
	if err != nil || got != release.DefaultRules {
		t.Errorf("default rules %+v, %v", got, err)
	}
	want := release.Rules{RequiredApprovals: 2, AllowHotfix: true, UpdatedBy: "key_admin", UpdatedAt: relT0}
	if err := s.SetApprovalRules(ctx, relTenant, want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ApprovalRules(ctx, relTenant); err != nil || got != want {
		t.Errorf("rules %+v, %v", got, err)
	}
	if err := s.SetApprovalRules(ctx, relTenant, release.Rules{RequiredApprovals: -1}); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("negative rule: %v", err)
	}
}

// Two releases racing for the same target: exactly one deploy job; the
// approvals condition holds even when the caller's check was stale.
func TestStartDeployOneJobPerTarget(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	const n = 6
	rs := make([]release.Release, n)
	for i := range rs {
		rs[i] = openRelease(t, s, newRelease(fmt.Sprintf("rel_c%d", i)))
		if err := s.AddApproval(ctx, relTenant, rs[i].ID, release.Approval{Principal: "key_reviewer", At: relT0}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.StartDeploy(ctx, rs[i], []release.DeployJob{job(rs[i], fmt.Sprintf("job_c%d", i), relTarget)}, 1, false, relT0)
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("two deploys on one target: %d and %d", winner, i)
			}
			winner = i
		case refusalCode(err) != release.CodeTargetBusy && platform.KindOf(err) != platform.KindConflict:
			t.Errorf("loser %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no deploy started")
	}
	holder, err := s.DeployLock(ctx, relTenant, relTarget)
	if err != nil || holder != fmt.Sprintf("job_c%d", winner) {
		t.Errorf("lock held by %q, %v", holder, err)
	}
	for i, r := range rs {
		got, _ := s.GetRelease(ctx, relTenant, r.ID)
		want := release.Open
		if i == winner {
			want = release.Deploying
		}
		if got.Status != want {
			t.Errorf("release %d is %s, want %s", i, got.Status, want)
		}
		if _, err := s.GetDeployJob(ctx, relTenant, fmt.Sprintf("job_c%d", i)); (i == winner) != (err == nil) {
			t.Errorf("job %d: %v", i, err)
		}
	}
	// Stale eligibility: a release with too few approvals for the rule.
	other := openRelease(t, s, newRelease("rel_c_unapproved", "rel-tgt3.myshopify.com"))
	err = s.StartDeploy(ctx, other, []release.DeployJob{job(other, "job_x", "rel-tgt3.myshopify.com")}, 1, false, relT0)
	if refusalCode(err) != release.CodeConflict {
		t.Errorf("unapproved start: %v", err)
	}
	if err := s.StartDeploy(ctx, other, []release.DeployJob{job(other, "job_x", "rel-tgt3.myshopify.com")}, 1, true, relT0); err != nil {
		t.Errorf("hotfix start: %v", err)
	}
}

// The executor's side: phases, outcomes, snapshots, cancel, ends.
func TestDeployJobLifecycle(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	const tgt2 = "rel-tgt2.myshopify.com"
	r := openRelease(t, s, newRelease("rel_d", relTarget, tgt2))
	jobs := []release.DeployJob{job(r, "job_d1", relTarget), job(r, "job_d2", tgt2)}
	if err := s.StartDeploy(ctx, r, jobs, 0, false, relT0); err != nil {
		t.Fatal(err)
	}
	r, _ = s.GetRelease(ctx, relTenant, r.ID)
	if err := s.UpdateDeployPhase(ctx, relTenant, "job_d1", release.PhaseExecuting, 40, relT0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateDeployPhase(ctx, relTenant, "job_d1", release.PhaseCompleted, 40, relT0); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("COMPLETED through UpdateDeployPhase: %v", err)
	}
	page := release.ObjectRef{Type: mapping.Page, Canonical: "contact"}
	blog := release.ObjectRef{Type: mapping.Blog, Canonical: "news"}
	for _, o := range []release.Outcome{
		{Object: page, Action: release.ActionFailed, Error: "userErrors", At: relT0},
		{Object: page, Action: release.ActionUpdated, GID: "gid://shopify/Page/1", At: relT0}, // the retry succeeded
		{Object: page, Action: release.ActionUpdated, GID: "gid://shopify/Page/1", At: relT0}, // redelivered
		{Object: blog, Action: release.ActionCreated, GID: "gid://shopify/Blog/9", At: relT0},
	} {
		if err := s.RecordDeployOutcome(ctx, relTenant, "job_d1", o); err != nil {
			t.Fatal(err)
		}
	}
	j, err := s.GetDeployJob(ctx, relTenant, "job_d1")
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := map[release.Action]int{release.ActionUpdated: 1, release.ActionCreated: 1, release.ActionFailed: 0}
	if j.Status != release.JobRunning || j.Phase != release.PhaseExecuting || j.Progress != 40 || j.StartedAt == nil || !cmp.Equal(j.Outcomes, wantCounts) {
		t.Errorf("job %+v", j)
	}
	outs, _, err := s.DeployOutcomes(ctx, relTenant, "job_d1", 10, "")
	if err != nil || len(outs) != 2 || outs[0].Object != blog || outs[1].Action != release.ActionUpdated {
		t.Errorf("outcomes %+v, %v", outs, err)
	}

	blobs := &memBlobs{}
	before := []byte(`{"title":"Contact"}`)
	if w, err := s.PutDeploySnapshot(ctx, blobs, relTenant, "job_d1", release.Snapshot{Object: page, GID: "gid://shopify/Page/1", Body: before, TakenAt: relT0}); err != nil || !w {
		t.Fatalf("snapshot: %v %v", w, err)
	}
	if w, err := s.PutDeploySnapshot(ctx, blobs, relTenant, "job_d1", release.Snapshot{Object: page, Body: []byte(`{"title":"changed"}`), TakenAt: relT0}); err != nil || w {
		t.Errorf("second snapshot replaced the first: %v %v", w, err)
	}
	if _, err := s.PutDeploySnapshot(ctx, blobs, relTenant, "job_d1", release.Snapshot{Object: blog, Absent: true, TakenAt: relT0}); err != nil {
		t.Fatal(err)
	}
	sn, err := s.DeploySnapshot(ctx, blobs, relTenant, "job_d1", page)
	if err != nil || string(sn.Body) != string(before) || sn.Hash != capture.HashBytes(before) || sn.Absent {
		t.Errorf("snapshot %+v, %v", sn, err)
	}
	sns, _, err := s.DeploySnapshots(ctx, relTenant, "job_d1", 10, "")
	if err != nil || len(sns) != 2 || !sns[0].Absent || sns[0].Object != blog {
		t.Errorf("snapshots %+v, %v", sns, err)
	}

	// Cancel requested on a deploying release reaches its jobs.
	if err := s.RequestCancel(ctx, r, relT0); err != nil {
		t.Fatal(err)
	}
	if c, err := s.CancelRequested(ctx, relTenant, "job_d2"); err != nil || !c {
		t.Errorf("cancel requested: %v %v", c, err)
	}

	// Ends: the first job completes (lock released, release still deploying).
	if err := s.CompleteDeployJob(ctx, relTenant, "job_d1", relT0); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteDeployJob(ctx, relTenant, "job_d1", relT0); err != nil {
		t.Errorf("complete twice: %v", err)
	}
	if err := s.FailDeployJob(ctx, relTenant, "job_d1", "x", relT0); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("fail after complete: %v", err)
	}
	if h, _ := s.DeployLock(ctx, relTenant, relTarget); h != "" {
		t.Errorf("lock still held by %s", h)
	}
	if got, _ := s.GetRelease(ctx, relTenant, r.ID); got.Status != release.Deploying || got.JobsActive != 1 {
		t.Errorf("after one job: %+v", got)
	}
	if err := s.UpdateDeployPhase(ctx, relTenant, "job_d1", release.PhaseVerifying, 90, relT0); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("phase of an ended job: %v", err)
	}
	// The second job is cancelled: the release ends CANCELLED.
	if err := s.EndDeployJob(ctx, relTenant, "job_d2", release.JobCancelled, "cancelled before writing", relT0); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetRelease(ctx, relTenant, r.ID)
	if got.Status != release.Cancelled || got.JobsActive != 0 || got.JobsCancelled != 1 {
		t.Errorf("after both jobs: %+v", got)
	}
	j, _ = s.GetDeployJob(ctx, relTenant, "job_d1")
	if j.Status != release.JobCompleted || j.Phase != release.PhaseCompleted || j.Progress != 100 || j.EndedAt == nil {
		t.Errorf("completed job %+v", j)
	}
	if _, err := s.GetDeployJob(ctx, "othertenant", "job_d1"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("another tenant's job: %v", err)
	}
}

// Concurrent ends of a release's jobs: the release ends once, FAILED.
func TestEndDeployJobsConcurrently(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	targets := []string{"e1.myshopify.com", "e2.myshopify.com", "e3.myshopify.com", "e4.myshopify.com"}
	r := openRelease(t, s, newRelease("rel_e", targets...))
	var jobs []release.DeployJob
	for i, tg := range targets {
		jobs = append(jobs, job(r, fmt.Sprintf("job_e%d", i), tg))
	}
	if err := s.StartDeploy(ctx, r, jobs, 0, false, relT0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i == 2 {
				err = s.FailDeployJob(ctx, relTenant, jobs[i].ID, "Shopify refused", relT0)
			} else {
				err = s.CompleteDeployJob(ctx, relTenant, jobs[i].ID, relT0)
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, _ := s.GetRelease(ctx, relTenant, r.ID)
	if got.Status != release.Failed || got.JobsActive != 0 || got.JobsFailed != 1 {
		t.Errorf("release %+v", got)
	}
	for _, tg := range targets {
		if h, _ := s.DeployLock(ctx, relTenant, tg); h != "" {
			t.Errorf("%s still locked by %s", tg, h)
		}
	}
}

// Changeset and drift on real captures: versions, tombstones, mappings.
func TestChangesetAndDriftOnCaptures(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	put := func(shop, canonical, body string, gid int) {
		t.Helper()
		b := []byte(body)
		if _, _, err := s.PutVersion(ctx, nil, relTenant, store.Version{ObjectType: mapping.Page, Canonical: canonical, Shop: shop,
			Hash: capture.HashBytes(b), Body: b, CapturedAt: relT0}); err != nil {
			t.Fatal(err)
		}
		if gid > 0 {
			if err := s.UpsertMappings(ctx, relTenant, []mapping.Mapping{{ObjectType: mapping.Page, Canonical: canonical, Shop: shop,
				GID: fmt.Sprintf("gid://shopify/Page/%d", gid)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(relSource, "about", `{"title":"About"}`, 1)
	put(relSource, "contact", `{"title":"Contact","body":"new"}`, 2)
	put(relSource, "faq", `{"title":"FAQ"}`, 3)
	put(relTarget, "about", `{"title":"About"}`, 11)
	put(relTarget, "contact", `{"title":"Contact","body":"old"}`, 12)
	put(relTarget, "faq", `{"title":"FAQ"}`, 0)
	put(relTarget, "faq", string(ingest.Tombstone), 0) // deleted in the target: absent
	put(relTarget, "legacy", `{"title":"Legacy"}`, 14)
	if releasegroup.TombstoneHash != ingest.TombstoneHash {
		t.Fatal("releasegroup.TombstoneHash differs from ingest's")
	}
	v := releasegroup.StoreVersions{Store: s}
	changes, sum, err := release.Changeset(ctx, v, relTenant, relSource, relTarget, []mapping.ObjectType{mapping.Page}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]release.ChangeKind{}
	for _, c := range changes {
		kinds[c.Object.Canonical] = c.Kind
	}
	if d := cmp.Diff(map[string]release.ChangeKind{"contact": release.Modified, "faq": release.Created, "legacy": release.TargetOnly}, kinds); d != "" {
		t.Errorf("kinds (-want +got):\n%s", d)
	}
	if sum != (release.Summary{Created: 1, Modified: 1, Unchanged: 1, TargetOnly: 1}) {
		t.Errorf("summary %+v", sum)
	}
	deployable := changes[:0:0]
	for _, c := range changes {
		if c.Kind != release.TargetOnly {
			deployable = append(deployable, c)
		}
	}
	if d, err := release.Drift(ctx, v, relTenant, deployable); err != nil || len(d) != 0 {
		t.Errorf("no drift yet: %v %v", d, err)
	}
	put(relTarget, "contact", `{"title":"Contact","body":"edited in production"}`, 0)
	put(relTarget, "faq", `{"title":"FAQ made in production"}`, 0)
	drifted, err := release.Drift(ctx, v, relTenant, deployable)
	if err != nil {
		t.Fatal(err)
	}
	want := []release.ObjectRef{{Type: mapping.Page, Canonical: "contact"}, {Type: mapping.Page, Canonical: "faq"}}
	if d := cmp.Diff(want, drifted); d != "" {
		t.Errorf("drifted (-want +got):\n%s", d)
	}
}
