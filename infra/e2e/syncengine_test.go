package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flux-platform/flux/infra/dev"
	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/webhooks"
)

// The sync engine end to end on the local stack, with the real workers
// consuming SyncQueue and EventsQueue and the Shopify emulator over HTTP:
//   - a full OBJECTS sync of the demo group completes with one CREATE per
//     object, and exact totals although the worker is killed mid-sync (fault
//     injection: it fails once after a few units, with that unit's captures
//     written and its checkpoint not saved; SQS redelivers and it resumes);
//   - a second sync with no changes creates nothing;
//   - a merchant's edit arrives by webhook and becomes one UPDATE under the
//     day's event sync; a replayed and a forged delivery change nothing;
//   - the object's history has two versions and their diff is the title;
//   - another tenant's sync ids and objects are NOT_FOUND.
func TestSyncEngineEndToEnd(t *testing.T) {
	srv, err := emulator.New(t.Context(), emulator.Options{APISecret: dev.LocalShopifyAPISecret,
		WebhookRetryDelay: 200 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	e := startStackWith(t, dev.LocalShopify{BaseURL: hs.URL + "/store/{shop}",
		TokenKey: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
		func(o *dev.Options) {
			// A failed delivery comes back after 2 s instead of 6 minutes.
			o.QueueAttributes = map[string]map[string]string{
				"SyncQueue": {"VisibilityTimeout": "2"}, "EventsQueue": {"VisibilityTimeout": "2"},
			}
			o.FunctionEnv = map[string]map[string]string{
				"WorkerSyncFunction": {"FLUX_FAULT_SYNC_CRASH_AFTER_UNITS": "4"},
			}
		})
	demo, second := e.keys["demo"], e.keys["second"]
	control := func(method, path string, body any, out any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(t.Context(), method, hs.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
	}
	data := func(r response, v any) {
		t.Helper()
		g := decode(t, r)
		if r.status != http.StatusOK || len(g.Errors) != 0 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if err := json.Unmarshal(g.Data, v); err != nil {
			t.Fatal(err)
		}
	}
	type syncView struct {
		ID, Status, Error string
		Stats             struct{ Processed, Created, Updated, Warnings, Errors int }
		OperationsCount   int
	}
	const syncFields = `id status error stats { processed created updated warnings errors } operationsCount`
	getSync := func(id string) syncView {
		t.Helper()
		var out struct{ Sync syncView }
		data(e.graphql(demo, `query($id: ID!) { sync(id: $id) { `+syncFields+` } }`, map[string]any{"id": id}), &out)
		return out.Sync
	}
	startAndWait := func() syncView {
		t.Helper()
		var out struct {
			StartSync struct{ SyncID, Status string }
		}
		data(e.graphql(demo, `mutation { startSync(type: OBJECTS, triggeredBy: "e2e") { syncId status } }`, nil), &out)
		if out.StartSync.Status != "RUNNING" {
			t.Fatalf("startSync %+v, want RUNNING", out.StartSync)
		}
		deadline := time.Now().Add(4 * time.Minute)
		for time.Now().Before(deadline) {
			if s := getSync(out.StartSync.SyncID); s.Status != "RUNNING" {
				return s
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Fatalf("sync %s still running after 4 minutes", out.StartSync.SyncID)
		return syncView{}
	}
	type op struct{ Type, ObjectType, Canonical, Shop string }
	operations := func(key, syncID string) ([]op, int) {
		t.Helper()
		var all []op
		for offset := 0; ; offset += 500 {
			var out struct {
				SyncOperations struct {
					Operations []op
					Total      int
				}
			}
			data(e.graphql(key, `query($id: ID!, $o: Int) { syncOperations(syncId: $id, limit: 500, offset: $o) {
				operations { type objectType canonical shop } total } }`, map[string]any{"id": syncID, "o": offset}), &out)
			all = append(all, out.SyncOperations.Operations...)
			if len(out.SyncOperations.Operations) < 500 {
				return all, out.SyncOperations.Total
			}
		}
	}

	// The emulator's counts of what an OBJECTS sync reads, per shop.
	var shops []struct {
		Domain string
		Counts map[string]int
	}
	control("GET", "/_emulator/shops", nil, &shops)
	want := map[string]int{}
	total := 0
	for _, s := range shops {
		if s.Domain != emulator.SourceShop && s.Domain != emulator.ProductionShop {
			continue
		}
		for _, k := range []string{"products", "collections", "pages", "blogs", "articles", "menus", "discounts",
			"metaobjectDefinitions", "metaobjects", "metafieldDefinitions"} {
			want[s.Domain] += s.Counts[k]
		}
		total += want[s.Domain]
	}
	if want[emulator.SourceShop] < 600 {
		t.Fatalf("emulator counts %v: the demo source store looks empty", want)
	}

	// Webhooks of the source store go to the stack.
	callback := e.stack.URL + webhooks.Path
	control("POST", "/_emulator/shops/demo-source/webhooks", map[string]any{"topic": "products/update", "callbackUrl": callback, "apiVersion": "2026-10"}, nil)

	// 1. A full sync, killed once mid-way.
	first := startAndWait()
	if first.Status != "COMPLETED" || first.Error != "" {
		t.Fatalf("first sync %+v", first)
	}
	ops, n := operations(demo, first.ID)
	creates := map[string]int{}
	seen := map[string]bool{}
	for _, o := range ops {
		k := o.Shop + " " + o.ObjectType + " " + o.Canonical
		if o.Type != "CREATE" || seen[k] {
			t.Errorf("first sync operation %+v (duplicate: %v)", o, seen[k])
		}
		seen[k] = true
		creates[o.Shop]++
	}
	if creates[emulator.SourceShop] != want[emulator.SourceShop] || creates[emulator.ProductionShop] != want[emulator.ProductionShop] || n != total {
		t.Errorf("first sync: CREATEs per shop %v (total %d), want one per object %v", creates, n, want)
	}
	if first.Stats.Processed != total || first.Stats.Created != total || first.Stats.Updated != 0 || first.Stats.Errors != 0 || first.OperationsCount != total {
		t.Errorf("first sync stats %+v, operations %d; want processed = created = %d", first.Stats, first.OperationsCount, total)
	}

	// 2. Nothing changed: nothing created.
	again := startAndWait()
	if again.Status != "COMPLETED" || again.OperationsCount != 0 || again.Stats.Created != 0 || again.Stats.Updated != 0 {
		t.Errorf("second sync %+v, want COMPLETED with no operations", again)
	}

	// 3. A merchant's edit, by webhook: one UPDATE.
	var prod struct {
		Data struct {
			Products struct{ Nodes []struct{ ID, Handle string } }
		}
	}
	q, _ := json.Marshal(map[string]string{"query": "{ products(first: 1) { nodes { id handle } } }"})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, hs.URL+"/admin/api/2026-10/graphql.json", bytes.NewReader(q))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", emulator.SourceToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&prod)
	resp.Body.Close()
	if err != nil || len(prod.Data.Products.Nodes) != 1 {
		t.Fatalf("product: %v", err)
	}
	p := prod.Data.Products.Nodes[0]
	control("PATCH", "/_emulator/shops/demo-source/objects/Product/"+p.ID[strings.LastIndex(p.ID, "/")+1:],
		map[string]any{"fields": map[string]any{"title": "Edited by the merchant"}}, nil)
	eventSync := store.EventSyncID(fsync.Objects, time.Now())
	waitOps := func(wantN int) []op {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			r := e.graphql(demo, `query($id: ID!) { syncOperations(syncId: $id) { operations { type objectType canonical shop } total } }`, map[string]any{"id": eventSync})
			if g := decode(t, r); len(g.Errors) == 0 {
				ops, _ := operations(demo, eventSync)
				if len(ops) >= wantN || time.Now().After(deadline) {
					return ops
				}
			} else if time.Now().After(deadline) {
				t.Fatalf("event sync %s: %s", eventSync, r.body)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	got := waitOps(1)
	wantOp := []op{{"UPDATE", "PRODUCT", p.Handle, emulator.SourceShop}}
	if fmt.Sprint(got) != fmt.Sprint(wantOp) {
		t.Fatalf("event sync operations %+v, want %+v", got, wantOp)
	}

	// 4. The same delivery again, and a forged one: nothing more.
	var dl struct{ Deliveries []emulator.Delivery }
	control("GET", "/_emulator/webhooks/deliveries", nil, &dl)
	var d emulator.Delivery
	for _, x := range dl.Deliveries {
		if x.Topic == "products/update" {
			d = x
		}
	}
	if r := e.do("POST", webhooks.Path, d.Body, d.Headers); r.status != http.StatusOK {
		t.Fatalf("replay: %d %s", r.status, r.body)
	}
	forged := map[string]string{}
	for k, v := range d.Headers {
		forged[k] = v
	}
	forged["X-Shopify-Webhook-Id"] = "forged-0002"
	wantError(t, e.do("POST", webhooks.Path, []byte(strings.Replace(string(d.Body), "Edited", "Forged", 1)), forged), http.StatusUnauthorized, "UNAUTHENTICATED")
	time.Sleep(3 * time.Second) // longer than a worker's turn on EventsQueue
	if got, _ := operations(demo, eventSync); len(got) != 1 {
		t.Errorf("after a replay and a forgery the event sync has %+v, want the one UPDATE", got)
	}

	// 5. History and diff of the edited product.
	qs := "?objectType=PRODUCT&shop=" + emulator.SourceShop + "&canonical=" + url.QueryEscape(p.Handle)
	r := e.do("GET", "/api/object-history"+qs, nil, map[string]string{"Authorization": "Bearer " + demo})
	var hist struct{ Versions []struct{ Seq int } }
	if r.status != http.StatusOK || json.Unmarshal(r.body, &hist) != nil || len(hist.Versions) != 2 {
		t.Fatalf("object-history: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/api/object-diff"+qs, nil, map[string]string{"Authorization": "Bearer " + demo})
	var diff struct {
		Changes []struct{ Kind, Path string }
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &diff) != nil || fmt.Sprint(diff.Changes) != "[{modified /title}]" {
		t.Errorf("object-diff: %d %s", r.status, r.body)
	}

	// 6. Another tenant sees none of it.
	r = e.graphql(second, `query($id: ID!) { sync(id: $id) { id } }`, map[string]any{"id": first.ID})
	if g := decode(t, r); len(g.Errors) != 1 || g.Errors[0].Extensions.Code != "NOT_FOUND" {
		t.Errorf("second tenant reading the demo tenant's sync: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/object-history"+qs, nil, map[string]string{"Authorization": "Bearer " + second}); r.status != http.StatusNotFound {
		t.Errorf("second tenant reading the demo tenant's history: %d %s", r.status, r.body)
	}
}
