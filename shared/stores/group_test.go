package stores

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/shopify"
)

// shopifyRequest is what the fake Shopify received.
type shopifyRequest struct {
	Path      string
	Shop      string         // X-Shopify-Shop-Domain
	Token     string         // X-Shopify-Access-Token
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables"`
}

// fakeShopify is an httptest Admin API: it records requests and answers
// with answer (default: the testdata file named for the root field).
type fakeShopify struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []shopifyRequest
	calls  atomic.Int32
	answer func(w http.ResponseWriter, req shopifyRequest)
}

func newFakeShopify(t *testing.T) *fakeShopify {
	t.Helper()
	f := &fakeShopify{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		req := shopifyRequest{Path: r.URL.Path, Shop: r.Header.Get("X-Shopify-Shop-Domain"), Token: r.Header.Get("X-Shopify-Access-Token")}
		if err := json.Unmarshal(b, &req); err != nil {
			t.Errorf("request body: %v", err)
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, req)
		answer := f.answer
		f.mu.Unlock()
		if answer != nil {
			answer(w, req)
			return
		}
		serveTestdata(t, w, req)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// testdataFor maps a query's root field to its recorded answer.
var testdataFor = map[string]string{
	"products(": "products", "collections(": "collections", "pages(": "pages", "blogs(": "blogs",
	"articles(": "articles", "menus(": "menus", "discountNodes(": "discounts",
	"metaobjectDefinitions(": "metaobject_definitions", "metaobjects(": "metaobjects",
	"metafieldDefinitions(": "metafield_definitions", "files(": "files",
}

func serveTestdata(t *testing.T, w http.ResponseWriter, req shopifyRequest) {
	for prefix, file := range testdataFor {
		if strings.Contains(req.Query, "{ "+prefix) {
			b, err := os.ReadFile(filepath.Join("testdata", file+".json"))
			if err != nil {
				t.Error(err)
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
			return
		}
	}
	t.Errorf("no testdata for query %s", req.Query)
	http.Error(w, "no testdata", http.StatusInternalServerError)
}

func (f *fakeShopify) requests() []shopifyRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]shopifyRequest(nil), f.reqs...)
}

func (f *fakeShopify) last(t *testing.T) shopifyRequest {
	t.Helper()
	r := f.requests()
	if len(r) == 0 {
		t.Fatal("no request reached Shopify")
	}
	return r[len(r)-1]
}

