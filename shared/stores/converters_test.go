package stores

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nodes reads testdata/<file>.json, a Shopify GraphQL answer, and decodes
// data.<field>.nodes as the group does.
func nodes[S any](t *testing.T, file, field string) []S {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Data map[string]connection[S] `json:"data"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	c, ok := resp.Data[field]
	if !ok || len(c.Nodes) == 0 {
		t.Fatalf("%s: no %s nodes", file, field)
	}
	return c.Nodes
}

func str(s string) *string { return &s }
func i32(n int32) *int32   { return &n }
func id(s string) *ID      { v := ID(s); return &v }

// convertCase is one converter check: the index-th node of a testdata
// answer, converted, against the seed 000 shape it must become.
type convertCase struct {
	name  string
	check func(t *testing.T) (got, want any)
}

func TestConverters(t *testing.T) {
	cases := []convertCase{
		{"product with every group", func(t *testing.T) (any, any) {
			got := productFromShopify(nodes[shopifyProduct](t, "products", "products")[0])
			(*got.Media) = (*got.Media)[:1] // the first image; the video below
			return got, Product{
				ID: "gid://shopify/Product/7000000000015", Handle: "urban-canvas-wallet",
				Title: str("Urban Canvas Wallet"), Status: str("DRAFT"), Vendor: str("Acme Studio"), ProductType: str("Accessories"),
				Tags: &[]string{"gift", "winter", "handmade"}, CreatedAt: str("2025-04-18T11:41:17Z"), UpdatedAt: str("2025-06-07T15:05:53Z"),
				DescriptionHTML: str("<p>The Urban Canvas Wallet is made from canvas by Acme Studio.</p><ul><li>Designed to last</li><li>Ships in 2 days</li></ul>"),
				TemplateSuffix:  str("alternate"), SEO: &SEO{},
				Options: &[]ProductOption{{Name: "Color", Position: 1, Values: []string{"Sand"}}},
				Variants: &[]Variant{{
					ID: "gid://shopify/ProductVariant/7000000000018", Title: str("Sand"), SKU: str("FLX-0001-01"), Barcode: str("0400000000000"),
					Position: i32(1), SelectedOptions: &[]SelectedOption{{Name: "Color", Value: "Sand"}},
					Price: str("140.99"), Taxable: ptr(true), InventoryQuantity: i32(97),
				}},
				Media: &[]Media{{ID: id("gid://shopify/MediaImage/7000000000019"), MediaContentType: "IMAGE", Alt: str("Urban Canvas Wallet, view 1"),
					Image: &Image{URL: "https://cdn.shopify.com/s/files/1/0007/0001/files/urban-canvas-wallet-1.jpg?v=1704067200", Width: i32(2048), Height: i32(2048)}}},
				Metafields: &[]Metafield{
					{Namespace: "custom", Key: "material", Value: "Canvas", Type: "single_line_text_field"},
					{Namespace: "custom", Key: "featured", Value: "false", Type: "boolean"},
					{Namespace: "specs", Key: "weight_grams", Value: "918", Type: "number_integer"},
				},
				Publications: &[]Publication{},
			}
		}},
		{"product video media keeps its id, has no image", func(t *testing.T) (any, any) {
			m := *productFromShopify(nodes[shopifyProduct](t, "products", "products")[0]).Media
			return m[len(m)-1], Media{ID: id("gid://shopify/Video/7000000000099"), MediaContentType: "VIDEO", Alt: str("Urban Canvas Wallet, in use")}
		}},
		{"product publications", func(t *testing.T) (any, any) {
			return *productFromShopify(nodes[shopifyProduct](t, "products", "products")[1]).Publications, []Publication{
				{Name: "Online Store", IsPublished: true}, {Name: "Point of Sale", IsPublished: true}, {Name: "Shop", IsPublished: true},
			}
		}},
		{"product without groups: nulls, not empty lists", func(t *testing.T) (any, any) {
			return productFromShopify(shopifyProduct{ID: "gid://shopify/Product/1", Handle: "h"}), Product{ID: "gid://shopify/Product/1", Handle: "h"}
		}},
		{"collection", func(t *testing.T) (any, any) {
			return collectionFromShopify(nodes[shopifyCollection](t, "collections", "collections")[0]), Collection{
				ID: "gid://shopify/Collection/7000000008231", Handle: "accessories", Title: "Accessories",
				DescriptionHTML: "<p>Accessories from our catalog.</p>", SortOrder: "BEST_SELLING", UpdatedAt: "2025-01-10T11:57:33Z", SEO: &SEO{},
				RuleSet:    &RuleSet{Rules: []CollectionRule{{Column: "TYPE", Relation: "EQUALS", Condition: "Accessories"}}},
				Metafields: &[]Metafield{{Namespace: "custom", Key: "banner_text", Value: "Shop accessories", Type: "single_line_text_field"}},
			}
		}},
		{"page: body is bodyHtml", func(t *testing.T) (any, any) {
			return pageFromShopify(nodes[shopifyPage](t, "pages", "pages")[0]), Page{
				ID: "gid://shopify/Page/7000000008260", Handle: "about-us", Title: "About Us",
				BodyHTML:    "<h2>About Us</h2><p>Small natural design small use from wood we small with goods from and. Everyday goods our work responsible responsible timeless use for everyday style. Our last work everyday materials goods that care use last sustainably recycled.</p>",
				IsPublished: true, PublishedAt: str("2025-04-25T18:54:37Z"), TemplateSuffix: str("contact"), UpdatedAt: "2025-06-10T03:47:20Z",
			}
		}},
		{"blog", func(t *testing.T) (any, any) {
			return blogFromShopify(nodes[shopifyBlog](t, "blogs", "blogs")[0]), Blog{
				ID: "gid://shopify/Blog/7000000008292", Handle: "news", Title: "News", CommentPolicy: "MODERATED", Tags: []string{}, UpdatedAt: "2025-01-14T12:36:36Z",
			}
		}},
		{"article", func(t *testing.T) (any, any) {
			return articleFromShopify(nodes[shopifyArticle](t, "articles", "articles")[0]), Article{
				ID: "gid://shopify/Article/7000000008295", Handle: "why-we-love-canvas", Title: "Why We Love Canvas",
				BodyHTML: "<p>Timeless goods makers sustainably style style with batches wood care wood. In with for sustainably natural from materials made last sustainably and with. And makers that makers style fibres use and for makers. Care small everyday for style sourced from care. That and wood that and responsible goods for.</p>",
				Summary:  str("<p>For and wood wood and responsible makers.</p>"), Tags: []string{"eco", "bestseller", "new"}, Author: str("Mia Park"),
				BlogID: "gid://shopify/Blog/7000000008292", BlogHandle: "news", IsPublished: true, PublishedAt: str("2024-07-11T18:40:36Z"),
				UpdatedAt: "2025-06-13T07:47:58Z",
			}
		}},
		{"menu: items nest, resource ids kept", func(t *testing.T) (any, any) {
			m := menuFromShopify(nodes[shopifyMenu](t, "menus", "menus")[0])
			m.Items = m.Items[:2]
			m.Items[1].Items = m.Items[1].Items[:1]
			return m, Menu{ID: "gid://shopify/Menu/7000000008395", Handle: "main-menu", Title: "Main menu", Items: []MenuItem{
				{Title: "Home", Type: "FRONTPAGE", URL: str("/"), Items: []MenuItem{}},
				{Title: "Catalog", Type: "CATALOG", URL: str("/collections/all"), Items: []MenuItem{
					{Title: "Accessories", Type: "COLLECTION", URL: str("/collections/accessories"), ResourceID: id("gid://shopify/Collection/7000000008231"), Items: []MenuItem{}},
				}},
			}}
		}},
		{"code discount", func(t *testing.T) (any, any) {
			return discountFromShopify(nodes[shopifyDiscountNode](t, "discounts", "discountNodes")[0]), Discount{
				ID: "gid://shopify/DiscountNode/7000000008420", DiscountType: "DiscountCodeBasic", Title: "Welcome 10%",
				Summary: "10% off entire order", Status: "ACTIVE", StartsAt: "2024-11-11T23:35:49Z", UsageLimit: i32(100),
				AppliesOncePerCustomer: ptr(true), AsyncUsageCount: 261, Codes: &[]string{"WELCOME10"}, UpdatedAt: "2025-03-25T11:01:10Z",
				Metafields: &[]Metafield{{Namespace: "custom", Key: "campaign", Value: "always-on", Type: "single_line_text_field"}},
			}
		}},
		{"automatic discount has no codes", func(t *testing.T) (any, any) {
			d := discountFromShopify(nodes[shopifyDiscountNode](t, "discounts", "discountNodes")[3])
			return []any{d.DiscountType, d.Codes, d.UsageLimit}, []any{"DiscountAutomaticBasic", (*[]string)(nil), (*int32)(nil)}
		}},
		{"discount of a type Flux does not read: id and type", func(t *testing.T) (any, any) {
			return discountFromShopify(nodes[shopifyDiscountNode](t, "discounts", "discountNodes")[4]), Discount{
				ID: "gid://shopify/DiscountNode/7000000009100", DiscountType: "DiscountCodeBxgy", Metafields: &[]Metafield{},
			}
		}},
		{"metaobject definition: field types flattened", func(t *testing.T) (any, any) {
			d := metaobjectDefinitionFromShopify(nodes[shopifyMetaobjectDefinition](t, "metaobject_definitions", "metaobjectDefinitions")[0])
			d.FieldDefinitions = d.FieldDefinitions[:1]
			return d, MetaobjectDefinition{
				ID: "gid://shopify/MetaobjectDefinition/7000000008453", Name: "Lookbook", Type: "lookbook",
				Description: str("Lookbook entries"), DisplayNameKey: str("title"),
				FieldDefinitions: []FieldDefinition{{Key: "title", Name: str("Title"), Required: true, Type: "single_line_text_field"}},
			}
		}},
		{"metaobject", func(t *testing.T) (any, any) {
			m := metaobjectFromShopify(nodes[shopifyMetaobject](t, "metaobjects", "metaobjects")[0])
			m.Fields = m.Fields[:1]
			return m, Metaobject{
				ID: "gid://shopify/Metaobject/7000000008463", Handle: "hana-okafor-1", Type: "designer", DisplayName: "Hana Okafor",
				UpdatedAt: "2024-12-29T19:05:46Z", Fields: []MetaobjectField{{Key: "name", Value: str("Hana Okafor"), Type: "single_line_text_field"}},
			}
		}},
		{"metafield definition: type flattened, validations kept", func(t *testing.T) (any, any) {
			return metafieldDefinitionFromShopify(nodes[shopifyMetafieldDefinition](t, "metafield_definitions", "metafieldDefinitions")[4]), MetafieldDefinition{
				ID: "gid://shopify/MetafieldDefinition/7000000000008", Name: "Rating", Namespace: "reviews", Key: "rating", Type: "rating",
				Description: str("Rating of the product"), OwnerType: "PRODUCT",
				Validations: []DefinitionValidation{{Name: "scale_min", Value: str("1.0")}, {Name: "scale_max", Value: str("5.0")}},
			}
		}},
		{"files: image, generic file, video", func(t *testing.T) (any, any) {
			ns := nodes[shopifyFile](t, "files", "files")
			var got []File
			for _, n := range []shopifyFile{ns[0], ns[2], ns[3]} {
				got = append(got, fileFromShopify(n))
			}
			img := "https://cdn.shopify.com/s/files/1/0007/0001/files/urban-canvas-wallet-1.jpg?v=1704067200"
			return got, []File{
				{ID: "gid://shopify/MediaImage/7000000000019", FileType: "MediaImage", Alt: str("Urban Canvas Wallet, view 1"), FileStatus: "READY",
					MimeType: str("image/jpeg"), URL: &img, Image: &Image{URL: img, Width: i32(2048), Height: i32(2048)},
					CreatedAt: "2025-04-18T11:41:17Z", UpdatedAt: "2025-04-18T11:41:17Z"},
				{ID: "gid://shopify/GenericFile/7000000009001", FileType: "GenericFile", Alt: str("Size guide"), FileStatus: "READY",
					MimeType: str("application/pdf"), URL: str("https://cdn.shopify.com/s/files/1/0007/0001/files/size-guide.pdf?v=1706781600"),
					OriginalFileSize: i32(48213), CreatedAt: "2025-02-01T10:00:00Z", UpdatedAt: "2025-02-03T10:00:00Z"},
				{ID: "gid://shopify/Video/7000000009002", FileType: "Video", FileStatus: "PROCESSING", CreatedAt: "2025-03-01T10:00:00Z", UpdatedAt: "2025-03-01T10:00:00Z"},
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, want := c.check(t)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Converted lists marshal as seed 000 spells them: an unrequested group is
// null, a requested one without items is [].
func TestProductJSONNullsAndEmptyLists(t *testing.T) {
	p := productFromShopify(shopifyProduct{ID: "gid://shopify/Product/1", Handle: "h", Metafields: &connection[Metafield]{}})
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["metafields"] == nil || len(got["metafields"].([]any)) != 0 {
		t.Errorf("metafields = %v, want []", got["metafields"])
	}
	for _, k := range []string{"title", "variants", "media", "publications", "seo"} {
		if v, ok := got[k]; !ok || v != nil {
			t.Errorf("%s = %v (present %v), want null", k, v, ok)
		}
	}
}
