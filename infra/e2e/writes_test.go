package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/infra/dev"
	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// writeResult is WriteResult as the gateway answers it.
type writeResult struct {
	Success    bool     `json:"success"`
	ShopifyGid *string  `json:"shopifyGid"`
	Canonical  string   `json:"canonical"`
	Shop       string   `json:"shop"`
	Action     string   `json:"action"`
	Error      *string  `json:"error"`
	Warnings   []string `json:"warnings"`
}

func (r writeResult) gid() string {
	if r.ShopifyGid == nil {
		return ""
	}
	return *r.ShopifyGid
}

// Direct writes over HTTP on the local stack, with the Shopify emulator as
// the stores and the demo stores connected as make dev connects them:
//   - writeProduct to demo-production creates the product (a GID, action
//     created); listProducts and the emulator show it; the same write with
//     another title updates it in place (same GID, one product of that
//     handle in the emulator); lookupByCanonical finds its mapping; the
//     day's event sync has its CREATE and UPDATE;
//   - writeCollection (custom, the product by handle), writePage, writeBlog,
//     writeArticle (in that blog), writeMenu (linking the product and the
//     page), writeMetaobjectDefinition + writeMetaobject (a product
//     reference), writeMetafieldDefinition and writeDiscount land in the
//     emulator with the references re-pointed at demo-production's GIDs;
//   - uploadFile from a confirmed Flux file (upload-url → PUT to moto →
//     confirm) puts the bytes in the emulator's file library; updateFile
//     changes its alt text;
//   - bad input is VALIDATION_ERROR naming the field, an unknown reference
//     success:false, another tenant's shop NOT_FOUND, a key without
//     stores:write FORBIDDEN;
//   - the audit export lists the write.* entries with their results.
func TestWritesEndToEnd(t *testing.T) {
	started := time.Now().UTC()
	srv, err := emulator.New(t.Context(), emulator.Options{APISecret: dev.LocalShopifyAPISecret, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	e := startStackWith(t, dev.LocalShopify{BaseURL: hs.URL + "/store/{shop}",
		TokenKey: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
		func(o *dev.Options) {
			o.FunctionEnv = map[string]map[string]string{"RestAuditExportFunction": {"AUDIT_EXPORT_MAX_BYTES": "1024"}}
		})
	demo := e.keys["demo"]
	ctx := context.Background()
	st := store.New(dynamodb.NewFromConfig(e.cfg), e.stack.TableName())
	readOnly, _, err := (&auth.Keys{Store: st}).Issue(ctx, "demo", "e2e", "stores read", []auth.Scope{auth.ScopeStoresRead})
	if err != nil {
		t.Fatal(err)
	}
	const shop = emulator.ProductionShop

	// admin queries demo-production through the emulator's Admin API.
	admin := func(query string, vars map[string]any, out any) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, hs.URL+"/admin/api/2026-10/graphql.json", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Access-Token", emulator.ProductionToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Data   json.RawMessage
			Errors []any
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || len(body.Errors) != 0 {
			t.Fatalf("emulator %s: %d %v %v", query, resp.StatusCode, err, body.Errors)
		}
		if err := json.Unmarshal(body.Data, out); err != nil {
			t.Fatal(err)
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
	payload := func(name string) map[string]any {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "writes", name))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	const fields = `{ success shopifyGid canonical shop action error warnings }`
	// mutate posts one write mutation with the given input; write posts it
	// with the demo key and returns its result (a GraphQL error fails the test).
	mutate := func(key, op, inputType string, in map[string]any) response {
		t.Helper()
		return e.graphql(key, `mutation($in: `+inputType+`!) { `+op+`(input: $in) `+fields+` }`, map[string]any{"in": in})
	}
	write := func(op, inputType string, in map[string]any) writeResult {
		t.Helper()
		var out map[string]writeResult
		data(mutate(demo, op, inputType, in), &out)
		return out[op]
	}
	wantWrite := func(what string, got writeResult, action, canonical string) {
		t.Helper()
		if !got.Success || got.Action != action || got.Canonical != canonical || got.Shop != shop ||
			!strings.HasPrefix(got.gid(), "gid://shopify/") || got.Error != nil || len(got.Warnings) != 0 {
			t.Fatalf("%s = %+v (error %q), want %s %s in %s with a GID", what, got, deref(got.Error), action, canonical, shop)
		}
	}
	wantCode := func(what string, r response, code, contains string) {
		t.Helper()
		g := decode(t, r)
		if len(g.Errors) != 1 || g.Errors[0].Extensions.Code != code || !strings.Contains(g.Errors[0].Message, contains) {
			t.Errorf("%s: %d %s, want %s naming %q", what, r.status, r.body, code, contains)
		}
	}

	// 1. writeProduct creates the product.
	product := payload("product.json")
	created := write("writeProduct", "WriteProductInput", product)
	wantWrite("writeProduct", created, "created", "flux-e2e-tote")
	gid := created.gid()

	// listProducts shows it (only what changed since the test started).
	var listed struct {
		ListProducts struct {
			Products []struct{ ID, Handle, Title string }
		}
	}
	data(e.graphql(demo, `query($shop: String!, $since: String) { listProducts(shop: $shop, updatedSince: $since, limit: 250) { products { id handle title } } }`,
		map[string]any{"shop": shop, "since": started.Add(-time.Second).Format(time.RFC3339)}), &listed)
	if !slices.ContainsFunc(listed.ListProducts.Products, func(p struct{ ID, Handle, Title string }) bool {
		return p.ID == gid && p.Handle == "flux-e2e-tote" && p.Title == "Flux e2e tote"
	}) {
		t.Errorf("listProducts since the start: %+v, want %s", listed.ListProducts.Products, gid)
	}

	// The emulator has exactly one product of that handle, the written one.
	type emuProduct struct {
		ID, Title, Vendor string
		Variants          struct {
			Nodes []struct{ SKU, Price string }
		}
	}
	byHandle := func(handle string) []emuProduct {
		t.Helper()
		var out struct {
			Products struct{ Nodes []emuProduct }
		}
		admin(`query($q: String) { products(first: 10, query: $q) { nodes { id title vendor variants(first: 10) { nodes { sku price } } } } }`,
			map[string]any{"q": "handle:" + handle}, &out)
		return out.Products.Nodes
	}
	got := byHandle("flux-e2e-tote")
	if len(got) != 1 || got[0].ID != gid || got[0].Title != "Flux e2e tote" || got[0].Vendor != "Flux" || len(got[0].Variants.Nodes) != 2 {
		t.Fatalf("emulator products of handle flux-e2e-tote: %+v, want the one written (%s, two variants)", got, gid)
	}

	// 2. The same product with another title: updated in place.
	product["product"].(map[string]any)["title"] = "Flux e2e tote v2"
	updated := write("writeProduct", "WriteProductInput", product)
	wantWrite("second writeProduct", updated, "updated", "flux-e2e-tote")
	if updated.gid() != gid {
		t.Errorf("second write GID %s, want %s", updated.gid(), gid)
	}
	if got := byHandle("flux-e2e-tote"); len(got) != 1 || got[0].ID != gid || got[0].Title != "Flux e2e tote v2" {
		t.Errorf("after the update the emulator has %+v, want one product %s titled v2", got, gid)
	}

	// 3. The mapping.
	type mappingView struct{ Canonical, GID, Shop string }
	var looked struct{ LookupByCanonical []mappingView }
	data(e.graphql(demo, `query($shop: String) { lookupByCanonical(objectType: PRODUCT, canonicals: ["flux-e2e-tote"], shop: $shop) { canonical gid shop } }`,
		map[string]any{"shop": shop}), &looked)
	if d := cmp.Diff([]mappingView{{"flux-e2e-tote", gid, shop}}, looked.LookupByCanonical); d != "" {
		t.Errorf("lookupByCanonical (-want +got):\n%s", d)
	}

	// 4. The day's event sync holds both operations.
	type op struct{ Type, ObjectType, Canonical, Shop string }
	operations := func(syncID string) []op {
		t.Helper()
		var out struct {
			SyncOperations struct{ Operations []op }
		}
		data(e.graphql(demo, `query($id: ID!) { syncOperations(syncId: $id, limit: 500) { operations { type objectType canonical shop } total } }`,
			map[string]any{"id": syncID}), &out)
		return out.SyncOperations.Operations
	}
	eventSync := store.EventSyncID(fsync.Objects, time.Now())
	productOps := func() []op {
		var out []op
		for _, o := range operations(eventSync) {
			if o.ObjectType == "PRODUCT" && o.Canonical == "flux-e2e-tote" {
				out = append(out, o)
			}
		}
		return out
	}()
	slices.SortFunc(productOps, func(a, b op) int { return strings.Compare(a.Type, b.Type) })
	if d := cmp.Diff([]op{{"CREATE", "PRODUCT", "flux-e2e-tote", shop}, {"UPDATE", "PRODUCT", "flux-e2e-tote", shop}}, productOps); d != "" {
		t.Errorf("event sync %s, product operations (-want +got):\n%s", eventSync, d)
	}

	// 5. A custom collection of that product.
	coll := write("writeCollection", "WriteCollectionInput", payload("collection.json"))
	wantWrite("writeCollection", coll, "created", "flux-e2e-bags")
	var c struct {
		Collection struct {
			Handle   string
			Products struct{ Nodes []struct{ ID string } }
		}
	}
	admin(`query($id: ID!) { collection(id: $id) { handle products(first: 10) { nodes { id } } } }`, map[string]any{"id": coll.gid()}, &c)
	if c.Collection.Handle != "flux-e2e-bags" || len(c.Collection.Products.Nodes) != 1 || c.Collection.Products.Nodes[0].ID != gid {
		t.Errorf("emulator collection %+v, want flux-e2e-bags holding %s", c.Collection, gid)
	}

	// 6. Page, blog, an article in that blog, a menu linking the product and the page.
	page := write("writePage", "WritePageInput", payload("page.json"))
	wantWrite("writePage", page, "created", "flux-e2e-faq")
	blog := write("writeBlog", "WriteBlogInput", payload("blog.json"))
	wantWrite("writeBlog", blog, "created", "flux-e2e-news")
	article := write("writeArticle", "WriteArticleInput", payload("article.json"))
	wantWrite("writeArticle", article, "created", "flux-e2e-news/hello")
	var a struct {
		Article struct {
			Handle, Title string
			Blog          struct{ ID string }
		}
	}
	admin(`query($id: ID!) { article(id: $id) { handle title blog { id } } }`, map[string]any{"id": article.gid()}, &a)
	if a.Article.Handle != "hello" || a.Article.Blog.ID != blog.gid() {
		t.Errorf("emulator article %+v, want hello in blog %s", a.Article, blog.gid())
	}
	var p struct {
		Page struct{ Handle, Title string }
	}
	admin(`query($id: ID!) { page(id: $id) { handle title } }`, map[string]any{"id": page.gid()}, &p)
	if p.Page.Handle != "flux-e2e-faq" || p.Page.Title != "Flux e2e FAQ" {
		t.Errorf("emulator page %+v", p.Page)
	}
	menu := write("writeMenu", "WriteMenuInput", payload("menu.json"))
	wantWrite("writeMenu", menu, "created", "flux-e2e-footer")
	type menuItem struct {
		Title, Type string
		ResourceID  *string
		URL         *string
		Items       []menuItem
	}
	var m struct {
		Menu struct {
			Handle string
			Items  []menuItem
		}
	}
	admin(`query($id: ID!) { menu(id: $id) { handle items { title type resourceId url items { title type resourceId url items { title } } } } }`,
		map[string]any{"id": menu.gid()}, &m)
	help := "https://example.com/help"
	wantItems := []menuItem{
		{Title: "Tote", Type: "PRODUCT", ResourceID: &gid, Items: []menuItem{}},
		{Title: "Help", Type: "HTTP", URL: &help, Items: []menuItem{{Title: "FAQ", Type: "PAGE", ResourceID: ptr(page.gid()), Items: []menuItem{}}}},
	}
	if d := cmp.Diff(wantItems, m.Menu.Items); m.Menu.Handle != "flux-e2e-footer" || d != "" {
		t.Errorf("emulator menu %s items (-want +got):\n%s", m.Menu.Handle, d)
	}

	// 7. A metaobject definition, and an entry referencing the product.
	def := write("writeMetaobjectDefinition", "WriteMetaobjectDefinitionInput", payload("metaobject_definition.json"))
	wantWrite("writeMetaobjectDefinition", def, "created", "flux_e2e_badge")
	mo := write("writeMetaobject", "WriteMetaobjectInput", payload("metaobject.json"))
	wantWrite("writeMetaobject", mo, "created", "flux_e2e_badge/eco")
	var mob struct {
		Metaobject struct {
			Handle, Type string
			Field        struct{ Value string }
		}
	}
	admin(`query($id: ID!) { metaobject(id: $id) { handle type field(key: "product") { value } } }`, map[string]any{"id": mo.gid()}, &mob)
	if mob.Metaobject.Handle != "eco" || mob.Metaobject.Type != "flux_e2e_badge" || mob.Metaobject.Field.Value != gid {
		t.Errorf("emulator metaobject %+v, want eco referencing %s", mob.Metaobject, gid)
	}

	// 8. A metafield definition; writing it again unchanged is "updated".
	mfd := payload("metafield_definition.json")
	mf := write("writeMetafieldDefinition", "WriteMetafieldDefinitionInput", mfd)
	wantWrite("writeMetafieldDefinition", mf, "created", "PRODUCT.flux_e2e.care")
	if again := write("writeMetafieldDefinition", "WriteMetafieldDefinitionInput", mfd); !again.Success || again.Action != "updated" || again.gid() != mf.gid() {
		t.Errorf("the same metafield definition again: %+v, want updated %s", again, mf.gid())
	}
	var mfds struct {
		MetafieldDefinitions struct {
			Nodes []struct{ ID, Name, Namespace, Key string }
		}
	}
	admin(`{ metafieldDefinitions(ownerType: PRODUCT, namespace: "flux_e2e", key: "care", first: 5) { nodes { id name namespace key } } }`, nil, &mfds)
	if n := mfds.MetafieldDefinitions.Nodes; len(n) != 1 || n[0].ID != mf.gid() || n[0].Name != "Care instructions" {
		t.Errorf("emulator metafield definitions flux_e2e.care: %+v, want one %s", n, mf.gid())
	}

	// 9. A code discount.
	disc := write("writeDiscount", "WriteDiscountInput", payload("discount.json"))
	wantWrite("writeDiscount", disc, "created", "code/FLUXE2E15")
	var dn struct {
		Node struct {
			Typename string `json:"__typename"`
			ID       string
		}
	}
	admin(`query($id: ID!) { node(id: $id) { __typename id } }`, map[string]any{"id": disc.gid()}, &dn)
	if dn.Node.ID != disc.gid() {
		t.Errorf("emulator node %s: %+v", disc.gid(), dn.Node)
	}

	// 10. A Flux file uploaded to the store's library, then its alt text.
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("flux-e2e"), 256)...)
	var up uploadAnswer
	r := e.do("POST", "/api/v1/files/upload-url", mustJSON(t, map[string]any{"fileName": "e2e-lookbook.png", "mimeType": "image/png", "sizeBytes": len(png)}),
		map[string]string{"Authorization": "Bearer " + demo, "Content-Type": "application/json"})
	if r.status != http.StatusOK || json.Unmarshal(r.body, &up) != nil || up.FileID == "" {
		t.Fatalf("upload-url: %d %s", r.status, r.body)
	}
	putReq, _ := http.NewRequestWithContext(t.Context(), up.UploadMethod, up.UploadURL, bytes.NewReader(png))
	for k, v := range up.UploadHeaders {
		putReq.Header.Set(k, v)
	}
	putResp, err := http.DefaultClient.Do(putReq)
	if err != nil || putResp.StatusCode != http.StatusOK {
		t.Fatalf("PUT to the presigned URL: %v %v", err, putResp)
	}
	putResp.Body.Close()
	if r := e.do("POST", "/api/v1/files/"+up.FileID+"/confirm", nil, map[string]string{"Authorization": "Bearer " + demo}); r.status != http.StatusOK {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	file := write("uploadFile", "UploadFileInput", map[string]any{"shop": shop, "fileId": up.FileID, "alt": "Lookbook cover"})
	wantWrite("uploadFile", file, "created", "e2e-lookbook.png")
	type emuFile struct {
		ID, Alt  string
		MimeType string
		Image    *struct{ URL string }
	}
	library := func() []emuFile {
		t.Helper()
		var out struct {
			Files struct{ Nodes []emuFile }
		}
		admin(`{ files(first: 10, query: "filename:e2e-lookbook.png") { nodes { id alt ... on MediaImage { mimeType image { url } } } } }`, nil, &out)
		return out.Files.Nodes
	}
	if lib := library(); len(lib) != 1 || lib[0].ID != file.gid() || lib[0].Alt != "Lookbook cover" || lib[0].MimeType != "image/png" || lib[0].Image == nil {
		t.Errorf("emulator file library e2e-lookbook.png: %+v, want the image %s", lib, file.gid())
	} else {
		resp, err := http.Get(lib[0].Image.URL)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(buf.Bytes(), png) {
			t.Errorf("the store's copy is %d bytes (%d), want the %d uploaded", buf.Len(), resp.StatusCode, len(png))
		}
	}
	alt := write("updateFile", "UpdateFileInput", map[string]any{"shop": shop, "filename": "e2e-lookbook.png", "alt": "Lookbook cover, spring"})
	wantWrite("updateFile", alt, "updated", "e2e-lookbook.png")
	if lib := library(); len(lib) != 1 || lib[0].ID != file.gid() || lib[0].Alt != "Lookbook cover, spring" {
		t.Errorf("after updateFile: %+v", lib)
	}
	fileOps := operations(store.EventSyncID(fsync.Files, time.Now()))
	if !slices.ContainsFunc(fileOps, func(o op) bool { return o.ObjectType == "FILE" && o.Canonical == "e2e-lookbook.png" && o.Shop == shop }) {
		t.Errorf("the day's FILES event sync: %+v, want e2e-lookbook.png", fileOps)
	}

	// Every object written above has its operation under the day's sync.
	objOps := operations(eventSync)
	for _, w := range []struct{ typ, canonical string }{
		{"COLLECTION", "flux-e2e-bags"}, {"PAGE", "flux-e2e-faq"}, {"BLOG", "flux-e2e-news"}, {"ARTICLE", "flux-e2e-news/hello"},
		{"MENU", "flux-e2e-footer"}, {"METAOBJECT_DEFINITION", "flux_e2e_badge"}, {"METAOBJECT", "flux_e2e_badge/eco"},
		{"METAFIELD_DEFINITION", "PRODUCT.flux_e2e.care"}, {"DISCOUNT", "code/FLUXE2E15"},
	} {
		if !slices.Contains(objOps, op{"CREATE", w.typ, w.canonical, shop}) {
			t.Errorf("no CREATE of %s %s under %s", w.typ, w.canonical, eventSync)
		}
	}

	// 11. Refusals.
	bad := payload("product.json")
	bad["product"].(map[string]any)["variants"].([]any)[0].(map[string]any)["price"] = "twenty"
	wantCode("a bad price", mutate(demo, "writeProduct", "WriteProductInput", bad), "VALIDATION_ERROR", "product.variants[0].price")
	badHandle := payload("page.json")
	badHandle["page"].(map[string]any)["handle"] = "not a handle"
	wantCode("a bad handle", mutate(demo, "writePage", "WritePageInput", badHandle), "VALIDATION_ERROR", "page.handle")

	unknown := payload("collection.json")
	unknown["collection"].(map[string]any)["handle"] = "flux-e2e-ghosts"
	unknown["collection"].(map[string]any)["products"] = []string{"no-such-product"}
	if res := write("writeCollection", "WriteCollectionInput", unknown); res.Success || res.Action != "none" || res.ShopifyGid != nil ||
		!strings.Contains(deref(res.Error), "no-such-product") {
		t.Errorf("an unknown reference: %+v (error %q), want success:false naming no-such-product", res, deref(res.Error))
	}
	var ghosts struct {
		Collections struct{ Nodes []struct{ ID string } }
	}
	admin(`{ collections(first: 5, query: "handle:flux-e2e-ghosts") { nodes { id } } }`, nil, &ghosts)
	if len(ghosts.Collections.Nodes) != 0 {
		t.Errorf("a refused collection is in the store: %+v", ghosts.Collections.Nodes)
	}

	if got := byHandle("flux-e2e-tote"); len(got) != 1 || got[0].ID != gid || got[0].Title != "Flux e2e tote v2" {
		t.Errorf("after a refused write the emulator has %+v, want the product %s as it was", got, gid)
	}

	other := payload("page.json")
	other["shop"] = emulator.SecondShop
	wantCode("another tenant's shop", mutate(demo, "writePage", "WritePageInput", other), "NOT_FOUND", "not found")
	wantCode("a key without stores:write", mutate(readOnly, "writePage", "WritePageInput", payload("page.json")), "FORBIDDEN", "stores:write")

	// 12. The audit export.
	window := "resourceType=object&from=" + url.QueryEscape(started.Add(-time.Minute).Format(time.RFC3339)) +
		"&to=" + url.QueryEscape(time.Now().UTC().Add(time.Minute).Format(time.RFC3339))
	rows, pages := e.export(demo, window)
	t.Logf("audit export: %d write entries in %d pages", len(rows), pages)
	count := map[string]int{}
	for _, row := range rows {
		count[row["action"]+" "+row["result"]]++
		if row["result"] == "success" && row["shop"] != shop {
			t.Errorf("audit row %v: shop %q", row, row["shop"])
		}
	}
	wantCount := map[string]int{
		"write.product success": 2, "write.collection success": 1, "write.page success": 1, "write.blog success": 1,
		"write.article success": 1, "write.menu success": 1, "write.metaobjectDefinition success": 1,
		"write.metaobject success": 1, "write.metafieldDefinition success": 2, "write.discount success": 1,
		"write.uploadFile success": 1, "write.updateFile success": 1,
		"write.collection failure": 1, "write.page denied": 1,
	}
	for k, n := range wantCount {
		if count[k] != n {
			t.Errorf("audit %s: %d entries, want %d (all: %v)", k, count[k], n, count)
		}
	}
	if g := find(rows, "write.product", "success"); len(g) == 2 && g[0]["resourceId"] != "PRODUCT flux-e2e-tote" {
		t.Errorf("write.product resourceId %q", g[0]["resourceId"])
	}
	if g := find(rows, "write.collection", "failure"); len(g) == 1 && (g[0]["resourceId"] != "COLLECTION flux-e2e-ghosts" || !strings.Contains(g[0]["detail"], "no-such-product")) {
		t.Errorf("the refused collection's audit entry %v", g[0])
	}
	t.Logf("writes end to end in %s", time.Since(started).Round(time.Millisecond))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }
