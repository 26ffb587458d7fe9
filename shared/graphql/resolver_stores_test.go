package graphql

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/stores"
)

// fakeStoresGroup is a stores group that records each operation's arguments
// as the group receives them (after the rpc JSON round trip) and answers a
// canned result or error.
type fakeStoresGroup struct {
	mu      sync.Mutex
	args    map[string]map[string]any
	results map[string]any
	err     error
}

func (f *fakeStoresGroup) group() *rpc.Group {
	ops := map[string]rpc.Operation{}
	for _, op := range []string{
		stores.OpListProducts, stores.OpListCollections, stores.OpListPages, stores.OpListBlogs,
		stores.OpListArticles, stores.OpListMenus, stores.OpListDiscounts, stores.OpListMetaobjectDefinitions,
		stores.OpListMetaobjects, stores.OpListMetafieldDefinitions, stores.OpListFiles,
	} {
		ops[op] = func(_ context.Context, raw json.RawMessage) (any, error) {
			var args map[string]any
			if err := json.Unmarshal(raw, &args); err != nil {
				return nil, err
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.args == nil {
				f.args = map[string]map[string]any{}
			}
			f.args[op] = args
			if f.err != nil {
				return nil, f.err
			}
			if r, ok := f.results[op]; ok {
				return r, nil
			}
			return map[string]any{listField[op]: []any{}, "pageInfo": map[string]any{"hasNextPage": false, "cursor": nil}}, nil
		}
	}
	return &rpc.Group{Name: stores.GroupName, Ops: ops, Log: discardLog}
}

func (f *fakeStoresGroup) argsOf(op string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.args[op]
}

var listField = map[string]string{
	stores.OpListProducts: "products", stores.OpListCollections: "collections", stores.OpListPages: "pages",
	stores.OpListBlogs: "blogs", stores.OpListArticles: "articles", stores.OpListMenus: "menus",
	stores.OpListDiscounts: "discounts", stores.OpListMetaobjectDefinitions: "definitions",
	stores.OpListMetaobjects: "metaobjects", stores.OpListMetafieldDefinitions: "definitions", stores.OpListFiles: "files",
}

func withStores(f *fakeStoresGroup) envOption {
	return withTransport(func(t rpc.Transport) rpc.Transport {
		in := t.(rpc.InProcess)
		in[stores.GroupName] = f.group()
		return in
	})
}

func (e *testEnv) query(t *testing.T, id *auth.Identity, query string, vars map[string]any) result {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return e.do(t, event(t, http.MethodPost, PathGraphQL, id, "application/json", body))
}

// Each list query reaches the stores group with the schema's defaults
// applied (limit 50, includeMetafields false) and nothing else invented.
func TestStoresArgumentDefaults(t *testing.T) {
	const shop = "acme.myshopify.com"
	base := map[string]any{"shop": shop, "limit": float64(50)}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		op, query string
		want      map[string]any
	}{
		{stores.OpListProducts, `{ listProducts(shop: "acme.myshopify.com") { products { id } } }`, base},
		{stores.OpListCollections, `{ listCollections(shop: "acme.myshopify.com") { collections { id } } }`,
			with(map[string]any{"includeMetafields": false})},
		{stores.OpListPages, `{ listPages(shop: "acme.myshopify.com") { pages { id } } }`, base},
		{stores.OpListBlogs, `{ listBlogs(shop: "acme.myshopify.com") { blogs { id } } }`, base},
		{stores.OpListArticles, `{ listArticles(shop: "acme.myshopify.com") { articles { id } } }`, base},
		{stores.OpListMenus, `{ listMenus(shop: "acme.myshopify.com") { menus { id } } }`, base},
		{stores.OpListDiscounts, `{ listDiscounts(shop: "acme.myshopify.com") { discounts { id } } }`,
			with(map[string]any{"includeMetafields": false})},
		{stores.OpListMetaobjectDefinitions, `{ listMetaobjectDefinitions(shop: "acme.myshopify.com") { definitions { id } } }`, base},
		{stores.OpListMetaobjects, `{ listMetaobjects(shop: "acme.myshopify.com", type: "lookbook") { metaobjects { id } } }`,
			with(map[string]any{"type": "lookbook"})},
		{stores.OpListMetafieldDefinitions, `{ listMetafieldDefinitions(shop: "acme.myshopify.com", ownerType: "PRODUCT") { definitions { id } } }`,
			with(map[string]any{"ownerType": "PRODUCT"})},
		{stores.OpListFiles, `{ listFiles(shop: "acme.myshopify.com") { files { id } } }`, base},
	}
	fake := &fakeStoresGroup{}
	e := newTestEnv(t, withStores(fake))
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			res := e.query(t, caller(tenantAcme, auth.ScopeStoresRead), c.query, nil)
			if res.status != http.StatusOK || res.body["errors"] != nil {
				t.Fatalf("status %d: %s", res.status, res.raw)
			}
			if diff := cmp.Diff(c.want, fake.argsOf(c.op)); diff != "" {
				t.Errorf("arguments the group got (-want +got):\n%s", diff)
			}
		})
	}
}

