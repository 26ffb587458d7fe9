package syncworker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/blobstore/blobtest"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// The worker against DynamoDB Local and the Shopify emulator over HTTP.
// The queue and the blob store are in memory: the end-to-end test over the
// local stack (infra/e2e) uses SQS and S3.

type memQueue struct {
	mu   sync.Mutex
	msgs []Message
}

func (q *memQueue) SendAfter(_ context.Context, m Message, _ time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, m)
	return nil
}

func (q *memQueue) take() (Message, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.msgs) == 0 {
		return Message{}, false
	}
	m := q.msgs[0]
	q.msgs = q.msgs[1:]
	return m, true
}

// emuClients connect every shop to one emulator with its demo token.
type emuClients struct{ url string }

var tokens = map[string]string{
	emulator.SourceShop: emulator.SourceToken, emulator.ProductionShop: emulator.ProductionToken,
	emulator.SecondShop: emulator.SecondToken,
}

func (c emuClients) Client(_ context.Context, _, shop string) (*shopify.Client, error) {
	if tokens[shop] == "" {
		return nil, platform.E(platform.KindUnavailable, "store "+shop+" is not connected to Flux")
	}
	return shopify.New(shopify.Session{Shop: shop, AccessToken: tokens[shop]}, shopify.Config{
		BaseURL: func(string) string { return c.url }, Tries: 3,
		RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond, Throttle: shopify.NewThrottle(nil),
	})
}

type fixture struct {
	st     *store.Store
	w      *Worker
	q      *memQueue
	emuURL string
	tenant string
}

