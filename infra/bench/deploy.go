package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/blobstore/blobtest"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/deploy"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/syncworker"
)

// The deploy section: "deploy throughput for 1,000 objects as a ratio of
// the target store's Shopify cost budget, and rollback time for the same
// release".
//
// A fresh emulator (Shopify's Standard bucket, 2000 points restoring
// 100/s, per shop) whose source shop has N products; both demo shops are
// captured by the real syncworker.Worker on DynamoDB Local (in-memory
// queue and blobs). A release of every PRODUCT (N CREATED: demo-production
// has none) is deployed by the real deploy.Executor with the
// worker-deploy function's settings (DEPLOY_CONCURRENCY 4, a 60 s
// deadline per delivery, continuations and failed runs delivered again at
// once), then rolled back by the same executor. Every GraphQL answer of
// the target shop goes through a recording transport (its
// extensions.cost), the source shop's through another.

type deployBenchConfig struct {
	products int
	lambda   time.Duration
	conc     int
}

func (c *deployBenchConfig) register(fs *flag.FlagSet) {
	fs.IntVar(&c.products, "deploy-products", 1000, "deploy section: products of the source shop, all deployed to the empty production shop")
	fs.DurationVar(&c.lambda, "deploy-lambda-timeout", 60*time.Second, "deploy section: each delivery's deadline (WorkerDeployFunction's Timeout)")
	fs.IntVar(&c.conc, "deploy-concurrency", 4, "deploy section: objects written at once (DEPLOY_CONCURRENCY)")
}

const deployTenant = "bench-deploy"

// deployClients connect the two demo shops to the emulator, each through
// its own recording transport and Throttle (one warm worker process).
type deployClients struct {
	url    string
	tr     map[string]*costTransport
	thr    map[string]*shopify.Throttle
	tokens map[string]string
}

func (c deployClients) Client(_ context.Context, _, shop string) (*shopify.Client, error) {
	tok, ok := c.tokens[shop]
	if !ok {
		return nil, platform.E(platform.KindNotFound, "no token for "+shop)
	}
	return shopify.New(shopify.Session{ID: shopify.OfflineSessionID(shop), Shop: shop, AccessToken: tok},
		shopify.Config{BaseURL: func(string) string { return c.url }, HTTPClient: &http.Client{Transport: c.tr[shop]},
			Throttle: c.thr[shop], UserAgent: "flux-worker-deploy"})
}

// deployRow is one measured job.
type deployRow struct {
	name     string
	objects  int
	wall     time.Duration
	runs     int
	failures int
	job      release.DeployJob
	target   shopifyFigures
}

func (r deployRow) objectsPerSec() float64 {
	if r.wall <= 0 {
		return 0
	}
	return float64(r.objects) / r.wall.Seconds()
}

func (r deployRow) budgetRatio() float64 {
	if r.wall <= 0 {
		return 0
	}
	return r.target.actual / (benchRestoreRate * r.wall.Seconds())
}

func (r deployRow) availableRatio() float64 {
	return r.target.actual / (benchBucket + benchRestoreRate*r.wall.Seconds())
}

type deployCase struct {
	n                int
	capture          time.Duration
	changes          release.Summary
	deploy, rollback deployRow
	refill           time.Duration
}

type deployFixture struct {
	st      *store.Store
	blobs   *blobtest.Mem
	clients deployClients
	sw      *syncworker.Worker
	q       *benchQueue
	ex      *deploy.Executor
	cfg     deployBenchConfig
}

func newDeployFixture(ctx context.Context, client *dynamodb.Client, table, url string, cfg deployBenchConfig) (*deployFixture, error) {
	if err := store.CreateTable(ctx, client, table); err != nil {
		return nil, err
	}
	f := &deployFixture{st: store.New(client, table), blobs: &blobtest.Mem{}, q: &benchQueue{}, cfg: cfg}
	f.clients = deployClients{url: url,
		tr:     map[string]*costTransport{},
		thr:    map[string]*shopify.Throttle{},
		tokens: map[string]string{emulator.SourceShop: emulator.SourceToken, emulator.ProductionShop: emulator.ProductionToken}}
	for shop := range f.clients.tokens {
		f.clients.tr[shop] = &costTransport{base: http.DefaultTransport}
		f.clients.thr[shop] = shopify.NewThrottle(nil)
	}
	if err := f.st.CreateTenant(ctx, config.Tenant{ID: deployTenant, Name: "Bench deploy"}); err != nil {
		return nil, err
	}
	for shop, cl := range map[string]config.Classification{emulator.SourceShop: config.Source, emulator.ProductionShop: config.Production} {
		if err := f.st.AddStore(ctx, deployTenant, config.Store{Domain: shop, Classification: cl}); err != nil {
			return nil, err
		}
	}
	f.sw = &syncworker.Worker{
		Store: f.st, Readers: syncworker.ShopReaders{Clients: f.clients},
		Capturers: func(tenantID, shop, syncID string) syncworker.Capturer {
			return ingest.New(f.st, f.blobs, tenantID, shop, syncID)
		},
		Blobs: f.blobs, Queue: f.q, Log: quiet,
		Options: syncworker.Options{BulkPoll: 200 * time.Millisecond},
	}
	f.ex = &deploy.Executor{
		Store: f.st, Blobs: f.blobs, Targets: deploy.ShopTargets{Clients: f.clients, Store: f.st},
		Capturers: func(tenantID, shop, syncID string) deploy.Capturer {
			return ingest.New(f.st, f.blobs, tenantID, shop, syncID)
		},
		Log: quiet, Options: deploy.Options{Concurrency: cfg.conc},
	}
	return f, nil
}

