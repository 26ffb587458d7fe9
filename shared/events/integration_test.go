package events

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/blobstore/blobtest"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/webhooks"
)

// Integration: DynamoDB Local + the in-process Shopify emulator, through
// the real catalog Reader and ingest Capturer (New).

// emuClients connects every shop to the emulator.
type emuClients struct{ url string }

func (c emuClients) Client(_ context.Context, _, shop string) (*shopify.Client, error) {
	return shopify.New(shopify.Session{Shop: shop, AccessToken: emulator.SourceToken}, shopify.Config{
		BaseURL: func(string) string { return c.url }, Tries: 3,
		RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond, Throttle: shopify.NewThrottle(nil),
	})
}

type itest struct {
	t    *testing.T
	st   *store.Store
	h    *Handler
	url  string
	logs *bytes.Buffer
	n    int
}

func newITest(t *testing.T) *itest {
	st := storetest.NewTable(t)
	storetest.NewTenant(t, st, "acme", "Acme")
	if err := st.AddStore(t.Context(), "acme", config.Store{Domain: emulator.SourceShop, Classification: config.Source}); err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.New(t.Context(), emulator.Options{
		Versions: []string{shopify.DefaultAPIVersion}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaximumAvailable: 1e7, RestoreRate: 1e7, SourceProducts: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	var logs bytes.Buffer
	h := New(st, &blobtest.Mem{}, emuClients{hs.URL}, slog.New(slog.NewJSONHandler(&logs, nil)))
	return &itest{t: t, st: st, h: h, url: hs.URL, logs: &logs}
}

// control calls the emulator's control API for the source shop.
func (it *itest) control(method, path string, body any) map[string]any {
	it.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(it.t.Context(), method, it.url+"/_emulator/shops/"+emulator.SourceShop+"/"+path, bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		it.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 || json.Unmarshal(rb, &out) != nil {
		it.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, rb)
	}
	return out
}

// send handles one message; failed reports whether SQS would redeliver it.
func (it *itest) send(msg string) (failed bool) {
	it.t.Helper()
	it.n++
	resp, err := it.h.Handle(it.t.Context(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m", Body: msg}}})
	if err != nil {
		it.t.Fatal(err)
	}
	return len(resp.BatchItemFailures) > 0
}

func envelope(t *testing.T, topic string, at time.Time, payload any) string {
	t.Helper()
	p, _ := json.Marshal(payload)
	b, _ := json.Marshal(webhooks.Envelope{Version: webhooks.EnvelopeVersion, Topic: topic, Shop: emulator.SourceShop,
		WebhookID: "wh-" + at.Format(time.RFC3339Nano), TriggeredAt: at, APIVersion: shopify.DefaultAPIVersion, ReceivedAt: at, Payload: p})
	return string(b)
}

func (it *itest) ops(syncID string) []fsync.Operation {
	it.t.Helper()
	ops, _, err := it.st.ListOperations(it.t.Context(), "acme", syncID, "", store.Page{Limit: 100})
	if err != nil {
		it.t.Fatal(err)
	}
	return ops
}

func (it *itest) versions(canonical string) []store.Version {
	it.t.Helper()
	vs, _, err := it.st.ListVersions(it.t.Context(), "acme", mapping.Product, emulator.SourceShop, canonical, 100, "")
	if err != nil {
		it.t.Fatal(err)
	}
	return vs
}

func opTypes(ops []fsync.Operation) string {
	var s []string
	for _, o := range ops {
		s = append(s, string(o.Type)+" "+o.Canonical)
	}
	sort.Strings(s) // the store lists by type, then id
	return strings.Join(s, ", ")
}

func TestIntegrationProductLifecycle(t *testing.T) {
	it := newITest(t)
	ctx := t.Context()
	created := it.control(http.MethodPost, "objects", map[string]any{"type": "Product", "fields": map[string]any{"title": "Event Bag", "handle": "event-bag"}})
	gid, _ := created["id"].(string)
	_, num, ok := mapping.ParseGID(gid)
	if !ok {
		t.Fatalf("created %v", created)
	}
	t1 := time.Now().UTC()
	if it.send(envelope(t, "products/create", t1, map[string]any{"id": num, "admin_graphql_api_id": gid})) {
		t.Fatalf("create failed: %s", it.logs)
	}
	syncID := store.EventSyncID(fsync.Objects, t1)
	if got := opTypes(it.ops(syncID)); got != "CREATE event-bag" {
		t.Fatalf("ops after create: %q; log %s", got, it.logs)
	}

	// A merchant edit: exactly one UPDATE and one new version.
	it.control(http.MethodPatch, "objects/Product/"+itoa(num), map[string]any{"fields": map[string]any{"title": "Event Bag II"}})
	t2 := time.Now().UTC()
	upd := envelope(t, "products/update", t2, map[string]any{"id": num, "updated_at": t2.Format(time.RFC3339Nano)})
	if it.send(upd) {
		t.Fatalf("update failed: %s", it.logs)
	}
	want := "CREATE event-bag, UPDATE event-bag"
	if got := opTypes(it.ops(syncID)); got != want || len(it.versions("event-bag")) != 2 {
		t.Fatalf("after update: ops %q versions %d", got, len(it.versions("event-bag")))
	}
	// The same message again, and an older event after the newer one:
	// nothing more.
	if it.send(upd) || it.send(envelope(t, "products/update", t1, map[string]any{"id": num, "updated_at": t1.Format(time.RFC3339Nano)})) {
		t.Fatalf("redelivery failed: %s", it.logs)
	}
	if got := opTypes(it.ops(syncID)); got != want || len(it.versions("event-bag")) != 2 {
		t.Fatalf("after redelivery: ops %q versions %d", got, len(it.versions("event-bag")))
	}
	// A delete older than the current version does not tombstone it.
	if it.send(envelope(t, "products/delete", t1.Add(-time.Hour), map[string]any{"id": num})) {
		t.Fatalf("old delete failed: %s", it.logs)
	}
	if got := opTypes(it.ops(syncID)); got != want || len(it.versions("event-bag")) != 2 {
		t.Fatalf("after an old delete: ops %q versions %d", got, len(it.versions("event-bag")))
	}
	// The real delete.
	it.control(http.MethodDelete, "objects/Product/"+itoa(num), nil)
	t3 := time.Now().UTC().Add(time.Millisecond)
	del := envelope(t, "products/delete", t3, map[string]any{"id": num})
	// Sent twice: the redelivered delete must add nothing.
	if failed, again := it.send(del), it.send(del); failed || again {
		t.Fatalf("delete failed: %s", it.logs)
	}
	want = "CREATE event-bag, DELETE event-bag, UPDATE event-bag"
	if got := opTypes(it.ops(syncID)); got != want || len(it.versions("event-bag")) != 3 {
		t.Fatalf("after delete: ops %q versions %d", got, len(it.versions("event-bag")))
	}
	// A late update of the deleted product: gone from the shop, and older
	// than the tombstone: nothing.
	if it.send(upd) {
		t.Fatalf("late update failed: %s", it.logs)
	}
	if got := opTypes(it.ops(syncID)); got != want || len(it.versions("event-bag")) != 3 {
		t.Fatalf("after a late update: ops %q versions %d", got, len(it.versions("event-bag")))
	}
	sy, err := it.st.GetSync(ctx, "acme", syncID)
	if err != nil {
		t.Fatal(err)
	}
	if sy.Status != fsync.Completed || sy.TriggeredBy != "webhook" || sy.Stats.Processed != it.n || sy.OperationsCount != 3 {
		t.Fatalf("event sync %+v (messages %d)", sy, it.n)
	}
	// The old delete was refused as stale by ingest; the late update found
	// the product gone and its mapping removed: nothing to delete.
	logs := it.logs.String()
	if !strings.Contains(logs, "delete: stale, nothing written") || !strings.Contains(logs, "gone from the shop: delete: no change") {
		t.Errorf("log:\n%s", logs)
	}
	if _, total, _ := it.st.ListSyncs(ctx, "acme", store.SyncFilter{}, store.Page{Limit: 10}); total != 1 {
		t.Fatalf("history total %d, want 1", total)
	}
}

func TestIntegrationUninstallAndGarbage(t *testing.T) {
	it := newITest(t)
	ctx := t.Context()
	installed := time.Now().UTC().Add(-time.Hour)
	if _, err := it.st.ConnectShop(ctx, "acme", emulator.SourceShop, store.ShopTokens{AccessToken: []byte("sealed")}, installed); err != nil {
		t.Fatal(err)
	}
	// An uninstall from before the install is stale.
	if it.send(envelope(t, "app/uninstalled", installed.Add(-time.Minute), map[string]any{"id": 1})) {
		t.Fatal("stale uninstall failed")
	}
	if c, _ := it.st.ShopConnection(ctx, "acme", emulator.SourceShop); c.Status != store.ConnectionActive {
		t.Fatalf("stale uninstall applied: %+v", c)
	}
	if it.send(envelope(t, "app/uninstalled", time.Now().UTC(), map[string]any{"id": 1})) {
		t.Fatalf("uninstall failed: %s", it.logs)
	}
	c, err := it.st.ShopConnection(ctx, "acme", emulator.SourceShop)
	if err != nil || c.Status != store.ConnectionUninstalled || len(c.Tokens.AccessToken) != 0 {
		t.Fatalf("connection %+v %v", c, err)
	}
	// Compliance and redelivery: acknowledged.
	for _, topic := range []string{"app/uninstalled", "customers/redact", "customers/data_request", "shop/redact"} {
		if it.send(envelope(t, topic, time.Now().UTC(), map[string]any{"shop_domain": emulator.SourceShop})) {
			t.Fatalf("%s failed: %s", topic, it.logs)
		}
	}
	// Garbage is reported failed (to the DLQ after maxReceiveCount).
	if !it.send(`{"version": 99}`) || !it.send("not json") {
		t.Fatal("garbage acknowledged")
	}
	// Unknown shop: dropped.
	other := strings.Replace(envelope(t, "products/update", time.Now().UTC(), map[string]any{"id": 1}), emulator.SourceShop, "nobody.myshopify.com", 1)
	if it.send(other) {
		t.Fatal("unknown shop retried")
	}
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }
