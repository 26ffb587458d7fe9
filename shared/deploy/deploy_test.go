package deploy_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/blobstore/blobtest"
	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/deploy"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
)

const tenant = "t_deploy"

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

type emuClients struct{ url string }

func (e emuClients) Client(_ context.Context, _, shop string) (*shopify.Client, error) {
	tok := map[string]string{emulator.SourceShop: emulator.SourceToken, emulator.ProductionShop: emulator.ProductionToken}[shop]
	return shopify.New(shopify.Session{Shop: shop, AccessToken: tok}, shopify.Config{
		BaseURL: func(string) string { return e.url }, Tries: 3,
		RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond, Throttle: shopify.NewThrottle(nil),
	})
}

type fixture struct {
	st      *store.Store
	blobs   *blobtest.Mem
	clients emuClients
	types   []mapping.ObjectType
}

var scope = []mapping.ObjectType{mapping.Page, mapping.Blog, mapping.Article}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv, err := emulator.New(t.Context(), emulator.Options{Versions: []string{shopify.DefaultAPIVersion}, Logger: discard,
		MaximumAvailable: 1e7, RestoreRate: 1e7})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	f := &fixture{st: storetest.NewTable(t), blobs: &blobtest.Mem{}, clients: emuClients{hs.URL}, types: scope}
	if _, _, err := f.st.CreateSync(t.Context(), fsync.Sync{ID: "sync_t", TenantID: tenant, Type: fsync.Objects, TriggeredBy: "test", TriggeredAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, shop := range []string{emulator.SourceShop, emulator.ProductionShop} {
		f.captureShop(t, shop)
	}
	return f
}

// read lists every object of the scope in shop.
func (f *fixture) read(t *testing.T, shop string) []catalog.Object {
	t.Helper()
	c, _ := f.clients.Client(t.Context(), tenant, shop)
	r := &catalog.Reader{Client: c}
	var out []catalog.Object
	for _, typ := range f.types {
		for cursor := ""; ; {
			p, err := r.List(t.Context(), typ, time.Time{}, cursor)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p.Objects...)
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
	}
	return out
}

func (f *fixture) captureShop(t *testing.T, shop string) {
	t.Helper()
	c := ingest.New(f.st, f.blobs, tenant, shop, "sync_t")
	for _, o := range f.read(t, shop) {
		if _, err := c.Capture(t.Context(), o, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
}

// state is a normalised picture of the target: canonical → body hash.
func (f *fixture) state(t *testing.T, shop string) map[string]string {
	t.Helper()
	res := &store.ShopResolver{Store: f.st, TenantID: tenant, Shop: shop}
	out := map[string]string{}
	for _, o := range f.read(t, shop) {
		c, _, err := capture.Normalizer{Resolver: res}.Normalize(t.Context(), o.Type, o.Raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[string(o.Type)+" "+o.Canonical]; dup {
			t.Errorf("duplicate %s %s in %s", o.Type, o.Canonical, shop)
		}
		out[string(o.Type)+" "+o.Canonical] = capture.Hash(c)
	}
	return out
}

func (f *fixture) changeset(t *testing.T) ([]release.Change, release.Summary) {
	t.Helper()
	cs, sum, err := release.Changeset(t.Context(), releasegroup.StoreVersions{Store: f.st, Blobs: f.blobs}, tenant,
		emulator.SourceShop, emulator.ProductionShop, f.types, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cs, sum
}

// start creates an OPEN release of the changeset and starts its deploy.
func (f *fixture) start(t *testing.T) (release.Release, release.DeployJob) {
	t.Helper()
	now := time.Now().UTC()
	r := release.Release{ID: release.NewReleaseID(), TenantID: tenant, Name: "test", Type: release.Objects, SourceShop: emulator.SourceShop,
		TargetShops: []string{emulator.ProductionShop}, Status: release.Draft, Author: "a", CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateRelease(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	cs, sum := f.changeset(t)
	if sum.Total() == 0 {
		t.Fatal("empty changeset")
	}
	if err := f.st.PutReleaseChanges(t.Context(), tenant, r.ID, cs); err != nil {
		t.Fatal(err)
	}
	if err := f.st.OpenRelease(t.Context(), tenant, r.ID, map[string]release.Summary{emulator.ProductionShop: sum}, now); err != nil {
		t.Fatal(err)
	}
	r.Status = release.Open
	j := release.DeployJob{ID: release.NewJobID(), TenantID: tenant, ReleaseID: r.ID, SourceShop: r.SourceShop, TargetShop: emulator.ProductionShop,
		Status: release.JobPending, Phase: release.PhasePending, CreatedAt: now, UpdatedAt: now}
	if err := f.st.StartDeploy(t.Context(), r, []release.DeployJob{j}, 0, false, now); err != nil {
		t.Fatal(err)
	}
	return r, j
}

func (f *fixture) executor(crashAfter int) *deploy.Executor {
	return &deploy.Executor{
		Store: f.st, Blobs: f.blobs, Targets: deploy.ShopTargets{Clients: f.clients, Store: f.st},
		Capturers: func(tenantID, shop, syncID string) deploy.Capturer {
			return ingest.New(f.st, f.blobs, tenantID, shop, syncID)
		},
		Log: discard, Options: deploy.Options{CrashAfterWrites: crashAfter},
	}
}

func (f *fixture) job(t *testing.T, id string) release.DeployJob {
	t.Helper()
	j, err := f.st.GetDeployJob(t.Context(), tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestDeployResumeVerifyRollback: a deploy of pages, blogs and articles
// (articles need their blog: two layers) killed after a few writes (the
// last write done in Shopify, its outcome not recorded) continues on the
// next run without a duplicate, verifies, captures (a new changeset is
// empty), and its rollback leaves the target as it was.
func TestDeployResumeVerifyRollback(t *testing.T) {
	f := newFixture(t)
	before := f.state(t, emulator.ProductionShop)
	r, j := f.start(t)
	m := release.Message{TenantID: tenant, ReleaseID: r.ID, JobID: j.ID}

	e := f.executor(3)
	if err := e.Run(t.Context(), m); err == nil {
		t.Fatal("the injected crash did not fail the run")
	}
	if got := f.job(t, j.ID); got.Status != release.JobRunning || got.Phase != release.PhaseExecuting {
		t.Fatalf("after the crash: %s %s", got.Status, got.Phase)
	}
	if err := e.Run(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := f.job(t, j.ID)
	if got.Status != release.JobCompleted || got.Progress != 100 || got.Error != "" {
		t.Fatalf("job %+v", got)
	}
	rel, err := f.st.GetRelease(t.Context(), tenant, r.ID)
	if err != nil || rel.Status != release.Deployed {
		t.Fatalf("release %s, %v", rel.Status, err)
	}
	src, dst := f.state(t, emulator.SourceShop), f.state(t, emulator.ProductionShop)
	if diff := cmp.Diff(keysOf(src), keysOf(dst)); diff != "" {
		t.Errorf("target objects after the deploy differ from the source's (-source +target):\n%s", diff)
	}
	// A new changeset is empty but for the fields that cannot round trip
	// (article image sizes: the emulator does not fetch images).
	changes, _ := f.changeset(t)
	for _, c := range changes {
		for _, fc := range c.Fields {
			if !noRoundTrip(fc.Path) {
				t.Errorf("changeset after the deploy: %s differs at %s", c.Object, fc.Path)
			}
		}
	}
	n := 0
	for _, k := range got.Outcomes {
		n += k
	}
	if got.Outcomes[release.ActionFailed] != 0 || n != rel.Summaries[emulator.ProductionShop].Total() {
		t.Errorf("outcomes %v, want %d without failures", got.Outcomes, rel.Summaries[emulator.ProductionShop].Total())
	}

	// A redelivery after the end writes nothing.
	if err := e.Run(t.Context(), m); err != nil {
		t.Fatal(err)
	}

	// Rollback.
	rb := release.DeployJob{ID: release.NewJobID(), TenantID: tenant, ReleaseID: r.ID, SourceShop: r.SourceShop, TargetShop: emulator.ProductionShop,
		Status: release.JobPending, Phase: release.PhasePending, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := f.st.StartRollback(t.Context(), rel, []release.DeployJob{rb}, false, "b", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.executor(0).Run(t.Context(), release.Message{TenantID: tenant, ReleaseID: r.ID, JobID: rb.ID}); err != nil {
		t.Fatal(err)
	}
	// The rollback restores every object exactly: a metafield the deploy
	// added to an object the target had (the contact page) is deleted.
	rbJob := f.job(t, rb.ID)
	if rbJob.Status != release.JobCompleted || rbJob.Outcomes[release.ActionDeleted] == 0 || rbJob.Error != "" {
		t.Fatalf("rollback job %+v", rbJob)
	}
	if diff := cmp.Diff(before, f.state(t, emulator.ProductionShop)); diff != "" {
		t.Errorf("target after the rollback differs from before the deploy (-before +after):\n%s", diff)
	}
	state, err := f.st.ReleaseRollback(t.Context(), tenant, r.ID)
	if err != nil || state.Status() != release.RollbackCompleted {
		t.Errorf("rollback state %+v, %v", state, err)
	}
	if err := f.st.StartRollback(t.Context(), rel, []release.DeployJob{rb}, false, "b", time.Now()); err == nil {
		t.Error("a second rollback started")
	}
}

// TestCancelStopsWrites: a job whose cancellation is requested writes
// nothing more and ends CANCELLED.
func TestCancelStopsWrites(t *testing.T) {
	f := newFixture(t)
	before := f.state(t, emulator.ProductionShop)
	r, j := f.start(t)
	rel, _ := f.st.GetRelease(t.Context(), tenant, r.ID)
	if err := f.st.RequestCancel(t.Context(), rel, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.executor(0).Run(t.Context(), release.Message{TenantID: tenant, ReleaseID: r.ID, JobID: j.ID}); err != nil {
		t.Fatal(err)
	}
	if got := f.job(t, j.ID); got.Status != release.JobCancelled || len(got.Outcomes) != 0 && got.Outcomes[release.ActionCreated]+got.Outcomes[release.ActionUpdated] != 0 {
		t.Fatalf("job %+v", got)
	}
	if diff := cmp.Diff(before, f.state(t, emulator.ProductionShop)); diff != "" {
		t.Errorf("a cancelled job wrote (-before +after):\n%s", diff)
	}
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func noRoundTrip(p string) bool {
	for _, pat := range deploy.NoRoundTrip {
		ps, xs := strings.Split(pat, "/"), strings.Split(p, "/")
		if len(ps) != len(xs) {
			continue
		}
		ok := true
		for i := range ps {
			ok = ok && (ps[i] == "*" || ps[i] == xs[i])
		}
		if ok {
			return true
		}
	}
	return false
}