// sync runs a full OBJECTS sync of both shops to its end.
func (f *deployFixture) sync(ctx context.Context) error {
	g, err := f.st.StoreGroup(ctx, deployTenant)
	if err != nil {
		return err
	}
	now := time.Now()
	sy, _, err := f.st.CreateSync(ctx, fsync.Sync{ID: fmt.Sprintf("sync_bench_%d", now.UnixNano()), TenantID: deployTenant,
		Type: fsync.Objects, TriggeredBy: "api", TriggeredAt: now, ReadFromStores: fsync.ReadFromStores(g)})
	if err != nil {
		return err
	}
	_ = f.q.SendAfter(ctx, syncworker.Message{TenantID: deployTenant, SyncID: sy.ID, Type: fsync.Objects}, 0)
	for runs := 0; ; runs++ {
		m, ok := f.q.take()
		if !ok {
			break
		}
		if runs > 2000 {
			return errors.New("the sync did not end within 2000 deliveries")
		}
		if d := time.Until(m.due); d > 0 {
			time.Sleep(d)
		}
		rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		if err := f.sw.Run(rctx, m.m); err != nil {
			_ = f.q.SendAfter(ctx, m.m, 0)
		}
		cancel()
	}
	s, err := f.st.GetSync(ctx, deployTenant, sy.ID)
	if err != nil {
		return err
	}
	if s.Status != fsync.Completed {
		return fmt.Errorf("sync ended %s: %s", s.Status, s.Error)
	}
	return nil
}

// run delivers a job's message until the job ends, as DeployQueue and
// worker-deploy would (continuations and failed runs again at once).
func (f *deployFixture) run(ctx context.Context, name string, m release.Message, objects int) (deployRow, error) {
	tr := f.clients.tr[emulator.ProductionShop]
	tr.reset()
	row := deployRow{name: name, objects: objects}
	start := time.Now()
	for {
		row.runs++
		rctx, cancel := context.WithTimeout(ctx, f.cfg.lambda)
		err := f.ex.Run(rctx, m)
		cancel()
		if err == nil {
			break
		}
		if !errors.Is(err, deploy.ErrContinue) {
			if row.failures++; row.failures > 20 {
				return row, fmt.Errorf("more than 20 failed runs, the last: %w", err)
			}
		}
		if row.runs > 500 {
			return row, errors.New("the job did not end within 500 deliveries")
		}
	}
	row.wall = time.Since(start)
	row.target = tr.snapshot()
	var err error
	row.job, err = f.st.GetDeployJob(ctx, deployTenant, m.JobID)
	return row, err
}

