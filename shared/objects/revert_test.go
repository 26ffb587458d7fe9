package objects

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/blobstore/blobtest"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/syncworker"
)

// emuShops gives clients of the emulator's demo shops.
type emuShops struct{ url string }

func (e emuShops) Client(_ context.Context, _, shop string) (*shopify.Client, error) {
	tok := map[string]string{emulator.SourceShop: emulator.SourceToken, emulator.ProductionShop: emulator.ProductionToken}[shop]
	return shopify.New(shopify.Session{Shop: shop, AccessToken: tok}, shopify.Config{
		BaseURL: func(string) string { return e.url }, Tries: 3,
		RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond, Throttle: shopify.NewThrottle(nil),
	})
}

type memAudit struct {
	mu sync.Mutex
	es []audit.Entry
}

func (m *memAudit) Record(_ context.Context, e audit.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.es = append(m.es, e)
	return nil
}

func (m *memAudit) last() audit.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.es) == 0 {
		return audit.Entry{}
	}
	return m.es[len(m.es)-1]
}

type revertFixture struct {
	url   string
	st    *store.Store
	blobs *blobtest.Mem
	audit *memAudit
	h     http.Handler
	shops emuShops
}

func newRevertFixture(t *testing.T) *revertFixture {
	t.Helper()
	srv, err := emulator.New(t.Context(), emulator.Options{Versions: []string{shopify.DefaultAPIVersion}, Logger: discard,
		MaximumAvailable: 1e7, RestoreRate: 1e7})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	f := &revertFixture{url: hs.URL, st: storetest.NewTable(t), blobs: &blobtest.Mem{}, audit: &memAudit{}, shops: emuShops{hs.URL}}
	r := NewReverter(f.st, f.blobs, f.shops, f.audit)
	r.Groups = fakeGroups{tenantA: {emulator.SourceShop}, tenantB: {"elsewhere.myshopify.com"}}
	f.h = NewRevertHandler(discard, r)
	if _, _, err := f.st.CreateSync(t.Context(), fsync.Sync{ID: "sync_t", TenantID: tenantA, Type: fsync.Objects, TriggeredBy: "test", TriggeredAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return f
}

// capture reads one source object by canonical and captures it (a sync).
func (f *revertFixture) capture(t *testing.T, typ mapping.ObjectType, canonical string) store.Version {
	t.Helper()
	c, err := f.shops.Client(t.Context(), tenantA, emulator.SourceShop)
	if err != nil {
		t.Fatal(err)
	}
	r := &catalog.Reader{Client: c}
	var obj catalog.Object
	for cursor := ""; obj.GID == ""; {
		p, err := r.List(t.Context(), typ, time.Time{}, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range p.Objects {
			if o.Canonical == canonical {
				obj = o
			}
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if obj.GID == "" {
		t.Fatalf("no %s %s", typ, canonical)
	}
	if _, err := ingest.New(f.st, f.blobs, tenantA, emulator.SourceShop, "sync_t").Capture(t.Context(), obj, time.Time{}); err != nil {
		t.Fatal(err)
	}
	v, err := f.st.CurrentVersion(t.Context(), tenantA, typ, emulator.SourceShop, canonical)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *revertFixture) gid(t *testing.T, typ mapping.ObjectType, canonical string) string {
	t.Helper()
	ms, err := f.st.MappingsByCanonical(t.Context(), tenantA, typ, []string{emulator.SourceShop}, []string{canonical})
	if err != nil || len(ms) != 1 {
		t.Fatalf("mapping %v %v", ms, err)
	}
	return ms[0].GID
}

func (f *revertFixture) patch(t *testing.T, gid string, fields map[string]any) {
	t.Helper()
	parts := strings.Split(gid, "/")
	b, _ := json.Marshal(map[string]any{"fields": fields})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPatch,
		f.url+"/_emulator/shops/"+emulator.SourceShop+"/objects/"+parts[3]+"/"+parts[4], bytes.NewReader(b))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("patch %s: %d", gid, resp.StatusCode)
	}
}

func (f *revertFixture) post(t *testing.T, id *auth.Identity, body string) (int, []byte) {
	t.Helper()
	ev := event(t, http.MethodPost, RevertPath, nil, id)
	ev.Body = body
	ev.Headers = map[string]string{"Content-Type": "application/json"}
	ev.MultiValueHeaders = map[string][]string{"Content-Type": {"application/json"}}
	st, b, _ := serve(t, f.h, ev)
	return st, b
}

func deployer(tenant string) *auth.Identity {
	return &auth.Identity{TenantID: tenant, Principal: "key_1", PrincipalType: auth.PrincipalAPIKey, Scopes: []auth.Scope{RevertScope}}
}

func TestRevertRestoresAnEarlierVersion(t *testing.T) {
	f := newRevertFixture(t)
	v1 := f.capture(t, mapping.Product, "urban-canvas-wallet")
	gid := f.gid(t, mapping.Product, "urban-canvas-wallet")
	f.patch(t, gid, map[string]any{"title": "Urban Canvas Wallet (edited)", "tags": []string{"edited"}})
	v2 := f.capture(t, mapping.Product, "urban-canvas-wallet")
	if v2.Seq != 2 || v2.Hash == v1.Hash {
		t.Fatalf("edit not captured: %+v", v2)
	}

	status, body := f.post(t, deployer(tenantA), `{"objectType":"PRODUCT","canonical":"urban-canvas-wallet","shop":"`+emulator.SourceShop+`","version":1}`)
	if status != 200 {
		t.Fatalf("status %d %s", status, body)
	}
	var res RevertResult
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	want := RevertResult{Success: true, ObjectType: "PRODUCT", Canonical: "urban-canvas-wallet", Shop: emulator.SourceShop,
		RevertedTo: 1, NewVersion: 3, ShopifyGID: gid, Action: "updated", Warnings: []string{}}
	if res.Success != want.Success || res.RevertedTo != 1 || res.NewVersion != 3 || res.ShopifyGID != gid || res.Action != "updated" {
		t.Errorf("answer %+v, want %+v", res, want)
	}
	v3, err := f.st.CurrentVersion(t.Context(), tenantA, mapping.Product, emulator.SourceShop, "urban-canvas-wallet")
	if err != nil {
		t.Fatal(err)
	}
	if v3.Seq != 3 || v3.Hash != v1.Hash {
		t.Errorf("current %d %s, want version 3 with version 1's hash %s", v3.Seq, v3.Hash, v1.Hash)
	}
	// The operation is recorded under the day's event sync.
	syncID := store.EventSyncID(fsync.Objects, time.Now())
	ops, _, err := f.st.ListOperations(t.Context(), tenantA, syncID, fsync.Update, store.Page{Limit: 10})
	if err != nil || len(ops) != 1 || ops[0].ID != ingest.OperationID(emulator.SourceShop, mapping.Product, "urban-canvas-wallet", 3) {
		t.Errorf("operations %+v %v", ops, err)
	}
	e := f.audit.last()
	if e.Action != ActionObjectRevert || e.Result != audit.Success || e.ResourceID != "PRODUCT urban-canvas-wallet" || e.Shop != emulator.SourceShop || e.TenantID != tenantA {
		t.Errorf("audit %+v", e)
	}

	// Reverting to the content the shop has: no new version.
	status, body = f.post(t, deployer(tenantA), `{"objectType":"PRODUCT","canonical":"urban-canvas-wallet","shop":"`+emulator.SourceShop+`","version":3}`)
	if status != 200 || !strings.Contains(string(body), `"newVersion":3`) {
		t.Errorf("same content: %d %s", status, body)
	}
}

func TestRevertErrors(t *testing.T) {
	f := newRevertFixture(t)
	f.capture(t, mapping.Page, "faq")
	gid := f.gid(t, mapping.Page, "faq")
	// Deleted in the shop, seen by a sync: version 2 is the tombstone.
	if _, err := ingest.New(f.st, f.blobs, tenantA, emulator.SourceShop, "sync_t").Delete(t.Context(), mapping.Page, gid, time.Now()); err != nil {
		t.Fatal(err)
	}
	src := emulator.SourceShop
	cases := []struct {
		name   string
		id     *auth.Identity
		body   string
		status int
		code   string
		msg    string
		result audit.Result
	}{
		{"no identity", nil, `{}`, 401, "UNAUTHENTICATED", "", ""},
		{"missing scope", &auth.Identity{TenantID: tenantA, Principal: "k", Scopes: []auth.Scope{auth.ScopeSyncWrite}}, `{}`, 403, "FORBIDDEN", "", audit.Denied},
		{"not json", deployer(tenantA), `{`, 422, "VALIDATION_ERROR", "must be a JSON object", audit.Failure},
		{"unknown field", deployer(tenantA), `{"objectType":"PAGE","canonical":"faq","shop":"` + src + `","version":1,"x":1}`, 422, "VALIDATION_ERROR", `unknown field "x"`, audit.Failure},
		{"version type", deployer(tenantA), `{"objectType":"PAGE","canonical":"faq","shop":"` + src + `","version":"1"}`, 422, "VALIDATION_ERROR", "version must be a number", audit.Failure},
		{"version zero", deployer(tenantA), `{"objectType":"PAGE","canonical":"faq","shop":"` + src + `","version":0}`, 422, "VALIDATION_ERROR", "version must be", audit.Failure},
		{"missing shop", deployer(tenantA), `{"objectType":"PAGE","canonical":"faq","version":1}`, 422, "VALIDATION_ERROR", "required", audit.Failure},
		{"bad type", deployer(tenantA), `{"objectType":"PAGES","canonical":"faq","shop":"` + src + `","version":1}`, 422, "VALIDATION_ERROR", "", audit.Failure},
		{"bad canonical", deployer(tenantA), `{"objectType":"ARTICLE","canonical":"faq","shop":"` + src + `","version":1}`, 422, "VALIDATION_ERROR", "", audit.Failure},
		{"other tenant's shop", deployer(tenantB), `{"objectType":"PAGE","canonical":"faq","shop":"` + src + `","version":1}`, 404, "NOT_FOUND", "not found", audit.Failure},
		{"no such version", deployer(tenantA), `{"objectType":"PAGE","canonical":"faq","shop":"` + src + `","version":9}`, 404, "NOT_FOUND", "version 9", audit.Failure},
		{"tombstone", deployer(tenantA), `{"objectType":"PAGE","canonical":"faq","shop":"` + src + `","version":2}`, 422, "VALIDATION_ERROR", "deletion", audit.Failure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := len(f.audit.es)
			status, body := f.post(t, tc.id, tc.body)
			wantError(t, status, body, tc.status, tc.code, tc.msg)
			if tc.result != "" {
				if len(f.audit.es) != n+1 || f.audit.last().Result != tc.result {
					t.Errorf("audit %+v, want one %s entry", f.audit.last(), tc.result)
				}
			}
		})
	}
}

// Reverting to a version of an object the shop deleted (not the tombstone)
// re-creates it.
func TestRevertRecreatesADeletedObject(t *testing.T) {
	f := newRevertFixture(t)
	f.capture(t, mapping.Page, "faq")
	gid := f.gid(t, mapping.Page, "faq")
	parts := strings.Split(gid, "/")
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, f.url+"/_emulator/shops/"+emulator.SourceShop+"/objects/Page/"+parts[4], nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	status, body := f.post(t, deployer(tenantA), `{"objectType":"PAGE","canonical":"faq","shop":"`+emulator.SourceShop+`","version":1}`)
	if status != 200 || !strings.Contains(string(body), `"action":"created"`) || strings.Contains(string(body), gid) {
		t.Fatalf("%d %s", status, body)
	}
}

// A theme reverts too: its files' bodies come from the THEME sync's blobs.
func TestRevertTheme(t *testing.T) {
	f := newRevertFixture(t)
	c, err := f.shops.Client(t.Context(), tenantA, emulator.SourceShop)
	if err != nil {
		t.Fatal(err)
	}
	r := &catalog.Reader{Client: c}
	// A THEME sync: the live theme's version and its files' bodies.
	themeSync := func() store.Version {
		t.Helper()
		p, err := r.List(t.Context(), mapping.Theme, time.Time{}, "")
		if err != nil || len(p.Objects) != 1 {
			t.Fatalf("live theme: %v %v", p.Objects, err)
		}
		o := p.Objects[0]
		var raw struct {
			Files struct {
				Nodes []struct{ Filename, ChecksumMd5 string }
			}
		}
		if err := json.Unmarshal(o.Raw, &raw); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, fl := range raw.Files.Nodes {
			names = append(names, fl.Filename)
		}
		bodies, err := r.ThemeFileBodies(t.Context(), o.GID, names)
		if err != nil {
			t.Fatal(err)
		}
		for _, fl := range raw.Files.Nodes {
			if err := f.blobs.Put(t.Context(), syncworker.ThemeFileKey(tenantA, fl.ChecksumMd5), bodies[fl.Filename]); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := ingest.New(f.st, f.blobs, tenantA, emulator.SourceShop, "sync_t").Capture(t.Context(), o, time.Time{}); err != nil {
			t.Fatal(err)
		}
		v, err := f.st.CurrentVersion(t.Context(), tenantA, mapping.Theme, emulator.SourceShop, "live")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v1 := themeSync()
	gid := f.gid(t, mapping.Theme, "live")
	f.patch(t, gid, map[string]any{"files": map[string]string{"snippets/price.liquid": "{{ price | money }} (edited)", "snippets/new.liquid": "new"}})
	if v2 := themeSync(); v2.Seq != 2 {
		t.Fatalf("edit not captured: %+v", v2)
	}
	status, body := f.post(t, deployer(tenantA), `{"objectType":"THEME","canonical":"live","shop":"`+emulator.SourceShop+`","version":1}`)
	if status != 200 || !strings.Contains(string(body), `"newVersion":3`) {
		t.Fatalf("%d %s", status, body)
	}
	cur, err := f.st.CurrentVersion(t.Context(), tenantA, mapping.Theme, emulator.SourceShop, "live")
	if err != nil || cur.Hash != v1.Hash {
		t.Errorf("current %+v %v, want version 1's content", cur, err)
	}
	got, err := r.ThemeFileBodies(t.Context(), gid, []string{"snippets/price.liquid", "snippets/new.liquid"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["snippets/new.liquid"]; ok || strings.Contains(string(got["snippets/price.liquid"]), "edited") {
		t.Errorf("theme files after the revert: %q", got)
	}
}
