package stores

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/shopify"
)

// Integration tests: the stores group against the Shopify emulator
// (infra/shopify-emulator) served in-process, for a tenant whose group holds
// the emulator's demo source and production shops.

const emulatorProducts = 520

type emulatorEnv struct {
	group *rpc.Group
	url   string
}

func newEmulatorEnv(t *testing.T) emulatorEnv {
	t.Helper()
	srv, err := emulator.New(t.Context(), emulator.Options{
		Versions: []string{shopify.DefaultAPIVersion}, SourceProducts: emulatorProducts, Logger: discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	storage := fakeStorage{tenantA: {Name: "demo", Stores: []config.Store{
		{Domain: emulator.SourceShop, Classification: config.Source},
		{Domain: emulator.ProductionShop, Classification: config.Production},
	}}}
	tokens := fakeTokens{
		tenantA + "/" + emulator.SourceShop:     emulator.SourceToken,
		tenantA + "/" + emulator.ProductionShop: emulator.ProductionToken,
	}
	cfg := Config{BaseURL: hs.URL, Tries: 3, RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond}
	return emulatorEnv{group: New(storage, tokens, cfg, shopify.NewThrottle(nil), discard), url: hs.URL}
}

// control calls the emulator's control API.
func (e emulatorEnv) control(t *testing.T, method, path, body string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+"/_emulator/"+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s /_emulator/%s: %d", method, path, resp.StatusCode)
	}
}

func wantIDs[T any](t *testing.T, op string, items []T, idOf func(T) ID, prefixes ...string) {
	t.Helper()
	if len(items) == 0 {
		t.Errorf("%s: no items", op)
	}
	for _, it := range items {
		id := string(idOf(it))
		ok := false
		for _, p := range prefixes {
			ok = ok || strings.HasPrefix(id, "gid://shopify/"+p+"/")
		}
		if !ok {
			t.Errorf("%s: id %q is not a %v GID", op, id, prefixes)
		}
	}
}

func TestEmulatorEveryListQuery(t *testing.T) {
	e := newEmulatorEnv(t)
	id := reader(tenantA)
	shop := emulator.SourceShop
	list := ListArgs{Shop: shop, Limit: ptr(5)}

	products, rerr := call[ProductList](t, e.group, id, OpListProducts, ListProductsArgs{ListArgs: list})
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "products", products.Products, func(p Product) ID { return p.ID }, "Product")
	for _, p := range products.Products {
		if p.Title == nil || p.Variants == nil || len(*p.Variants) == 0 || p.Media == nil || p.Metafields == nil || p.Publications == nil {
			t.Errorf("product %s lacks a group: %+v", p.ID, p)
		}
		for _, v := range *p.Variants {
			if v.Price == nil || v.SKU == nil || v.InventoryQuantity == nil || v.SelectedOptions == nil {
				t.Errorf("variant %s lacks a field: %+v", v.ID, v)
			}
		}
		for _, m := range *p.Media {
			if m.ID == nil || (m.MediaContentType == "IMAGE" && m.Image == nil) {
				t.Errorf("media of %s: %+v", p.ID, m)
			}
		}
	}
	if !products.PageInfo.HasNextPage || products.PageInfo.Cursor == nil {
		t.Errorf("products pageInfo %+v", products.PageInfo)
	}

	collections, rerr := call[CollectionList](t, e.group, id, OpListCollections, ListCollectionsArgs{ListArgs: list, IncludeMetafields: true})
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "collections", collections.Collections, func(c Collection) ID { return c.ID }, "Collection")
	if collections.Collections[0].Metafields == nil {
		t.Error("collections: includeMetafields read no metafields")
	}
	noMeta, rerr := call[CollectionList](t, e.group, id, OpListCollections, ListCollectionsArgs{ListArgs: list})
	if rerr != nil || noMeta.Collections[0].Metafields != nil {
		t.Errorf("collections without includeMetafields: %+v %+v", noMeta.Collections, rerr)
	}

	pages, rerr := call[PageList](t, e.group, id, OpListPages, list)
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "pages", pages.Pages, func(p Page) ID { return p.ID }, "Page")

	blogs, rerr := call[BlogList](t, e.group, id, OpListBlogs, list)
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "blogs", blogs.Blogs, func(b Blog) ID { return b.ID }, "Blog")

	all, rerr := call[ArticleList](t, e.group, id, OpListArticles, ListArticlesArgs{ListArgs: ListArgs{Shop: shop, Limit: ptr(250)}})
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "articles", all.Articles, func(a Article) ID { return a.ID }, "Article")
	blogID := string(blogs.Blogs[0].ID)
	one, rerr := call[ArticleList](t, e.group, id, OpListArticles, ListArticlesArgs{ListArgs: ListArgs{Shop: shop, Limit: ptr(250)}, BlogID: &blogID})
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(one.Articles) == 0 || len(one.Articles) >= len(all.Articles) {
		t.Errorf("blog %s has %d of %d articles", blogID, len(one.Articles), len(all.Articles))
	}
	for _, a := range one.Articles {
		if string(a.BlogID) != blogID {
			t.Errorf("article %s of blog %s listed for %s", a.ID, a.BlogID, blogID)
		}
	}

	menus, rerr := call[MenuList](t, e.group, id, OpListMenus, PageArgs{Shop: shop})
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "menus", menus.Menus, func(m Menu) ID { return m.ID }, "Menu")
	nested := false
	for _, m := range menus.Menus {
		for _, it := range m.Items {
			nested = nested || len(it.Items) > 0
		}
	}
	if !nested {
		t.Error("menus: no nested items")
	}

	discounts, rerr := call[DiscountList](t, e.group, id, OpListDiscounts, ListDiscountsArgs{ListArgs: list, IncludeMetafields: true})
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "discounts", discounts.Discounts, func(d Discount) ID { return d.ID }, "DiscountNode", "DiscountCodeNode", "DiscountAutomaticNode")
	for _, d := range discounts.Discounts {
		if d.Title == "" || d.DiscountType == "" || d.Status == "" {
			t.Errorf("discount %+v", d)
		}
	}

	defs, rerr := call[MetaobjectDefinitionList](t, e.group, id, OpListMetaobjectDefinitions, PageArgs{Shop: shop})
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "metaobject definitions", defs.Definitions, func(d MetaobjectDefinition) ID { return d.ID }, "MetaobjectDefinition")
	for _, d := range defs.Definitions {
		objs, rerr := call[MetaobjectList](t, e.group, id, OpListMetaobjects, ListMetaobjectsArgs{ListArgs: list, Type: d.Type})
		if rerr != nil {
			t.Fatal(rerr)
		}
		wantIDs(t, "metaobjects of "+d.Type, objs.Metaobjects, func(m Metaobject) ID { return m.ID }, "Metaobject")
		for _, m := range objs.Metaobjects {
			if m.Type != d.Type || len(m.Fields) == 0 {
				t.Errorf("metaobject %+v listed for type %s", m, d.Type)
			}
		}
	}

	mdefs, rerr := call[MetafieldDefinitionList](t, e.group, id, OpListMetafieldDefinitions,
		ListMetafieldDefinitionsArgs{PageArgs: PageArgs{Shop: shop}, OwnerType: "PRODUCT"})
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "metafield definitions", mdefs.Definitions, func(d MetafieldDefinition) ID { return d.ID }, "MetafieldDefinition")
	for _, d := range mdefs.Definitions {
		if d.OwnerType != "PRODUCT" || d.Type == "" {
			t.Errorf("metafield definition %+v", d)
		}
	}

	files, rerr := call[FileList](t, e.group, id, OpListFiles, list)
	if rerr != nil {
		t.Fatal(rerr)
	}
	wantIDs(t, "files", files.Files, func(f File) ID { return f.ID }, "MediaImage", "GenericFile", "Video")
	for _, f := range files.Files {
		if f.URL == nil || f.FileType == "" {
			t.Errorf("file %+v", f)
		}
	}

	// The production store is near-empty, not an error.
	prod, rerr := call[ProductList](t, e.group, id, OpListProducts, ListProductsArgs{ListArgs: ListArgs{Shop: emulator.ProductionShop}})
	if rerr != nil {
		t.Fatal(rerr)
	}
	if prod.Products == nil {
		t.Error("production products: null list")
	}
}