// refill waits until the target's bucket is full again.
func (f *deployFixture) refill(ctx context.Context) (time.Duration, error) {
	s := f.clients.tr[emulator.ProductionShop].snapshot()
	if s.lastAt.IsZero() {
		return 0, nil
	}
	d := time.Until(s.lastAt.Add(time.Duration((benchBucket-s.lastAvail)/benchRestoreRate*float64(time.Second)))) + 100*time.Millisecond
	if d <= 0 {
		return 0, nil
	}
	select {
	case <-time.After(d):
		return d, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func runDeployCase(ctx context.Context, client *dynamodb.Client, cfg deployBenchConfig) (deployCase, error) {
	dc := deployCase{n: cfg.products}
	emuCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	emu, hs, _, err := newCaptureEmulator(emuCtx, cfg.products)
	if err != nil {
		return dc, err
	}
	defer emu.Close()
	defer hs.Close()
	table := fmt.Sprintf("flux-bench-deploy-%d-%d", cfg.products, time.Now().UnixNano())
	defer func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	}()
	f, err := newDeployFixture(ctx, client, table, hs.URL, cfg)
	if err != nil {
		return dc, err
	}
	start := time.Now()
	if err := f.sync(ctx); err != nil {
		return dc, fmt.Errorf("capture: %w", err)
	}
	dc.capture = time.Since(start)

	// The release: every PRODUCT of the source, approved, deploying.
	now := time.Now().UTC()
	r := release.Release{ID: release.NewReleaseID(), TenantID: deployTenant, Name: "bench", Type: release.Objects,
		SourceShop: emulator.SourceShop, TargetShops: []string{emulator.ProductionShop}, Status: release.Draft,
		Author: "bench", CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateRelease(ctx, r); err != nil {
		return dc, err
	}
	cs, sum, err := release.Changeset(ctx, releasegroup.StoreVersions{Store: f.st, Blobs: f.blobs}, deployTenant,
		emulator.SourceShop, emulator.ProductionShop, []mapping.ObjectType{mapping.Product}, nil)
	if err != nil {
		return dc, err
	}
	dc.changes = sum
	if err := f.st.PutReleaseChanges(ctx, deployTenant, r.ID, cs); err != nil {
		return dc, err
	}
	if err := f.st.OpenRelease(ctx, deployTenant, r.ID, map[string]release.Summary{emulator.ProductionShop: sum}, now); err != nil {
		return dc, err
	}
	r.Status = release.Open
	j := release.DeployJob{ID: release.NewJobID(), TenantID: deployTenant, ReleaseID: r.ID, SourceShop: r.SourceShop,
		TargetShop: emulator.ProductionShop, Status: release.JobPending, Phase: release.PhasePending, CreatedAt: now, UpdatedAt: now}
	if err := f.st.StartDeploy(ctx, r, []release.DeployJob{j}, 0, false, now); err != nil {
		return dc, err
	}
	if _, err := f.refill(ctx); err != nil {
		return dc, err
	}
	if dc.deploy, err = f.run(ctx, "deploy", release.Message{TenantID: deployTenant, ReleaseID: r.ID, JobID: j.ID}, sum.Total()); err != nil {
		return dc, fmt.Errorf("deploy: %w", err)
	}
	if dc.refill, err = f.refill(ctx); err != nil {
		return dc, err
	}
	rel, err := f.st.GetRelease(ctx, deployTenant, r.ID)
	if err != nil {
		return dc, err
	}
	rb := release.DeployJob{ID: release.NewJobID(), TenantID: deployTenant, ReleaseID: r.ID, SourceShop: r.SourceShop,
		TargetShop: emulator.ProductionShop, Status: release.JobPending, Phase: release.PhasePending, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := f.st.StartRollback(ctx, rel, []release.DeployJob{rb}, false, "bench", time.Now()); err != nil {
		return dc, fmt.Errorf("start rollback: %w", err)
	}
	if dc.rollback, err = f.run(ctx, "rollback", release.Message{TenantID: deployTenant, ReleaseID: r.ID, JobID: rb.ID}, sum.Total()); err != nil {
		return dc, fmt.Errorf("rollback: %w", err)
	}
	return dc, nil
}

func benchDeploy(out io.Writer, root string, o options) error {
	cfg := o.deploy
	fmt.Fprintf(out, "== Deploy: a release of %d products from the emulator's source shop to its empty production shop, deployed then rolled back by deploy.Executor on DynamoDB Local (bucket %d points, restore %d points/s per shop; concurrency %d; %s per delivery)\n",
		cfg.products, benchBucket, benchRestoreRate, cfg.conc, cfg.lambda)
	dir := o.ddbLocalDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	ep, stop, err := dynamoEndpoint(dir)
	if err != nil {
		return err
	}
	defer stop()
	client := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(ep),
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	dc, err := runDeployCase(ctx, client, cfg)
	if err != nil {
		return err
	}
	return printDeploy(out, dc)
}

func printDeploy(out io.Writer, dc deployCase) error {
	w := table(out)
	fmt.Fprintln(w, "products\trow\tobjects\twall\tobjects/s\tvs deploy\tShopify points (target)\tpoints/object\t÷ restore budget\t÷ available\tTHROTTLED\tstatus\toutcomes\tdeliveries\t")
	for _, r := range []deployRow{dc.deploy, dc.rollback} {
		fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%.2f\t%s\t%.0f\t%.1f\t%.2f\t%.2f\t%d\t%s\t%v\t%d\t\n", dc.n, r.name, r.objects,
			r.wall.Round(time.Millisecond), r.objectsPerSec(), ratio(r.wall.Seconds(), dc.deploy.wall.Seconds()),
			r.target.actual, r.target.actual/float64(max(r.objects, 1)), r.budgetRatio(), r.availableRatio(),
			r.target.throttled, r.job.Status, r.job.Outcomes, r.runs)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "   changeset %+v; both shops captured by the sync worker in %s; %s waiting for a full bucket before the rollback\n",
		dc.changes, dc.capture.Round(time.Millisecond), dc.refill.Round(time.Second))
	for _, r := range []deployRow{dc.deploy, dc.rollback} {
		fmt.Fprintf(out, "   %s: %d target GraphQL requests (%.1f per object), %s in round trips (pacing waits excluded), %d failed runs; job %s %q\n",
			r.name, r.target.requests, float64(r.target.requests)/float64(max(r.objects, 1)), r.target.busy.Round(time.Millisecond),
			r.failures, r.job.Status, r.job.Error)
	}
	fmt.Fprintln(out, "   (objects/s: the release's objects ÷ wall time of the job, first delivery to its end, every phase included; vs deploy: the row's wall")
	fmt.Fprintln(out, "   time ÷ the deploy's; ÷ restore budget: Σ actualQueryCost of the target's answers ÷ (restore rate × wall time), which can exceed 1")
	fmt.Fprintln(out, "   since the bucket starts full; ÷ available: the same ÷ (bucket + restore rate × wall time))")
	fmt.Fprintln(out)
	return nil
}
