package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/infra/dev"
	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/store"
)

// POST /api/object-revert over HTTP on the local stack with the real sync
// worker and the emulator: sync the demo group, edit a product as a
// merchant, sync again, revert to version 1 — the emulator's product has
// its old title again, a new version equal to version 1 is current and
// history shows it; another tenant's shop is NOT_FOUND, a key without
// releases:deploy FORBIDDEN, a bad body VALIDATION_ERROR (422).
func TestObjectRevertEndToEnd(t *testing.T) {
	srv, err := emulator.New(t.Context(), emulator.Options{APISecret: dev.LocalShopifyAPISecret, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	e := startStackWith(t, dev.LocalShopify{BaseURL: hs.URL + "/store/{shop}",
		TokenKey: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"})
	demo, second := e.keys["demo"], e.keys["second"]
	const (
		src    = emulator.SourceShop
		handle = "urban-canvas-wallet"
	)

	// The emulator as a merchant and as Shopify sees it.
	shopGraphQL := func(q string, vars map[string]any, out any) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
		req, _ := http.NewRequestWithContext(t.Context(), "POST", hs.URL+"/admin/api/2026-10/graphql.json", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Access-Token", emulator.SourceToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	var p struct {
		Data struct {
			ProductByHandle struct{ ID, Title string }
		}
	}
	product := func() (string, string) {
		t.Helper()
		shopGraphQL(`query($h: String!) { productByHandle(handle: $h) { id title } }`, map[string]any{"h": handle}, &p)
		return p.Data.ProductByHandle.ID, p.Data.ProductByHandle.Title
	}
	gid, oldTitle := product()
	if gid == "" {
		t.Fatal("no product in the emulator")
	}

	sync := func() {
		t.Helper()
		var out struct {
			Data struct {
				StartSync struct{ SyncID, Status string }
			}
		}
		r := e.graphql(demo, `mutation { startSync(type: OBJECTS, triggeredBy: "e2e") { syncId status } }`, nil)
		if err := json.Unmarshal(r.body, &out); err != nil || out.Data.StartSync.SyncID == "" {
			t.Fatalf("startSync: %d %s", r.status, r.body)
		}
		deadline := time.Now().Add(4 * time.Minute)
		for time.Now().Before(deadline) {
			var s struct {
				Data struct{ Sync struct{ Status string } }
			}
			r := e.graphql(demo, `query($id: ID!) { sync(id: $id) { status } }`, map[string]any{"id": out.Data.StartSync.SyncID})
			_ = json.Unmarshal(r.body, &s)
			if st := s.Data.Sync.Status; st != "RUNNING" && st != "" {
				if st != "COMPLETED" {
					t.Fatalf("sync %s", st)
				}
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		t.Fatal("sync still running after 4 minutes")
	}
	type version struct {
		Seq  int64
		Hash string
	}
	history := func() []version {
		t.Helper()
		q := url.Values{"objectType": {"PRODUCT"}, "canonical": {handle}, "shop": {src}}
		r := e.do("GET", "/api/object-history?"+q.Encode(), nil, map[string]string{"Authorization": "Bearer " + demo})
		var h struct{ Versions []version }
		if r.status != 200 || json.Unmarshal(r.body, &h) != nil {
			t.Fatalf("history: %d %s", r.status, r.body)
		}
		return h.Versions
	}
	revert := func(key, body string) response {
		t.Helper()
		return e.do("POST", "/api/object-revert", []byte(body), map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"})
	}

	sync()
	b, _ := json.Marshal(map[string]any{"fields": map[string]any{"title": "Urban Canvas Wallet — edited"}})
	id := gid[len("gid://shopify/Product/"):]
	req, _ := http.NewRequestWithContext(t.Context(), "PATCH", hs.URL+"/_emulator/shops/"+src+"/objects/Product/"+id, bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("edit: %v %v", resp, err)
	}
	resp.Body.Close()
	sync()
	before := history()
	if len(before) != 2 || before[0].Seq != 2 {
		t.Fatalf("history before the revert: %+v", before)
	}

	body := fmt.Sprintf(`{"objectType":"PRODUCT","canonical":%q,"shop":%q,"version":1}`, handle, src)
	r := revert(demo, body)
	if r.status != 200 {
		t.Fatalf("revert: %d %s", r.status, r.body)
	}
	var res struct {
		Success                     bool
		ObjectType, Canonical, Shop string
		RevertedTo, NewVersion      int64
		ShopifyGID                  string `json:"shopifyGid"`
		Action                      string
	}
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	if !res.Success || res.ObjectType != "PRODUCT" || res.Canonical != handle || res.Shop != src || res.RevertedTo != 1 ||
		res.NewVersion != 3 || res.ShopifyGID != gid || res.Action != "updated" {
		t.Errorf("answer %s", r.body)
	}
	if _, title := product(); title != oldTitle {
		t.Errorf("emulator title %q, want %q", title, oldTitle)
	}
	after := history()
	if len(after) != 3 || after[0].Seq != 3 || after[0].Hash != before[1].Hash {
		t.Errorf("history after the revert %+v, want version 3 with version 1's hash %s", after, before[1].Hash)
	}

	t.Run("another tenant's shop is not found", func(t *testing.T) {
		wantError(t, revert(second, body), 404, "NOT_FOUND")
	})
	t.Run("a key without releases:deploy is forbidden", func(t *testing.T) {
		st := store.New(dynamodb.NewFromConfig(e.cfg), e.stack.TableName())
		key, _, err := (&auth.Keys{Store: st}).Issue(t.Context(), "demo", "e2e", "sync only", []auth.Scope{auth.ScopeSyncRead, auth.ScopeSyncWrite})
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, revert(key, body), 403, "FORBIDDEN")
	})
	t.Run("a bad body is a validation error", func(t *testing.T) {
		for _, b := range []string{`{`, `{"objectType":"PRODUCT","canonical":"x","shop":"` + src + `"}`, `{"objectType":"NOPE","canonical":"x","shop":"` + src + `","version":1}`, `[]`} {
			wantError(t, revert(demo, b), 422, "VALIDATION_ERROR")
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		r := e.do("POST", "/api/object-revert", []byte(body), map[string]string{"Content-Type": "application/json"})
		if r.status != 401 {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
}