// Paging with the cursor visits every product of the demo source store
// exactly once, and the last page says so.
func TestEmulatorPagesThroughProductsOnce(t *testing.T) {
	e := newEmulatorEnv(t)
	seen := map[ID]int{}
	var cursor *string
	pages := 0
	cfg := &ProductSyncConfig{ProductFields: &[]string{"core"}, SyncVariants: ptr(false)}
	for {
		res, rerr := call[ProductList](t, e.group, reader(tenantA), OpListProducts,
			ListProductsArgs{ListArgs: ListArgs{Shop: emulator.SourceShop, Cursor: cursor, Limit: ptr(MaxLimit)}, Config: cfg})
		if rerr != nil {
			t.Fatal(rerr)
		}
		pages++
		for _, p := range res.Products {
			seen[p.ID]++
			if p.Title == nil || p.DescriptionHTML != nil || p.Variants != nil {
				t.Fatalf("product %s: groups beyond core: %+v", p.ID, p)
			}
		}
		if !res.PageInfo.HasNextPage {
			break
		}
		if pages > emulatorProducts {
			t.Fatal("paging does not end")
		}
		cursor = res.PageInfo.Cursor
	}
	if len(seen) != emulatorProducts {
		t.Errorf("saw %d products, want %d", len(seen), emulatorProducts)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("product %s seen %d times", id, n)
		}
	}
	if want := (emulatorProducts + MaxLimit - 1) / MaxLimit; pages != want {
		t.Errorf("%d pages of %d, want %d", pages, MaxLimit, want)
	}
}