// testGroup is the stores group of tenants A and B, reaching the fake
// Shopify; tenant A holds tokens for its two shops, B for its one.
func testGroup(t *testing.T, f *fakeShopify) *rpc.Group {
	t.Helper()
	tokens := fakeTokens{tenantA + "/" + shopA: "shpat_a", tenantB + "/" + shopB: "shpat_b"}
	cfg := Config{BaseURL: f.srv.URL, Tries: 3, RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond}
	return New(testStorage, tokens, cfg, shopify.NewThrottle(nil), discard)
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRequestReachesTheShopWithItsToken(t *testing.T) {
	f := newFakeShopify(t)
	g := testGroup(t, f)
	if _, err := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: "  Alpha.MyShopify.com "}); err != nil {
		t.Fatal(err)
	}
	got := f.last(t)
	want := shopifyRequest{Path: "/admin/api/" + shopify.DefaultAPIVersion + "/graphql.json", Shop: shopA, Token: "shpat_a",
		Query: pagesQuery.text, Variables: map[string]any{"first": float64(50)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
}

// The query sent to Shopify holds exactly the requested field groups.
func TestProductsQueryHoldsOnlyRequestedGroups(t *testing.T) {
	groupFields := map[string][]string{
		"core":         {"title", "status", "vendor", "productType", "tags", "createdAt", "updatedAt"},
		"content":      {"descriptionHtml", "templateSuffix"},
		"seo":          {"seo {"},
		"options":      {"options {"},
		"media":        {"media(", "mediaContentType"},
		"metafields":   {"metafields("},
		"publications": {"resourcePublications("},
		"v.conn":       {"variants("},
		"v.core":       {"sku", "barcode", "selectedOptions"},
		"v.pricing":    {"price", "compareAtPrice", "taxable"},
		"v.inventory":  {"inventoryQuantity"},
	}
	cases := []struct {
		name   string
		config *ProductSyncConfig
		want   []string // groups whose fields are in the query
	}{
		{"no config: everything", nil, []string{"core", "content", "seo", "options", "media", "metafields", "publications", "v.conn", "v.core", "v.pricing", "v.inventory"}},
		{"empty config: all product groups, variants without inventory", &ProductSyncConfig{},
			[]string{"core", "content", "seo", "options", "media", "metafields", "publications", "v.conn", "v.core", "v.pricing"}},
		{"core only, no variants", &ProductSyncConfig{ProductFields: &[]string{"core"}, SyncVariants: ptr(false)}, []string{"core"}},
		{"no product groups: id and handle", &ProductSyncConfig{ProductFields: &[]string{}, SyncVariants: ptr(false)}, nil},
		{"media and pricing", &ProductSyncConfig{ProductFields: &[]string{"Media"}, VariantFields: &[]string{"pricing"}},
			[]string{"media", "v.conn", "v.pricing"}},
		{"inventory opt-in", &ProductSyncConfig{ProductFields: &[]string{"metafields"}, InventoryOptions: &[]string{"quantity"}},
			[]string{"metafields", "v.conn", "v.core", "v.pricing", "v.inventory"}},
		{"inventory only", &ProductSyncConfig{ProductFields: &[]string{}, VariantFields: &[]string{"inventory"}, InventoryOptions: &[]string{"quantity"}},
			[]string{"v.conn", "v.inventory"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeShopify(t)
			g := testGroup(t, f)
			res, rerr := call[ProductList](t, g, reader(tenantA), OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA}, Config: c.config})
			if rerr != nil {
				t.Fatal(rerr)
			}
			productPart, variantPart := splitVariants(f.last(t).Query)
			if !strings.Contains(productPart, "nodes { id handle") {
				t.Errorf("query lacks id handle: %s", productPart)
			}
			for grp, fields := range groupFields {
				wanted := false
				for _, w := range c.want {
					wanted = wanted || w == grp
				}
				part := productPart
				if strings.HasPrefix(grp, "v.") {
					part = variantPart
				}
				for _, fld := range fields {
					if has := containsField(part, fld); has != wanted {
						t.Errorf("group %s field %q in query = %v, want %v\n%s", grp, fld, has, wanted, f.last(t).Query)
					}
				}
			}
			if len(res.Products) == 0 {
				t.Fatal("no products")
			}
		})
	}
}

// splitVariants cuts the variants connection out of a products query: the
// product's own selection, and the variants'.
func splitVariants(q string) (product, variants string) {
	i := strings.Index(q, "variants(")
	if i < 0 {
		return q, ""
	}
	depth, j := 0, i
	for ; j < len(q); j++ {
		if q[j] == '{' {
			depth++
		}
		if q[j] == '}' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	return q[:i] + q[j+1:], q[i : j+1]
}

// containsField reports whether a scalar or object field name occurs as a
// whole word in the query ("price" is not "compareAtPrice").
func containsField(q, field string) bool {
	for _, tok := range strings.FieldsFunc(q, func(r rune) bool { return r == ' ' || r == '}' }) {
		if tok == strings.TrimSpace(field) || (strings.ContainsAny(field, "({") && strings.HasPrefix(tok, strings.TrimRight(field, " {("))) {
			if strings.HasSuffix(field, "(") && !strings.Contains(tok, "(") {
				continue
			}
			return true
		}
	}
	return false
}

// A page is sized so the query's requested cost fits Shopify's limit.
func TestPageSizeFitsTheQueryCostLimit(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  *ProductSyncConfig
	}{
		{"everything", nil},
		{"core", &ProductSyncConfig{ProductFields: &[]string{"core"}, SyncVariants: ptr(false)}},
	} {
		q := productsQuery(mustSelection(t, c.cfg))
		for _, limit := range []int{1, 50, 250} {
			first := q.pageSize(limit)
			if first < 1 || first > limit || q.cost(first) > MaxQueryCost {
				t.Errorf("%s, limit %d: first %d costs %d", c.name, limit, first, q.cost(first))
			}
		}
	}
	if got := productsQuery(mustSelection(t, &ProductSyncConfig{ProductFields: &[]string{"core"}, SyncVariants: ptr(false)})).pageSize(250); got != 250 {
		t.Errorf("a cheap product page of 250 is asked in %d", got)
	}
}