func newFixture(t *testing.T, shops ...string) *fixture {
	t.Helper()
	st := storetest.NewTable(t)
	storetest.NewTenant(t, st, "acme", "Acme")
	for i, s := range shops {
		cl := config.Source
		if i > 0 {
			cl = config.Production
		}
		if err := st.AddStore(t.Context(), "acme", config.Store{Domain: s, Classification: cl}); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := emulator.New(t.Context(), emulator.Options{
		Versions: []string{shopify.DefaultAPIVersion}, Logger: slog.New(slog.DiscardHandler),
		MaximumAvailable: 1e7, RestoreRate: 1e7,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	blobs := &blobtest.Mem{}
	q := &memQueue{}
	w := &Worker{
		Store: st, Readers: ShopReaders{Clients: emuClients{url: hs.URL}},
		Capturers: func(tenantID, shop, syncID string) Capturer {
			return ingest.New(st, blobs, tenantID, shop, syncID)
		},
		Blobs: blobs, Queue: q, Log: slog.New(slog.DiscardHandler),
		Options: Options{BulkPoll: time.Millisecond},
	}
	return &fixture{st: st, w: w, q: q, emuURL: hs.URL, tenant: "acme"}
}

// start creates a sync as startSync does and returns its first message.
func (f *fixture) start(t *testing.T, typ fsync.Type, by string) fsync.Sync {
	t.Helper()
	g, err := f.st.StoreGroup(t.Context(), f.tenant)
	if err != nil {
		t.Fatal(err)
	}
	id := "sync_" + time.Now().Format("150405.000000000")
	sy, _, err := f.st.CreateSync(t.Context(), fsync.Sync{
		ID: id, TenantID: f.tenant, Type: typ, TriggeredBy: by, TriggeredAt: time.Now(),
		ReadFromStores: fsync.ReadFromStores(g),
	})
	if err != nil {
		t.Fatal(err)
	}
	if sy.Status == fsync.Running {
		f.q.SendAfter(t.Context(), Message{TenantID: f.tenant, SyncID: sy.ID, Type: typ}, 0)
	}
	return sy
}

// drain delivers queued messages until none is left; a failed run is
// redelivered (as SQS would after the visibility timeout).
func (f *fixture) drain(t *testing.T) (runs, failures int) {
	t.Helper()
	for runs = 0; runs < 500; runs++ {
		m, ok := f.q.take()
		if !ok {
			return runs, failures
		}
		if err := f.w.Run(t.Context(), m); err != nil {
			failures++
			f.q.SendAfter(t.Context(), m, 0)
		}
	}
	t.Fatal("sync did not end within 500 runs")
	return
}

func (f *fixture) sync(t *testing.T, id string) fsync.Sync {
	t.Helper()
	sy, err := f.st.GetSync(t.Context(), f.tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return sy
}

func (f *fixture) ops(t *testing.T, id string, typ fsync.OperationType) []fsync.Operation {
	t.Helper()
	ops, _, err := f.st.ListOperations(t.Context(), f.tenant, id, typ, store.Page{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

func (f *fixture) control(t *testing.T, method, path string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(t.Context(), method, f.emuURL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		rb, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, rb)
	}
}

// The second shop (a small catalog) keeps the test quick; the demo source
// store is synced in full by the end-to-end test.
const shop = emulator.SecondShop

func TestFullSyncThenNoChangesThenEditAndDelete(t *testing.T) {
	f := newFixture(t, shop)
	first := f.start(t, fsync.Objects, "api")
	f.drain(t)
	got := f.sync(t, first.ID)
	if got.Status != fsync.Completed || got.Error != "" {
		t.Fatalf("first sync %s %q", got.Status, got.Error)
	}
	creates := f.ops(t, first.ID, fsync.Create)
	if len(creates) == 0 || got.Stats.Created != len(creates) || got.OperationsCount != len(creates) {
		t.Fatalf("first sync: %d creates, stats %+v, %d operations", len(creates), got.Stats, got.OperationsCount)
	}
	if got.Stats.Processed < len(creates) {
		t.Errorf("processed %d < created %d", got.Stats.Processed, len(creates))
	}
	seen := map[string]bool{}
	for _, op := range creates {
		k := op.ObjectType + " " + op.Canonical
		if seen[k] {
			t.Errorf("two CREATEs of %s", k)
		}
		seen[k] = true
	}
	products := 0
	for k := range seen {
		if len(k) > 8 && k[:8] == "PRODUCT " {
			products++
		}
	}
	if products != 24 {
		t.Errorf("%d products created, want the second shop's 24", products)
	}

	// A second sync with no changes creates nothing.
	second := f.start(t, fsync.Objects, "api")
	f.drain(t)
	got2 := f.sync(t, second.ID)
	if got2.Status != fsync.Completed || got2.OperationsCount != 0 {
		t.Fatalf("second sync %s with %d operations, want COMPLETED with none", got2.Status, got2.OperationsCount)
	}

	// An edit and a delete in the shop: one UPDATE and one DELETE.
	ms, _, err := f.st.ListMappings(t.Context(), f.tenant, mapping.Product, shop, mapping.ListPage{Limit: 2})
	if err != nil || len(ms) != 2 {
		t.Fatalf("mappings %v %v", ms, err)
	}
	id := func(gid string) string { return gid[len("gid://shopify/Product/"):] }
	f.control(t, http.MethodPatch, "/_emulator/shops/"+shop+"/objects/Product/"+id(ms[0].GID), map[string]any{"fields": map[string]any{"title": "Edited by the merchant"}})
	f.control(t, http.MethodDelete, "/_emulator/shops/"+shop+"/objects/Product/"+id(ms[1].GID), nil)
	third := f.start(t, fsync.Objects, "api")
	f.drain(t)
	type opKey struct{ Type, Canonical string }
	var gotOps []opKey
	for _, op := range f.ops(t, third.ID, "") {
		gotOps = append(gotOps, opKey{string(op.Type), op.Canonical})
	}
	want := []opKey{{"DELETE", ms[1].Canonical}, {"UPDATE", ms[0].Canonical}}
	if diff := cmp.Diff(want, gotOps); diff != "" {
		t.Errorf("third sync operations (-want +got):\n%s", diff)
	}
}

func TestCrashMidSyncResumesWithExactTotals(t *testing.T) {
	ref := newFixture(t, shop)
	r := ref.start(t, fsync.Objects, "api")
	ref.drain(t)
	want := ref.sync(t, r.ID)

	f := newFixture(t, shop)
	f.w.Options.CrashAfterUnits = 3
	sy := f.start(t, fsync.Objects, "api")
	_, failures := f.drain(t)
	if failures != 1 {
		t.Fatalf("%d failed runs, want the one injected crash", failures)
	}
	got := f.sync(t, sy.ID)
	if got.Status != fsync.Completed {
		t.Fatalf("status %s %q", got.Status, got.Error)
	}
	if diff := cmp.Diff(want.Stats, got.Stats); diff != "" {
		t.Errorf("stats after a crash differ from an uninterrupted sync (-want +got):\n%s", diff)
	}
	if got.OperationsCount != want.OperationsCount {
		t.Errorf("operations %d, want %d", got.OperationsCount, want.OperationsCount)
	}
}

func TestShortRunsContinueThroughMessages(t *testing.T) {
	f := newFixture(t, shop)
	f.w.Options.MaxRun = time.Nanosecond // one unit per run
	sy := f.start(t, fsync.Objects, "api")
	runs, _ := f.drain(t)
	got := f.sync(t, sy.ID)
	if got.Status != fsync.Completed || runs < 10 {
		t.Fatalf("status %s after %d runs", got.Status, runs)
	}
	ref := newFixture(t, shop)
	r := ref.start(t, fsync.Objects, "api")
	ref.drain(t)
	if want := ref.sync(t, r.ID); want.OperationsCount != got.OperationsCount || want.Stats != got.Stats {
		t.Errorf("continued sync %+v/%d, uninterrupted %+v/%d", got.Stats, got.OperationsCount, want.Stats, want.OperationsCount)
	}
}

func TestQueuedSyncStartsWhenRunningEnds(t *testing.T) {
	f := newFixture(t, shop)
	a := f.start(t, fsync.Files, "api")
	b := f.start(t, fsync.Files, "api")
	if b.Status != fsync.Queued {
		t.Fatalf("second sync %s, want QUEUED", b.Status)
	}
	f.drain(t)
	for _, id := range []string{a.ID, b.ID} {
		if got := f.sync(t, id); got.Status != fsync.Completed {
			t.Errorf("sync %s: %s %q", id, got.Status, got.Error)
		}
	}
}

func TestDuplicateDeliveryIsHarmless(t *testing.T) {
	f := newFixture(t, shop)
	sy := f.start(t, fsync.Objects, "api")
	m, _ := f.q.take()
	// Two workers get the same message at once.
	var wg sync.WaitGroup
	w2 := *f.w
	for _, w := range []*Worker{f.w, &w2} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(t.Context(), m) }()
	}
	wg.Wait()
	f.drain(t)
	got := f.sync(t, sy.ID)
	ref := newFixture(t, shop)
	r := ref.start(t, fsync.Objects, "api")
	ref.drain(t)
	want := ref.sync(t, r.ID)
	if got.Status != fsync.Completed || got.OperationsCount != want.OperationsCount || got.Stats != want.Stats {
		t.Errorf("with a duplicate delivery: %s %+v/%d, want %+v/%d", got.Status, got.Stats, got.OperationsCount, want.Stats, want.OperationsCount)
	}
}

func TestThemeSyncStoresFileBodies(t *testing.T) {
	f := newFixture(t, shop)
	sy := f.start(t, fsync.Theme, "api")
	f.drain(t)
	got := f.sync(t, sy.ID)
	if got.Status != fsync.Completed || got.Stats.Created != 1 || got.Stats.Warnings != 0 {
		t.Fatalf("theme sync %s %+v %q", got.Status, got.Stats, got.Error)
	}
	if f.w.Blobs.(*blobtest.Mem).Len() == 0 {
		t.Error("no theme file bodies stored")
	}
}

// A store Flux cannot reach is skipped with an error on the sync; the
// others are read, and only their watermarks move.
func TestUnreachableStoreIsSkipped(t *testing.T) {
	const gone = "gone-store.myshopify.com"
	f := newFixture(t, shop, gone)
	sy := f.start(t, fsync.Objects, "api")
	f.drain(t)
	got := f.sync(t, sy.ID)
	if got.Status != fsync.Completed || got.Stats.Errors != 1 || got.Stats.Created == 0 ||
		!strings.Contains(got.Error, gone) {
		t.Fatalf("sync %s %+v %q", got.Status, got.Stats, got.Error)
	}
	for s, want := range map[string]bool{shop: true, gone: false} {
		mark, err := f.st.SyncWatermark(t.Context(), f.tenant, fsync.Objects, s)
		if err != nil || mark.IsZero() == want {
			t.Errorf("watermark of %s = %v %v, want set: %v", s, mark, err, want)
		}
	}
}