// Arguments given are passed through as given: config group by group,
// cursor, updatedSince, blogId, includeMetafields.
func TestStoresArgumentsPassThrough(t *testing.T) {
	fake := &fakeStoresGroup{}
	e := newTestEnv(t, withStores(fake))
	res := e.query(t, caller(tenantAcme, auth.ScopeStoresRead), `query($c: ProductSyncConfigInput, $since: String) {
		p: listProducts(shop: "acme.myshopify.com", cursor: "abc", limit: 7, config: $c, updatedSince: $since) { products { id } }
		a: listArticles(shop: "acme.myshopify.com", blogId: "gid://shopify/Blog/9", limit: 250) { articles { id } }
		d: listDiscounts(shop: "acme.myshopify.com", includeMetafields: true) { discounts { id } }
	}`, map[string]any{
		"c":     map[string]any{"productFields": []string{"core", "media"}, "syncVariants": true, "variantFields": []string{"pricing"}},
		"since": "2025-01-01T00:00:00Z",
	})
	if res.status != http.StatusOK || res.body["errors"] != nil {
		t.Fatalf("status %d: %s", res.status, res.raw)
	}
	want := map[string]map[string]any{
		stores.OpListProducts: {"shop": "acme.myshopify.com", "cursor": "abc", "limit": float64(7), "updatedSince": "2025-01-01T00:00:00Z",
			"config": map[string]any{"productFields": []any{"core", "media"}, "syncVariants": true, "variantFields": []any{"pricing"}}},
		stores.OpListArticles:  {"shop": "acme.myshopify.com", "blogId": "gid://shopify/Blog/9", "limit": float64(250)},
		stores.OpListDiscounts: {"shop": "acme.myshopify.com", "limit": float64(50), "includeMetafields": true},
	}
	for op, w := range want {
		if diff := cmp.Diff(w, fake.argsOf(op)); diff != "" {
			t.Errorf("%s arguments (-want +got):\n%s", op, diff)
		}
	}
}