func mustSelection(t *testing.T, c *ProductSyncConfig) fieldSelection {
	t.Helper()
	s, err := c.selection()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Unrequested groups are null in the answer even if Shopify sent them.
func TestUnrequestedGroupsAreNull(t *testing.T) {
	f := newFakeShopify(t)
	f.answer = func(w http.ResponseWriter, _ shopifyRequest) {
		_, _ = io.WriteString(w, `{"data":{"products":{"nodes":[{"id":"gid://shopify/Product/1","handle":"a","title":"A","status":"ACTIVE","vendor":"V","productType":"T","tags":[],"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-02T00:00:00Z"}],"pageInfo":{"hasNextPage":false,"endCursor":"c"}}}}`)
	}
	g := testGroup(t, f)
	res, rerr := call[map[string]any](t, g, reader(tenantA), OpListProducts,
		ListProductsArgs{ListArgs: ListArgs{Shop: shopA}, Config: &ProductSyncConfig{ProductFields: &[]string{"core"}, SyncVariants: ptr(false)}})
	if rerr != nil {
		t.Fatal(rerr)
	}
	want := map[string]any{
		"products": []any{map[string]any{
			"id": "gid://shopify/Product/1", "handle": "a", "title": "A", "status": "ACTIVE", "vendor": "V", "productType": "T",
			"tags": []any{}, "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-01-02T00:00:00Z",
			"descriptionHtml": nil, "templateSuffix": nil, "seo": nil, "options": nil, "variants": nil, "media": nil,
			"metafields": nil, "publications": nil,
		}},
		"pageInfo": map[string]any{"hasNextPage": false, "cursor": "c"},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestUpdatedSinceCursorAndFilters(t *testing.T) {
	f := newFakeShopify(t)
	g := testGroup(t, f)
	res, rerr := call[ArticleList](t, g, reader(tenantA), OpListArticles, ListArticlesArgs{
		ListArgs: ListArgs{Shop: shopA, Cursor: ptr("eyJsYXN0X2lkIjoxfQ=="), Limit: ptr(2), UpdatedSince: ptr("2025-01-02T03:04:05+02:00")},
		BlogID:   ptr("gid://shopify/Blog/7000000008292"),
	})
	if rerr != nil {
		t.Fatal(rerr)
	}
	want := map[string]any{"first": float64(2), "after": "eyJsYXN0X2lkIjoxfQ==",
		"query": "blog_id:7000000008292 AND updated_at:>'2025-01-02T01:04:05Z'"}
	if diff := cmp.Diff(want, f.last(t).Variables); diff != "" {
		t.Errorf("variables (-want +got):\n%s", diff)
	}
	// Shopify's endCursor is the cursor, as it is.
	wantPI := PageInfo{HasNextPage: true, Cursor: ptr("eyJsYXN0X2lkIjo3MDAwMDAwMDA4Mjk3LCJsYXN0X3ZhbHVlIjoiMDAwMDAwMDcwMDAwMDAwMDgyOTcifQ==")}
	if diff := cmp.Diff(wantPI, res.PageInfo); diff != "" {
		t.Errorf("pageInfo (-want +got):\n%s", diff)
	}

	if _, rerr := call[MetaobjectList](t, g, reader(tenantA), OpListMetaobjects,
		ListMetaobjectsArgs{ListArgs: ListArgs{Shop: shopA}, Type: "designer"}); rerr != nil {
		t.Fatal(rerr)
	}
	if diff := cmp.Diff(map[string]any{"first": float64(50), "type": "designer"}, f.last(t).Variables); diff != "" {
		t.Errorf("metaobjects variables (-want +got):\n%s", diff)
	}
	if _, rerr := call[MetafieldDefinitionList](t, g, reader(tenantA), OpListMetafieldDefinitions,
		ListMetafieldDefinitionsArgs{PageArgs: PageArgs{Shop: shopA, Limit: ptr(250)}, OwnerType: "product"}); rerr != nil {
		t.Fatal(rerr)
	}
	if diff := cmp.Diff(map[string]any{"first": float64(250), "ownerType": "PRODUCT"}, f.last(t).Variables); diff != "" {
		t.Errorf("metafield definitions variables (-want +got):\n%s", diff)
	}
}

// Bad input is a VALIDATION_ERROR and reaches neither the table nor Shopify.
func TestValidationErrors(t *testing.T) {
	cases := []struct {
		name string
		op   string
		args any
		msg  string
	}{
		{"bad domain", OpListPages, ListArgs{Shop: "alpha.example.com"}, `"alpha.example.com" is not a *.myshopify.com shop domain`},
		{"empty shop", OpListPages, ListArgs{}, `"" is not a *.myshopify.com shop domain`},
		{"limit 0", OpListPages, ListArgs{Shop: shopA, Limit: ptr(0)}, "limit must be between 1 and 250, got 0"},
		{"limit 251", OpListFiles, ListArgs{Shop: shopA, Limit: ptr(251)}, "limit must be between 1 and 250, got 251"},
		{"negative limit", OpListMenus, PageArgs{Shop: shopA, Limit: ptr(-1)}, "limit must be between 1 and 250, got -1"},
		{"updatedSince not RFC 3339", OpListCollections, ListCollectionsArgs{ListArgs: ListArgs{Shop: shopA, UpdatedSince: ptr("2025-01-02")}},
			`updatedSince "2025-01-02" is not an RFC 3339 time such as 2025-01-02T03:04:05Z`},
		{"updatedSince injection", OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA, UpdatedSince: ptr("2025-01-02T00:00:00Z' OR status:'active")}},
			`updatedSince "2025-01-02T00:00:00Z' OR status:'active" is not an RFC 3339 time such as 2025-01-02T03:04:05Z`},
		{"cursor with quotes", OpListPages, ListArgs{Shop: shopA, Cursor: ptr(`abc" }`)}, "cursor is not a cursor this API returned"},
		{"cursor too long", OpListPages, ListArgs{Shop: shopA, Cursor: ptr(strings.Repeat("a", 1025))}, "cursor is not a cursor this API returned"},
		{"unknown product group", OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA}, Config: &ProductSyncConfig{ProductFields: &[]string{"core", "colour"}}},
			`productFields: unknown group "colour" (valid: core, content, seo, options, media, metafields, publications)`},
		{"unknown variant group", OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA}, Config: &ProductSyncConfig{VariantFields: &[]string{"weight"}}},
			`variantFields: unknown group "weight" (valid: core, pricing, inventory)`},
		{"inventory without options", OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA}, Config: &ProductSyncConfig{VariantFields: &[]string{"inventory"}}},
			`variantFields "inventory" needs inventoryOptions (e.g. ["quantity"]): inventory is read only when asked for`},
		{"options without inventory group", OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA}, Config: &ProductSyncConfig{VariantFields: &[]string{"core"}, InventoryOptions: &[]string{"quantity"}}},
			`inventoryOptions need "inventory" in variantFields`},
		{"inventory without variants", OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA}, Config: &ProductSyncConfig{SyncVariants: ptr(false), InventoryOptions: &[]string{"quantity"}}},
			"inventoryOptions need syncVariants"},
		{"unknown inventory option", OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA}, Config: &ProductSyncConfig{InventoryOptions: &[]string{"locations"}}},
			`inventoryOptions: unknown group "locations" (valid: quantity)`},
		{"bad blogId", OpListArticles, ListArticlesArgs{ListArgs: ListArgs{Shop: shopA}, BlogID: ptr("gid://shopify/Page/1")},
			`blogId "gid://shopify/Page/1" is not a Blog id such as gid://shopify/Blog/123`},
		{"bad metaobject type", OpListMetaobjects, ListMetaobjectsArgs{ListArgs: ListArgs{Shop: shopA}, Type: `look" book`},
			`type "look\" book" is not a metaobject type such as lookbook`},
		{"missing metaobject type", OpListMetaobjects, ListMetaobjectsArgs{ListArgs: ListArgs{Shop: shopA}}, `type "" is not a metaobject type such as lookbook`},
		{"bad owner type", OpListMetafieldDefinitions, ListMetafieldDefinitionsArgs{PageArgs: PageArgs{Shop: shopA}, OwnerType: "WIDGET"},
			`ownerType "WIDGET" is not a Shopify MetafieldOwnerType such as PRODUCT or COLLECTION`},
		{"malformed arguments", OpListPages, map[string]any{"shop": 5}, "malformed arguments"},
	}
	f := newFakeShopify(t)
	g := testGroup(t, f)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, rerr := call[map[string]any](t, g, reader(tenantA), c.op, c.args)
			want := &rpc.Error{Code: "VALIDATION_ERROR", Message: c.msg}
			if diff := cmp.Diff(want, rerr); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("%d requests reached Shopify", n)
	}
}

