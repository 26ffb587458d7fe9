package capture

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// mapResolver resolves GIDs from a map; missing ones are NotFound.
type mapResolver map[string]string

func (m mapResolver) CanonicalOf(_ context.Context, _ mapping.ObjectType, gid string) (string, error) {
	if c, ok := m[gid]; ok {
		return c, nil
	}
	return "", platform.E(platform.KindNotFound, "no mapping")
}

type failingResolver struct{}

func (failingResolver) CanonicalOf(context.Context, mapping.ObjectType, string) (string, error) {
	return "", errors.New("dynamodb unavailable")
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var storeA = mapResolver{
	"gid://shopify/Product/7000000000001":    "classic-leather-bag",
	"gid://shopify/Collection/7000000008231": "accessories",
	"gid://shopify/Collection/7000000008233": "apparel",
	"gid://shopify/Collection/7000000008235": "home",
	"gid://shopify/Collection/7000000008237": "footwear",
}

func ref(t, c string) map[string]any {
	return map[string]any{RefKey: map[string]any{"type": t, "canonical": c}}
}

func TestNormalizeProduct(t *testing.T) {
	raw := readTestdata(t, "product.json")
	c, warns, err := Normalize(t.Context(), mapping.Product, raw, storeA)
	if err != nil {
		t.Fatal(err)
	}
	v := c.Value().(map[string]any)
	for _, k := range []string{"id", "createdAt", "updatedAt", "resourcePublications"} {
		if _, ok := v[k]; ok {
			t.Errorf("volatile field %q kept", k)
		}
	}
	if diff := cmp.Diff([]any{"gift", "handmade", "winter"}, v["tags"]); diff != "" {
		t.Errorf("tags not sorted (-want +got):\n%s", diff)
	}
	var order []string
	for _, m := range v["metafields"].([]any) {
		mf := m.(map[string]any)
		order = append(order, mf["namespace"].(string)+"."+mf["key"].(string))
	}
	if diff := cmp.Diff([]string{"custom.featured", "custom.featured_collection", "custom.material", "custom.related", "specs.weight_grams"}, order); diff != "" {
		t.Errorf("metafields order (-want +got):\n%s", diff)
	}
	mfs := v["metafields"].([]any)
	if diff := cmp.Diff(ref("COLLECTION", "accessories"), mfs[1].(map[string]any)["value"]); diff != "" {
		t.Errorf("collection reference (-want +got):\n%s", diff)
	}
	wantRelated := []any{ref("PRODUCT", "classic-leather-bag"), map[string]any{UnresolvedKey: "gid://shopify/Product/7000000000999"}}
	if diff := cmp.Diff(wantRelated, mfs[3].(map[string]any)["value"]); diff != "" {
		t.Errorf("list reference (-want +got):\n%s", diff)
	}
	wantWarn := []Warning{{Path: "/metafields/3/value/1", GID: "gid://shopify/Product/7000000000999", Message: "no mapping for this GID in the shop"}}
	if diff := cmp.Diff(wantWarn, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	media := v["media"].([]any)
	img := media[0].(map[string]any)["image"].(map[string]any)
	if img["url"] != "cdn:files/urban-canvas-wallet-1.jpg" {
		t.Errorf("media url = %v", img["url"])
	}
	variant := v["variants"].([]any)[0].(map[string]any)
	if _, ok := variant["inventoryQuantity"]; ok {
		t.Error("inventoryQuantity kept without KeepInventory")
	}
	if _, ok := variant["id"]; ok {
		t.Error("variant id kept")
	}

	// With KeepInventory the quantity stays.
	c2, _, err := Normalizer{Resolver: storeA, Options: Options{KeepInventory: true}}.Normalize(t.Context(), mapping.Product, raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c2.Value().(map[string]any)["variants"].([]any)[0].(map[string]any)["inventoryQuantity"]; !ok {
		t.Error("inventoryQuantity dropped with KeepInventory")
	}
}

// rewriteAsOtherStore makes the product look as another store of the group
// returns it: other ids, timestamps, CDN prefix and ?v=, tags and
// metafields in another order, keys in another order (json re-encoding of
// a map sorts them; the input file's order differs).
func rewriteAsOtherStore(t *testing.T, raw []byte) []byte {
	t.Helper()
	s := string(raw)
	s = strings.ReplaceAll(s, "gid://shopify/Product/7000000000015", "gid://shopify/Product/9100000000015")
	s = strings.ReplaceAll(s, "gid://shopify/MediaImage/70000", "gid://shopify/MediaImage/91000")
	s = strings.ReplaceAll(s, "gid://shopify/ProductVariant/70000", "gid://shopify/ProductVariant/91000")
	s = strings.ReplaceAll(s, "gid://shopify/Product/7000000000001", "gid://shopify/Product/9100000000001")
	s = strings.ReplaceAll(s, "gid://shopify/Collection/7000000008231", "gid://shopify/Collection/9100000008231")
	s = strings.ReplaceAll(s, "/s/files/1/0007/0001/", "/s/files/1/0912/3456/")
	s = strings.ReplaceAll(s, "?v=1704067200", "?v=1731000000")
	s = strings.ReplaceAll(s, "2025-", "2026-")
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	tags := v["tags"].([]any)
	for i, j := 0, len(tags)-1; i < j; i, j = i+1, j-1 {
		tags[i], tags[j] = tags[j], tags[i]
	}
	mfs := v["metafields"].(map[string]any)["nodes"].([]any)
	for i, j := 0, len(mfs)-1; i < j; i, j = i+1, j-1 {
		mfs[i], mfs[j] = mfs[j], mfs[i]
	}
	v["variants"].(map[string]any)["nodes"].([]any)[0].(map[string]any)["inventoryQuantity"] = 3
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNormalizeStoreIndependent(t *testing.T) {
	raw := readTestdata(t, "product.json")
	storeB := mapResolver{
		"gid://shopify/Product/9100000000001":    "classic-leather-bag",
		"gid://shopify/Collection/9100000008231": "accessories",
	}
	a, _, err := Normalize(t.Context(), mapping.Product, raw, storeA)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Normalize(t.Context(), mapping.Product, rewriteAsOtherStore(t, raw), storeB)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(a, b); len(d) != 0 {
		t.Fatalf("store copies differ: %+v", d)
	}
	if Hash(a) != Hash(b) {
		t.Fatal("store copies hash differently")
	}

	// A content change changes the hash.
	edited := strings.Replace(string(raw), `"title": "Sand"`, `"title": "Sand (new)"`, 1)
	e, _, err := Normalize(t.Context(), mapping.Product, []byte(edited), storeA)
	if err != nil {
		t.Fatal(err)
	}
	if Hash(e) == Hash(a) {
		t.Fatal("edited product has the same hash")
	}
}

// Shopify's connection shapes ({nodes}, {edges{node}}) and shared/stores'
// plain arrays give the same canonical form.
func TestNormalizeConnectionShapes(t *testing.T) {
	shapes := []string{
		`{"handle":"h","metafields":{"nodes":[{"namespace":"b","key":"k","value":"1"},{"namespace":"a","key":"k","value":"2"}]}}`,
		`{"handle":"h","metafields":{"edges":[{"cursor":"x","node":{"namespace":"a","key":"k","value":"2"}},{"node":{"namespace":"b","key":"k","value":"1"}}],"pageInfo":{"hasNextPage":false}}}`,
		`{"handle":"h","metafields":[{"key":"k","namespace":"a","value":"2"},{"namespace":"b","key":"k","value":"1"}]}`,
	}
	var hashes []string
	for _, s := range shapes {
		c, _, err := Normalize(t.Context(), mapping.Collection, []byte(s), nil)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, Hash(c))
	}
	for i := range hashes {
		if hashes[i] != hashes[0] {
			t.Errorf("shape %d hashes differently", i)
		}
	}
}

func TestNormalizeMenu(t *testing.T) {
	raw := readTestdata(t, "menu.json")
	res := mapResolver{}
	for k, v := range storeA {
		if k != "gid://shopify/Collection/7000000008237" {
			res[k] = v
		}
	}
	c, warns, err := Normalize(t.Context(), mapping.Menu, raw, res)
	if err != nil {
		t.Fatal(err)
	}
	items := c.Value().(map[string]any)["items"].([]any)
	if got := items[0].(map[string]any)["title"]; got != "Home" {
		t.Errorf("menu items reordered: first is %v", got)
	}
	sub := items[1].(map[string]any)["items"].([]any)
	if diff := cmp.Diff(ref("COLLECTION", "accessories"), sub[0].(map[string]any)["resourceId"]); diff != "" {
		t.Errorf("resourceId (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{UnresolvedKey: "gid://shopify/Collection/7000000008237"}, sub[3].(map[string]any)["resourceId"]); diff != "" {
		t.Errorf("unknown resourceId (-want +got):\n%s", diff)
	}
	found := false
	for _, w := range warns {
		if w.GID == "gid://shopify/Collection/7000000008237" && w.Path == "/items/1/items/3/resourceId" {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning for the unknown collection: %+v", warns)
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		name string
		t    mapping.ObjectType
		raw  string
		r    Resolver
		kind platform.Kind
	}{
		{"bad type", "WIDGET", `{}`, nil, platform.KindValidation},
		{"not json", mapping.Page, `{"a":`, nil, platform.KindValidation},
		{"not an object", mapping.Page, `[1]`, nil, platform.KindValidation},
		{"trailing data", mapping.Page, `{} {}`, nil, platform.KindValidation},
		{"resolver failure", mapping.Page, `{"x":"gid://shopify/Product/1"}`, failingResolver{}, platform.KindInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Normalize(t.Context(), tt.t, []byte(tt.raw), tt.r)
			if err == nil {
				t.Fatal("no error")
			}
			if k := platform.KindOf(err); k != tt.kind {
				t.Errorf("kind = %v, want %v (%v)", k, tt.kind, err)
			}
		})
	}
}

func TestNormalizeVolatileAndURLs(t *testing.T) {
	raw := `{"handle":"h","status":"ACTIVE","codesCount":{"count":3},"publishedAt":"2025-01-01T00:00:00Z",
	 "variants":[{"position":2,"title":"B"},{"position":1,"title":"A"}],
	 "image":{"url":"https://files.example.com/a.png?X-Amz-Signature=abc&X-Amz-Expires=60&w=100"},
	 "unknown":"gid://shopify/Shop/1"}`
	c, warns, err := Normalize(t.Context(), mapping.Discount, []byte(raw), mapResolver{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"handle":"h","image":{"url":"https://files.example.com/a.png?w=100"},"unknown":{"$unresolved":"gid://shopify/Shop/1"},"variants":[{"position":1,"title":"A"},{"position":2,"title":"B"}]}`
	if got := string(Encode(c)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if len(warns) != 1 || warns[0].Message != "GID of a type Flux does not map" {
		t.Errorf("warnings = %+v", warns)
	}
}

// A manual collection's products are read as {"id": gid} nodes: they
// become references (not empty objects with the id dropped), and two stores
// with different GIDs for the same products agree.
func TestReferenceNodes(t *testing.T) {
	raw := func(a, b string) []byte {
		return []byte(`{"handle":"summer","products":{"nodes":[{"id":"` + a + `"},{"id":"` + b + `","__typename":"Product"}]},
			"image":{"id":"gid://shopify/CollectionImage/9","url":"https://example.com/x.jpg"}}`)
	}
	resA := mapResolver{"gid://shopify/Product/1": "bag", "gid://shopify/Product/2": "hat"}
	resB := mapResolver{"gid://shopify/Product/71": "bag", "gid://shopify/Product/72": "hat"}
	ca, _, err := Normalize(t.Context(), mapping.Collection, raw("gid://shopify/Product/1", "gid://shopify/Product/2"), resA)
	if err != nil {
		t.Fatal(err)
	}
	cb, _, err := Normalize(t.Context(), mapping.Collection, raw("gid://shopify/Product/71", "gid://shopify/Product/72"), resB)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"handle":"summer","image":{"url":"https://example.com/x.jpg"},"products":[{"$ref":{"canonical":"bag","type":"PRODUCT"}},{"$ref":{"canonical":"hat","type":"PRODUCT"}}]}`
	if got := string(Encode(ca)); got != want {
		t.Errorf("canonical form\n got %s\nwant %s", got, want)
	}
	if Hash(ca) != Hash(cb) {
		t.Error("the same collection in two stores hashes differently")
	}
}