// Seed 000's listProducts query, answered by the group, comes out in the
// seed's shape; a group answering NOT_FOUND fails only that field.
func TestListProductsSeedShapeAndFieldErrors(t *testing.T) {
	fake := &fakeStoresGroup{results: map[string]any{stores.OpListProducts: stores.ProductList{
		Products: []stores.Product{{
			ID: "gid://shopify/Product/1", Handle: "bag", Title: ptrTo("Bag"), Status: ptrTo("ACTIVE"),
			Vendor: ptrTo("Acme"), Tags: &[]string{"a"},
			Variants: &[]stores.Variant{{ID: "gid://shopify/ProductVariant/2", Title: ptrTo("Default"), SKU: ptrTo("B-1"),
				Price: ptrTo("10.00"), SelectedOptions: &[]stores.SelectedOption{{Name: "Title", Value: "Default"}}}},
			Media:        &[]stores.Media{{MediaContentType: "VIDEO"}},
			Metafields:   &[]stores.Metafield{},
			Publications: &[]stores.Publication{{Name: "Online Store", IsPublished: true}},
		}},
		PageInfo: stores.PageInfo{HasNextPage: true, Cursor: ptrTo("c1")},
	}}}
	e := newTestEnv(t, withStores(fake))
	res := e.query(t, caller(tenantAcme, auth.ScopeStoresRead), `query {
  listProducts(shop: "my-store.myshopify.com", limit: 10) {
    products {
      id handle title status vendor tags
      variants { id title sku price inventoryQuantity selectedOptions { name value } }
      media { id mediaContentType alt image { url width height } }
      metafields { namespace key value type }
      publications { name isPublished }
    }
    pageInfo { hasNextPage cursor }
  }
}`, nil)
	want := map[string]any{"listProducts": map[string]any{
		"products": []any{map[string]any{
			"id": "gid://shopify/Product/1", "handle": "bag", "title": "Bag", "status": "ACTIVE", "vendor": "Acme", "tags": []any{"a"},
			"variants": []any{map[string]any{"id": "gid://shopify/ProductVariant/2", "title": "Default", "sku": "B-1", "price": "10.00",
				"inventoryQuantity": nil, "selectedOptions": []any{map[string]any{"name": "Title", "value": "Default"}}}},
			"media":        []any{map[string]any{"id": nil, "mediaContentType": "VIDEO", "alt": nil, "image": nil}},
			"metafields":   []any{},
			"publications": []any{map[string]any{"name": "Online Store", "isPublished": true}},
		}},
		"pageInfo": map[string]any{"hasNextPage": true, "cursor": "c1"},
	}}
	if diff := cmp.Diff(want, res.body["data"]); diff != "" || res.body["errors"] != nil {
		t.Errorf("data (-want +got):\n%s\nerrors: %v", diff, res.body["errors"])
	}

	fake.err = platform.E(platform.KindNotFound, "store other.myshopify.com not found in your store group")
	res = e.query(t, caller(tenantAcme, auth.ScopeStoresRead, auth.ScopeConfigRead),
		`{ listPages(shop: "other.myshopify.com") { pages { id } } config { storeGroup { name } } }`, nil)
	if res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	if got := get(res.body, "data", "listPages"); got != nil {
		t.Errorf("listPages = %v, want null", got)
	}
	if got := get(res.body, "data", "config", "storeGroup", "name"); got != "Acme stores" {
		t.Errorf("config kept its data? got %v", got)
	}
	if got := get(res.body, "errors", 0, "extensions", "code"); got != "NOT_FOUND" {
		t.Errorf("code = %v, want NOT_FOUND: %s", got, res.raw)
	}
	if got := get(res.body, "errors", 0, "message"); got != "store other.myshopify.com not found in your store group" {
		t.Errorf("message = %v", got)
	}
}

// Missing required arguments and wrong types are rejected before any group
// call, as whole-request validation errors.
func TestStoresArgumentValidationBeforeExecution(t *testing.T) {
	fake := &fakeStoresGroup{}
	e := newTestEnv(t, withStores(fake))
	for _, q := range []string{
		`{ listProducts { products { id } } }`,
		`{ listProducts(shop: "a.myshopify.com", limit: "x") { products { id } } }`,
		`{ listMetaobjects(shop: "a.myshopify.com") { metaobjects { id } } }`,
		`{ listMetafieldDefinitions(shop: "a.myshopify.com") { definitions { id } } }`,
		`{ listProducts(shop: "a.myshopify.com", config: {productFields: "core", colour: 1}) { products { id } } }`,
	} {
		res := e.query(t, caller(tenantAcme, auth.ScopeStoresRead), q, nil)
		wantRequestError(t, res, http.StatusUnprocessableEntity, "VALIDATION_ERROR")
	}
	if len(fake.args) != 0 {
		t.Errorf("the group was called: %v", fake.args)
	}
}

func ptrTo[T any](v T) *T { return &v }

// An explicit null limit (or a null or absent variable) is "no limit
// given": the group gets none and uses its default, 50.
func TestStoresNullLimit(t *testing.T) {
	fake := &fakeStoresGroup{}
	e := newTestEnv(t, withStores(fake))
	for _, c := range []struct {
		query string
		vars  map[string]any
	}{
		{`{ listPages(shop: "a.myshopify.com", limit: null) { pages { id } } }`, nil},
		{`query($l: Int) { listPages(shop: "a.myshopify.com", limit: $l) { pages { id } } }`, map[string]any{"l": nil}},
		{`query($l: Int) { listPages(shop: "a.myshopify.com", limit: $l) { pages { id } } }`, map[string]any{}},
	} {
		res := e.query(t, caller(tenantAcme, auth.ScopeStoresRead), c.query, c.vars)
		if res.status != http.StatusOK || res.body["errors"] != nil {
			t.Fatalf("%s: status %d: %s", c.query, res.status, res.raw)
		}
		if diff := cmp.Diff(map[string]any{"shop": "a.myshopify.com"}, fake.argsOf(stores.OpListPages)); diff != "" {
			t.Errorf("%s: arguments (-want +got):\n%s", c.query, diff)
		}
	}
}