// A shop of another tenant is NOT_FOUND exactly like a shop nobody has:
// the answer reveals nothing, and nothing reaches Shopify.
func TestShopOutsideTheGroupIsNotFound(t *testing.T) {
	f := newFakeShopify(t)
	g := testGroup(t, f)
	_, other := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: shopB})
	_, nobody := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: "nobody.myshopify.com"})
	_, noGroup := call[PageList](t, g, reader("tenant-without-group"), OpListPages, ListArgs{Shop: shopA})
	for name, got := range map[string]*rpc.Error{"other tenant's": other, "unknown": nobody, "tenant without group": noGroup} {
		if got == nil || got.Code != "NOT_FOUND" || !strings.HasSuffix(got.Message, "not found in your store group") {
			t.Errorf("%s shop: %+v, want NOT_FOUND", name, got)
		}
	}
	if strings.ReplaceAll(other.Message, shopB, "X") != strings.ReplaceAll(nobody.Message, "nobody.myshopify.com", "X") {
		t.Errorf("another tenant's shop answers differently from an unknown one: %q vs %q", other.Message, nobody.Message)
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("%d requests reached Shopify", n)
	}
	// Tenant B reads its own shop with its own token.
	if _, rerr := call[PageList](t, g, reader(tenantB), OpListPages, ListArgs{Shop: shopB}); rerr != nil {
		t.Fatal(rerr)
	}
	if got := f.last(t); got.Shop != shopB || got.Token != "shpat_b" {
		t.Errorf("tenant B's request went to %s with %s", got.Shop, got.Token)
	}
}