// Every group, at Shopify's largest limit: the query stays within the cost
// limit (the emulator refuses more, as Shopify does) and the page is full.
func TestEmulatorCostlyPagesStayWithinTheCostLimit(t *testing.T) {
	e := newEmulatorEnv(t)
	res, rerr := call[ProductList](t, e.group, reader(tenantA), OpListProducts,
		ListProductsArgs{ListArgs: ListArgs{Shop: emulator.SourceShop, Limit: ptr(12)}})
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(res.Products) != 12 || !res.PageInfo.HasNextPage {
		t.Errorf("%d products, pageInfo %+v", len(res.Products), res.PageInfo)
	}
	// The next page starts right after this one.
	next, rerr := call[ProductList](t, e.group, reader(tenantA), OpListProducts,
		ListProductsArgs{ListArgs: ListArgs{Shop: emulator.SourceShop, Limit: ptr(1), Cursor: res.PageInfo.Cursor}})
	if rerr != nil {
		t.Fatal(rerr)
	}
	for _, p := range res.Products {
		if p.ID == next.Products[0].ID {
			t.Errorf("product %s on two pages", p.ID)
		}
	}
}

// updatedSince lists exactly the products updated after the time.
func TestEmulatorUpdatedSince(t *testing.T) {
	e := newEmulatorEnv(t)
	cfg := &ProductSyncConfig{ProductFields: &[]string{"core"}, SyncVariants: ptr(false)}
	const since = "2025-05-01T00:00:00Z"
	want := 0
	var cursor *string
	for {
		res, rerr := call[ProductList](t, e.group, reader(tenantA), OpListProducts,
			ListProductsArgs{ListArgs: ListArgs{Shop: emulator.SourceShop, Cursor: cursor, Limit: ptr(MaxLimit)}, Config: cfg})
		if rerr != nil {
			t.Fatal(rerr)
		}
		for _, p := range res.Products {
			if *p.UpdatedAt > since {
				want++
			}
		}
		if !res.PageInfo.HasNextPage {
			break
		}
		cursor = res.PageInfo.Cursor
	}
	res, rerr := call[ProductList](t, e.group, reader(tenantA), OpListProducts, ListProductsArgs{
		ListArgs: ListArgs{Shop: emulator.SourceShop, Limit: ptr(MaxLimit), UpdatedSince: ptr("2025-05-01T02:00:00+02:00")}, Config: cfg})
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(res.Products) != want || want == 0 || res.PageInfo.HasNextPage {
		t.Errorf("updatedSince listed %d products, want %d", len(res.Products), want)
	}
	for _, p := range res.Products {
		if *p.UpdatedAt <= since {
			t.Errorf("product %s updated %s", p.ID, *p.UpdatedAt)
		}
	}
}

// Injected failures: a transient one is retried away; a lasting one is a
// clear error naming the store.
func TestEmulatorFaults(t *testing.T) {
	e := newEmulatorEnv(t)
	args := ListArgs{Shop: emulator.SourceShop, Limit: ptr(3)}
	for _, kind := range []string{"503", "throttled", "drop", "429"} {
		e.control(t, http.MethodPost, "faults", `{"kind":"`+kind+`","count":1,"retryAfter":0.01,"shop":"`+emulator.SourceShop+`"}`)
		if res, rerr := call[PageList](t, e.group, reader(tenantA), OpListPages, args); rerr != nil || len(res.Pages) != 3 {
			t.Errorf("one %s: %+v %+v", kind, res, rerr)
		}
	}
	e.control(t, http.MethodPost, "faults", `{"kind":"500","count":3,"shop":"`+emulator.SourceShop+`"}`)
	_, rerr := call[PageList](t, e.group, reader(tenantA), OpListPages, args)
	want := rpc.Error{Code: "SERVICE_UNAVAILABLE", Message: "Shopify store demo-source.myshopify.com is unavailable; try again later"}
	if rerr == nil || *rerr != want {
		t.Errorf("lasting 500: %+v, want %+v", rerr, want)
	}
	e.control(t, http.MethodDelete, "faults", "")
	if _, rerr := call[PageList](t, e.group, reader(tenantA), OpListPages, args); rerr != nil {
		t.Errorf("after the faults: %+v", rerr)
	}
}
