package emulator

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestAuthVersionsAndShopResolution(t *testing.T) {
	e := newEnv(t, Options{})
	q := []byte(`{"query":"{ shop { myshopifyDomain } }"}`)
	tests := []struct {
		name       string
		path       string
		headers    map[string]string
		wantStatus int
		wantShop   string
		wantBody   string
	}{
		{"token picks its shop", "/admin/api/2026-10/graphql.json", map[string]string{"X-Shopify-Access-Token": SecondToken}, 200, SecondShop, ""},
		{"host header", "/admin/api/2026-10/graphql.json", map[string]string{"Host": "demo-production.myshopify.com", "X-Shopify-Access-Token": ProductionToken}, 200, ProductionShop, ""},
		{"shop header", "/admin/api/2026-10/graphql.json", map[string]string{"X-Shopify-Shop-Domain": ProductionShop, "X-Shopify-Access-Token": ProductionToken}, 200, ProductionShop, ""},
		{"path prefix", "/store/second-source/admin/api/2026-10/graphql.json", map[string]string{"X-Shopify-Access-Token": SecondToken}, 200, SecondShop, ""},
		{"another shop's token", "/admin/api/2026-10/graphql.json", map[string]string{"X-Shopify-Shop-Domain": SourceShop, "X-Shopify-Access-Token": SecondToken}, 401, "", invalidTokenBody},
		{"no token", "/admin/api/2026-10/graphql.json", nil, 401, "", invalidTokenBody},
		{"bad token", "/admin/api/2026-10/graphql.json", map[string]string{"X-Shopify-Access-Token": "shpat_nope"}, 401, "", invalidTokenBody},
		{"unsupported version", "/admin/api/2019-04/graphql.json", map[string]string{"X-Shopify-Access-Token": SourceToken}, 404, "", `{"errors":"Not Found"}`},
		{"unknown shop", "/admin/api/2026-10/graphql.json", map[string]string{"Host": "nope.myshopify.com", "X-Shopify-Access-Token": SourceToken}, 404, "", `{"errors":"Not Found"}`},
		{"unstable", "/admin/api/unstable/graphql.json", map[string]string{"X-Shopify-Access-Token": SourceToken}, 200, SourceShop, ""},
		{"no version: the oldest supported", "/admin/api/graphql.json", map[string]string{"X-Shopify-Access-Token": SourceToken}, 200, SourceShop, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(http.MethodPost, tt.path, tt.headers, q)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantBody != "" {
				if diff := cmp.Diff(tt.wantBody, strings.TrimSpace(string(body))); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
			if tt.wantShop != "" && !strings.Contains(string(body), `"myshopifyDomain":"`+tt.wantShop+`"`) {
				t.Errorf("body %s does not name %s", body, tt.wantShop)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, Options{})
	h := map[string]string{"X-Shopify-Access-Token": SourceToken}
	for _, body := range []string{"", "{", `{"query":""}`, `[1,2]`} {
		resp, b := e.do(http.MethodPost, "/admin/api/2026-10/graphql.json", h, []byte(body))
		if resp.StatusCode != 400 || !strings.Contains(string(b), "Required parameter missing or invalid") {
			t.Errorf("body %q: status %d %s", body, resp.StatusCode, b)
		}
	}
	r := e.gql(SourceToken, `{ products { edges { node { id } } } }`, nil)
	if len(r.Errors) == 0 || !strings.Contains(fmt.Sprint(r.Errors), "first or last") {
		t.Errorf("connection without first/last: %s", r.Raw)
	}
	r = e.gql(SourceToken, `{ products(first: 251) { edges { node { id } } } }`, nil)
	if len(r.Errors) == 0 {
		t.Errorf("first: 251 accepted: %s", r.Raw)
	}
	r = e.gql(SourceToken, `{ products(first: 5, after: "garbage") { edges { node { id } } } }`, nil)
	if len(r.Errors) == 0 || !strings.Contains(fmt.Sprint(r.Errors), "Invalid cursor") {
		t.Errorf("bad cursor: %s", r.Raw)
	}
	r = e.gql(SourceToken, `{ nope }`, nil)
	if len(r.Errors) == 0 || r.Extensions.Cost.ThrottleStatus == nil {
		t.Errorf("invalid field: %s", r.Raw)
	}
}

const productPage = `query($first: Int, $after: String, $last: Int, $before: String, $q: String, $reverse: Boolean) {
  products(first: $first, after: $after, last: $last, before: $before, query: $q, reverse: $reverse) {
    edges { cursor node { id handle updatedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`

// walk pages through products with vars; forward uses first/after, else last/before.
func walk(t *testing.T, e *env, token string, forward bool, size int, extra map[string]any) []string {
	t.Helper()
	var ids []string
	var cursor any
	for page := 0; page < 1000; page++ {
		vars := map[string]any{}
		for k, v := range extra {
			vars[k] = v
		}
		if forward {
			vars["first"], vars["after"] = size, cursor
		} else {
			vars["last"], vars["before"] = size, cursor
		}
		d := e.gql(token, productPage, vars).mustData(t)
		edges, _ := get(d, "products", "edges").([]any)
		var pageIDs []string
		for _, ed := range edges {
			pageIDs = append(pageIDs, str(ed, "node", "id"))
		}
		if forward {
			ids = append(ids, pageIDs...)
		} else {
			ids = append(pageIDs, ids...)
		}
		more := get(d, "products", "pageInfo", "hasNextPage")
		cursor = get(d, "products", "pageInfo", "endCursor")
		if !forward {
			more = get(d, "products", "pageInfo", "hasPreviousPage")
			cursor = get(d, "products", "pageInfo", "startCursor")
		}
		if more != true {
			return ids
		}
		e.clock.Advance(time.Minute) // keep the bucket full
	}
	t.Fatal("pagination did not end")
	return nil
}

func TestPaginationWalksEveryProductOnce(t *testing.T) {
	e := newEnv(t, Options{})
	sh := e.srv.shop(SourceShop)
	var want []string
	for _, p := range sh.products {
		want = append(want, p.gid())
	}
	if len(want) < 500 {
		t.Fatalf("source shop has %d products, want >= 500", len(want))
	}
	for _, tc := range []struct {
		name    string
		forward bool
		size    int
	}{{"first 250", true, 250}, {"first 37", true, 37}, {"last 100", false, 100}} {
		t.Run(tc.name, func(t *testing.T) {
			got := walk(t, e, SourceToken, tc.forward, tc.size, nil)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("walk differs (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("reverse", func(t *testing.T) {
		got := walk(t, e, SourceToken, true, 200, map[string]any{"reverse": true})
		rev := append([]string(nil), want...)
		sort.Sort(sort.Reverse(sort.StringSlice(rev)))
		if diff := cmp.Diff(rev, got); diff != "" {
			t.Errorf("reverse walk differs (-want +got):\n%s", diff)
		}
	})
	t.Run("page info at the edges", func(t *testing.T) {
		d := e.gql(SourceToken, productPage, map[string]any{"first": 3}).mustData(t)
		if get(d, "products", "pageInfo", "hasPreviousPage") != false || get(d, "products", "pageInfo", "hasNextPage") != true {
			t.Errorf("first page info: %v", get(d, "products", "pageInfo"))
		}
		d = e.gql(SourceToken, productPage, map[string]any{"first": 3, "after": get(d, "products", "pageInfo", "endCursor")}).mustData(t)
		if get(d, "products", "pageInfo", "hasPreviousPage") != true {
			t.Errorf("second page info: %v", get(d, "products", "pageInfo"))
		}
	})
}

func TestSearch(t *testing.T) {
	e := newEnv(t, Options{})
	sh := e.srv.shop(SourceShop)
	cut := "2025-01-01T00:00:00Z"
	count := func(f func(p *Product) bool) int {
		n := 0
		for _, p := range sh.products {
			if f(p) {
				n++
			}
		}
		return n
	}
	first := sh.products[0]
	tests := []struct {
		query string
		want  int
	}{
		{"updated_at:>'" + cut + "'", count(func(p *Product) bool { return string(p.UpdatedAt) > cut })},
		{"updated_at:<'" + cut + "'", count(func(p *Product) bool { return string(p.UpdatedAt) < cut })},
		{"updated_at:>=2025-01-01", count(func(p *Product) bool { return string(p.UpdatedAt) >= cut })},
		{"handle:" + first.Handle, 1},
		{"status:draft", count(func(p *Product) bool { return p.Status == "DRAFT" })},
		{"status:active,draft", count(func(p *Product) bool { return p.Status != "ARCHIVED" })},
		{"-status:active", count(func(p *Product) bool { return p.Status != "ACTIVE" })},
		{"title:wallet", count(func(p *Product) bool { return strings.Contains(strings.ToLower(p.Title), "wallet") })},
		{"wallet", count(func(p *Product) bool { return strings.Contains(strings.ToLower(p.Title), "wallet") })},
		{"product_type:Home AND updated_at:>'" + cut + "'", count(func(p *Product) bool { return p.ProductType == "Home" && string(p.UpdatedAt) > cut })},
		{"tag:sale OR tag:eco", count(func(p *Product) bool { return contains(p.Tags, "sale") || contains(p.Tags, "eco") })},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if tt.want == 0 {
				t.Fatalf("test data has no product for %q", tt.query)
			}
			got := walk(t, e, SourceToken, true, 250, map[string]any{"q": tt.query})
			if len(got) != tt.want {
				t.Errorf("%q: %d products, want %d", tt.query, len(got), tt.want)
			}
		})
	}
	// The other objects search by updated_at too.
	for _, conn := range []string{"collections", "pages", "articles", "discountNodes", "files"} {
		t.Run(conn, func(t *testing.T) {
			sel := "updatedAt"
			if conn == "discountNodes" {
				sel = "discount { ... on DiscountCodeBasic { updatedAt } ... on DiscountAutomaticBasic { updatedAt } ... on DiscountCodeFreeShipping { updatedAt } }"
			}
			d := e.gql(SourceToken, fmt.Sprintf(`{ recent: %[1]s(first: 100, query: "updated_at:>'%[2]s'") { nodes { %[3]s } } old: %[1]s(first: 100, query: "updated_at:<='%[2]s'") { nodes { %[3]s } } }`, conn, cut, sel), nil).mustData(t)
			recent, _ := get(d, "recent", "nodes").([]any)
			old, _ := get(d, "old", "nodes").([]any)
			if len(recent) == 0 || len(old) == 0 {
				t.Fatalf("%d recent, %d old", len(recent), len(old))
			}
			for _, n := range recent {
				u := str(n, "updatedAt") + str(n, "discount", "updatedAt")
				if u <= cut {
					t.Errorf("recent node updated %s", u)
				}
			}
			for _, n := range old {
				u := str(n, "updatedAt") + str(n, "discount", "updatedAt")
				if u > cut {
					t.Errorf("old node updated %s", u)
				}
			}
		})
	}
}

func TestObjectsAndNodes(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.gql(SourceToken, `{
	  collections(first: 30) { nodes { id handle title productsCount { count } products(first: 2) { nodes { id } } } }
	  pages(first: 50) { nodes { id handle title body } }
	  blogs(first: 5) { nodes { id handle articles(first: 20) { nodes { id handle blog { handle } } } } }
	  menus(first: 10) { nodes { handle items { title url items { title url } } } }
	}`, nil).mustData(t)
	d2 := e.gql(SourceToken, `{
	  discountNodes(first: 50) { nodes { id discount { __typename ... on DiscountCodeBasic { title codes(first: 1) { nodes { code } } customerGets { value { ... on DiscountPercentage { percentage } ... on DiscountAmount { amount { amount } } } } } ... on DiscountAutomaticBasic { title } ... on DiscountCodeFreeShipping { title } } } }
	  metaobjectDefinitions(first: 10) { nodes { type fieldDefinitions { key type { name } } metaobjectsCount } }
	  metaobjects(type: "lookbook", first: 50) { nodes { id handle displayName fields { key value } } }
	  metafieldDefinitions(ownerType: PRODUCT, first: 50) { nodes { namespace key type { name } } }
	  files(first: 120) { nodes { id ... on MediaImage { image { url } } ... on GenericFile { url } } }
	  themes(first: 2) { nodes { id name role files(first: 20) { nodes { filename body { ... on OnlineStoreThemeFileBodyText { content } } } } } }
	}`, nil).mustData(t)
	for k, v := range d2 {
		d[k] = v
	}
	checks := map[string]int{"collections": 10, "pages": 10, "blogs": 2, "menus": 2, "discountNodes": 10, "metaobjectDefinitions": 3, "metaobjects": 5, "metafieldDefinitions": 5, "files": 100, "themes": 1}
	for k, min := range checks {
		n, _ := get(d, k, "nodes").([]any)
		if len(n) < min {
			t.Errorf("%s: %d nodes, want >= %d", k, len(n), min)
		}
	}
	if str(d, "menus", "nodes", 0, "items", 1, "items", 0, "url") == "" {
		t.Errorf("main menu has no nested items: %v", get(d, "menus", "nodes", 0))
	}
	if str(d, "themes", "nodes", 0, "files", "nodes", 0, "body", "content") == "" {
		t.Errorf("theme file has no content")
	}
	// node and nodes by GID, with the right type; unknown ids are null.
	pid := e.srv.shop(SourceShop).products[3].gid()
	d = e.gql(SourceToken, `query($ids: [ID!]!, $id: ID!) { node(id: $id) { id ... on Product { handle } } nodes(ids: $ids) { id __typename } }`,
		map[string]any{"id": pid, "ids": []string{pid, "gid://shopify/Product/1", str(d, "pages", "nodes", 0, "id")}}).mustData(t)
	if str(d, "node", "id") != pid || str(d, "nodes", 0, "__typename") != "Product" || get(d, "nodes", 1) != nil || str(d, "nodes", 2, "__typename") != "Page" {
		t.Errorf("node/nodes: %v", d)
	}
}

func TestGoldenResponses(t *testing.T) {
	e := newEnv(t, Options{})
	for _, name := range []string{"products_first_2", "collections_pages_menus", "metaobjects_definitions"} {
		t.Run(name, func(t *testing.T) {
			q, err := os.ReadFile(filepath.Join("testdata", name+".graphql"))
			if err != nil {
				t.Fatal(err)
			}
			r := e.gql(SourceToken, string(q), nil)
			r.mustData(t)
			got := indentJSON(t, r.Raw)
			path := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("response differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestVariantInventoryFields(t *testing.T) {
	e := newEnv(t, Options{})
	v := e.srv.shop(SourceShop).products[0].variantList[0]
	d := e.gql(SourceToken, `query($id: ID!) { productVariant(id: $id) { inventoryPolicy inventoryItem { id tracked sku } product { isGiftCard category { id } } } }`,
		map[string]any{"id": v.gid()}).mustData(t)
	if str(d, "productVariant", "inventoryPolicy") != "DENY" || !strings.HasPrefix(str(d, "productVariant", "inventoryItem", "id"), "gid://shopify/InventoryItem/") ||
		str(d, "productVariant", "inventoryItem", "sku") != *v.Sku || get(d, "productVariant", "product", "category") != nil {
		t.Errorf("variant: %v", d)
	}
}

func TestProductsCount(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.gql(SourceToken, `{ all: productsCount { count precision } drafts: productsCount(query: "status:draft") { count } capped: productsCount(limit: 100) { count precision } }`, nil).mustData(t)
	drafts := 0
	for _, p := range e.srv.shop(SourceShop).products {
		if p.Status == "DRAFT" {
			drafts++
		}
	}
	if get(d, "all", "count") != 520.0 || get(d, "drafts", "count") != float64(drafts) || get(d, "capped", "precision") != "AT_LEAST" || get(d, "capped", "count") != 100.0 {
		t.Errorf("productsCount: %v", d)
	}
}

func TestMediaInterfaceFields(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.gql(SourceToken, `{ products(first: 1) { nodes { media(first: 1) { nodes { id alt mediaContentType status mediaErrors { code } mediaWarnings { code } ... on MediaImage { image { url } } } } } }
	  files(first: 1) { nodes { id fileStatus fileErrors { code } } } }`, nil).mustData(t)
	m := get(d, "products", "nodes", 0, "media", "nodes", 0)
	if !strings.HasPrefix(str(m, "id"), "gid://shopify/MediaImage/") || str(m, "mediaContentType") != "IMAGE" || get(m, "mediaErrors") == nil || str(d, "files", "nodes", 0, "fileStatus") != "READY" {
		t.Errorf("media: %v", d)
	}
}

func TestDefinitionAndPriceFields(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.gql(SourceToken, `{
	  products(first: 1) { nodes { priceRangeV2 { minVariantPrice { amount currencyCode } maxVariantPrice { amount } } media(first: 1) { nodes { ... on MediaImage { originalSource { url fileSize } } } } } }
	  metaobjectDefinitions(first: 1) { nodes { access { admin storefront } capabilities { publishable { enabled } translatable { enabled } } fieldDefinitions { validations { name } } } }
	  metaobjects(type: "designer", first: 1) { nodes { capabilities { publishable { status } } } }
	  metafieldDefinitions(ownerType: PRODUCT, first: 1) { nodes { access { admin storefront } capabilities { adminFilterable { enabled eligible } } } }
	}`, nil).mustData(t)
	if str(d, "products", "nodes", 0, "priceRangeV2", "minVariantPrice", "currencyCode") != "USD" ||
		str(d, "products", "nodes", 0, "media", "nodes", 0, "originalSource", "url") == "" ||
		str(d, "metaobjectDefinitions", "nodes", 0, "access", "admin") != "PUBLIC_READ_WRITE" ||
		str(d, "metaobjects", "nodes", 0, "capabilities", "publishable", "status") != "ACTIVE" ||
		get(d, "metafieldDefinitions", "nodes", 0, "capabilities", "adminFilterable", "eligible") != true {
		t.Errorf("fields: %v", d)
	}
}