func TestScopeRequired(t *testing.T) {
	f := newFakeShopify(t)
	g := testGroup(t, f)
	noScope := auth.Identity{TenantID: tenantA, Principal: "key_2", Scopes: []auth.Scope{auth.ScopeConfigRead, auth.ScopeStoresWrite}}
	for _, op := range []string{OpListProducts, OpListCollections, OpListPages, OpListBlogs, OpListArticles, OpListMenus,
		OpListDiscounts, OpListMetaobjectDefinitions, OpListMetaobjects, OpListMetafieldDefinitions, OpListFiles} {
		_, rerr := call[map[string]any](t, g, noScope, op, map[string]any{"shop": "not a shop", "limit": 0})
		if diff := cmp.Diff(&rpc.Error{Code: "FORBIDDEN", Message: "missing scope stores:read"}, rerr); diff != "" {
			t.Errorf("%s (-want +got):\n%s", op, diff)
		}
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("%d requests reached Shopify", n)
	}
}

// Shopify failing is a classified error naming the store, never Shopify's
// or Flux's internal text.
func TestShopifyFailures(t *testing.T) {
	cases := []struct {
		name      string
		answer    func(w http.ResponseWriter)
		wantCalls int32
		want      rpc.Error
	}{
		{"5xx after every try", func(w http.ResponseWriter) {
			http.Error(w, `{"errors":"Internal Server Error: db-7 pool exhausted"}`, http.StatusServiceUnavailable)
		}, 3, rpc.Error{Code: "SERVICE_UNAVAILABLE", Message: "Shopify store alpha.myshopify.com is unavailable; try again later"}},
		{"429 after every try", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0.001")
			http.Error(w, `{"errors":"Exceeded 2 calls per second"}`, http.StatusTooManyRequests)
		}, 3, rpc.Error{Code: "RATE_LIMITED", Message: "Shopify is rate limiting requests to alpha.myshopify.com; try again later"}},
		{"token rejected", func(w http.ResponseWriter) {
			http.Error(w, `{"errors":"[API] Invalid API key or access token"}`, http.StatusUnauthorized)
		}, 1, rpc.Error{Code: "FORBIDDEN", Message: "Shopify rejected Flux's access token for alpha.myshopify.com; the store must be reconnected"}},
		{"GraphQL error", func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, `{"errors":[{"message":"Field 'bodyHtml' doesn't exist on type 'Page'","extensions":{"code":"undefinedField"}}]}`)
		}, 1, rpc.Error{Code: "SERVICE_UNAVAILABLE", Message: "Shopify store alpha.myshopify.com could not answer listPages; try again later"}},
		{"access denied", func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, `{"data":null,"errors":[{"message":"Access denied for pages field.","extensions":{"code":"ACCESS_DENIED"}}]}`)
		}, 1, rpc.Error{Code: "FORBIDDEN", Message: "Flux's access to alpha.myshopify.com does not cover this data; the store must grant the missing scope"}},
		{"answer that does not decode", func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, `{"data":{"pages":{"nodes":"nope"}}}`)
		}, 1, rpc.Error{Code: "SERVICE_UNAVAILABLE", Message: "Shopify store alpha.myshopify.com could not answer listPages; try again later"}},
		{"answer without the field", func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, `{"data":{}}`)
		}, 1, rpc.Error{Code: "SERVICE_UNAVAILABLE", Message: "Shopify store alpha.myshopify.com could not answer listPages; try again later"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeShopify(t)
			f.answer = func(w http.ResponseWriter, _ shopifyRequest) { c.answer(w) }
			g := testGroup(t, f)
			_, rerr := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: shopA})
			if diff := cmp.Diff(&c.want, rerr); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if got := f.calls.Load(); got != c.wantCalls {
				t.Errorf("Shopify saw %d requests, want %d", got, c.wantCalls)
			}
		})
	}
}

// A 5xx that clears up within the tries is invisible to the caller.
func TestTransientShopifyFailureIsRetried(t *testing.T) {
	f := newFakeShopify(t)
	f.answer = func(w http.ResponseWriter, req shopifyRequest) {
		if f.calls.Load() < 3 {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		serveTestdata(t, w, req)
	}
	g := testGroup(t, f)
	res, rerr := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: shopA})
	if rerr != nil || len(res.Pages) == 0 {
		t.Fatalf("%+v %+v", res, rerr)
	}
}

func TestStoreWithoutTokenIsNotConnected(t *testing.T) {
	f := newFakeShopify(t)
	g := testGroup(t, f)
	_, rerr := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: shopA2})
	want := &rpc.Error{Code: "SERVICE_UNAVAILABLE", Message: "store alpha-prod.myshopify.com is not connected to Flux (no Shopify access token); install the app on it"}
	if diff := cmp.Diff(want, rerr); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	g = New(testStorage, NotConnected{}, Config{BaseURL: f.srv.URL}, nil, discard)
	_, rerr = call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: shopA})
	if rerr == nil || rerr.Code != "SERVICE_UNAVAILABLE" || !strings.Contains(rerr.Message, "not connected") {
		t.Errorf("NotConnected: %+v", rerr)
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("%d requests reached Shopify", n)
	}
}

// A failing store group lookup is internal (logged, not shown).
func TestStorageFailureIsInternal(t *testing.T) {
	g := New(failingStorage{}, fakeTokens{}, Config{}, nil, discard)
	_, rerr := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: shopA})
	if diff := cmp.Diff(&rpc.Error{Code: "INTERNAL_ERROR", Message: "internal error"}, rerr); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// When a page's query can ask Shopify for fewer nodes than the limit, the
// page is filled with further requests from the last cursor.
func TestCostlyPageIsFilledFromTheCursor(t *testing.T) {
	f := newFakeShopify(t)
	var n atomic.Int32
	f.answer = func(w http.ResponseWriter, req shopifyRequest) {
		first := int(req.Variables["first"].(float64))
		var nodes []string
		for range first {
			nodes = append(nodes, `{"id":"gid://shopify/Product/`+string(rune('0'+n.Add(1)%10))+`","handle":"h"}`)
		}
		end := "c" + string(rune('0'+f.calls.Load()))
		_, _ = io.WriteString(w, `{"data":{"products":{"nodes":[`+strings.Join(nodes, ",")+`],"pageInfo":{"hasNextPage":true,"endCursor":"`+end+`"}}},`+
			`"extensions":{"cost":{"requestedQueryCost":900,"actualQueryCost":40,"throttleStatus":{"maximumAvailable":2000,"currentlyAvailable":1960,"restoreRate":100}}}}`)
	}
	g := testGroup(t, f)
	res, rerr := call[ProductList](t, g, reader(tenantA), OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA, Limit: ptr(7)}})
	if rerr != nil {
		t.Fatal(rerr)
	}
	reqs := f.requests()
	per := productsQuery(allFields).pageSize(250)
	if len(res.Products) != 7 || len(reqs) != (7+per-1)/per {
		t.Fatalf("%d products in %d requests (page of %d)", len(res.Products), len(reqs), per)
	}
	if _, ok := reqs[0].Variables["after"]; ok {
		t.Errorf("first request has a cursor")
	}
	for i := 1; i < len(reqs); i++ {
		if got, want := reqs[i].Variables["after"], "c"+string(rune('0'+i)); got != want {
			t.Errorf("request %d after = %v, want %s", i, got, want)
		}
	}
	if last := reqs[len(reqs)-1].Variables["first"].(float64); int(last) != 7-per*(len(reqs)-1) {
		t.Errorf("last request asks for %v", last)
	}
	if !res.PageInfo.HasNextPage || *res.PageInfo.Cursor != "c"+string(rune('0'+len(reqs))) {
		t.Errorf("pageInfo = %+v", res.PageInfo)
	}
}

// Without budget for the next request, the page ends early, with the
// cursor to go on from.
func TestPageEndsEarlyRatherThanWait(t *testing.T) {
	f := newFakeShopify(t)
	f.answer = func(w http.ResponseWriter, req shopifyRequest) {
		_, _ = io.WriteString(w, `{"data":{"products":{"nodes":[{"id":"gid://shopify/Product/1","handle":"a"}],"pageInfo":{"hasNextPage":true,"endCursor":"c1"}}},`+
			`"extensions":{"cost":{"requestedQueryCost":900,"actualQueryCost":900,"throttleStatus":{"maximumAvailable":1000,"currentlyAvailable":100,"restoreRate":50}}}}`)
	}
	g := testGroup(t, f)
	res, rerr := call[ProductList](t, g, reader(tenantA), OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA, Limit: ptr(50)}})
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(res.Products) != 1 || f.calls.Load() != 1 || !res.PageInfo.HasNextPage || *res.PageInfo.Cursor != "c1" {
		t.Errorf("%d products, %d requests, pageInfo %+v", len(res.Products), f.calls.Load(), res.PageInfo)
	}
}

type failingStorage struct{}

func (failingStorage) StoreGroup(context.Context, string) (config.StoreGroup, error) {
	return config.StoreGroup{}, errors.New("dynamodb: connection reset")
}

func TestLoadConfig(t *testing.T) {
	cases := []struct {
		env     map[string]string
		want    Config
		wantErr string
	}{
		{map[string]string{}, Config{APIVersion: shopify.DefaultAPIVersion, Tries: DefaultTries}, ""},
		{map[string]string{"SHOPIFY_API_VERSION": "2026-07", "SHOPIFY_BASE_URL": "http://127.0.0.1:9999/", "SHOPIFY_TRIES": "5"},
			Config{APIVersion: "2026-07", BaseURL: "http://127.0.0.1:9999", Tries: 5}, ""},
		{map[string]string{"SHOPIFY_API_VERSION": "2026-08"}, Config{}, "Shopify releases versions only"},
		{map[string]string{"SHOPIFY_BASE_URL": "ftp://x"}, Config{}, "SHOPIFY_BASE_URL must be an http(s) URL"},
		{map[string]string{"SHOPIFY_TRIES": "0"}, Config{}, "SHOPIFY_TRIES must be between 1 and 10"},
		{map[string]string{"SHOPIFY_TRIES": "x"}, Config{}, "SHOPIFY_TRIES must be an integer"},
	}
	for _, c := range cases {
		got, err := LoadConfig(platform.EnvFrom(c.env))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: err = %v, want %q", c.env, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.env, err)
		}
		if diff := cmp.Diff(c.want, got, cmpopts.IgnoreUnexported(Config{})); diff != "" {
			t.Errorf("%v (-want +got):\n%s", c.env, diff)
		}
	}
}

// A failure while filling a page keeps what was read: the caller gets
// those items and the cursor after them.
func TestFailureWhileFillingKeepsThePage(t *testing.T) {
	f := newFakeShopify(t)
	f.answer = func(w http.ResponseWriter, req shopifyRequest) {
		if f.calls.Load() > 1 {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		first := int(req.Variables["first"].(float64))
		nodes := make([]string, first)
		for i := range nodes {
			nodes[i] = `{"id":"gid://shopify/Product/1","handle":"h"}`
		}
		_, _ = io.WriteString(w, `{"data":{"products":{"nodes":[`+strings.Join(nodes, ",")+`],"pageInfo":{"hasNextPage":true,"endCursor":"c1"}}}}`)
	}
	g := testGroup(t, f)
	res, rerr := call[ProductList](t, g, reader(tenantA), OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: shopA, Limit: ptr(50)}})
	if rerr != nil {
		t.Fatal(rerr)
	}
	per := productsQuery(allFields).pageSize(50)
	if len(res.Products) != per || !res.PageInfo.HasNextPage || *res.PageInfo.Cursor != "c1" || f.calls.Load() != 1+3 {
		t.Errorf("%d products (want %d), pageInfo %+v, %d requests", len(res.Products), per, res.PageInfo, f.calls.Load())
	}
}

// A Shopify that does not answer is reported, naming the store, before the
// function's own deadline.
func TestSlowShopifyAnswersBeforeTheDeadline(t *testing.T) {
	f := newFakeShopify(t)
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) }) // before the server closes
	f.answer = func(w http.ResponseWriter, req shopifyRequest) {
		<-hang
		serveTestdata(t, w, req)
	}
	g := testGroup(t, f)
	ctx, cancel := context.WithTimeout(t.Context(), deadlineMargin+300*time.Millisecond)
	defer cancel()
	raw, _ := json.Marshal(ListArgs{Shop: shopA})
	start := time.Now()
	resp, err := g.Handle(ctx, rpc.Request{Group: GroupName, Operation: OpListPages, Identity: reader(tenantA), Arguments: raw})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > deadlineMargin {
		t.Errorf("answered after %v", took)
	}
	if ctx.Err() != nil {
		t.Error("answered after the deadline")
	}
	if resp.Error == nil || resp.Error.Code != "SERVICE_UNAVAILABLE" || !strings.Contains(resp.Error.Message, shopA) {
		t.Errorf("error %+v", resp.Error)
	}
}
