package capture

import (
	"encoding/json"
	"testing"

	"github.com/flux-platform/flux/shared/mapping"
)

// Every object of the Shopify-shaped fixtures (copied from
// shared/stores/testdata) normalises without error, keeps no volatile
// field and no raw GID, and hashes the same after a re-encoding in another
// key order.
func TestNormalizeAllTypes(t *testing.T) {
	files := map[string]mapping.ObjectType{
		"list_articles.json":               mapping.Article,
		"list_blogs.json":                  mapping.Blog,
		"list_collections.json":            mapping.Collection,
		"list_discounts.json":              mapping.Discount,
		"list_files.json":                  mapping.File,
		"list_metafield_definitions.json":  mapping.MetafieldDefinition,
		"list_metaobject_definitions.json": mapping.MetaobjectDefinition,
		"list_metaobjects.json":            mapping.Metaobject,
		"list_pages.json":                  mapping.Page,
		"list_products.json":               mapping.Product,
	}
	for name, typ := range files {
		t.Run(name, func(t *testing.T) {
			var doc struct {
				Data map[string]struct {
					Nodes []json.RawMessage `json:"nodes"`
				} `json:"data"`
			}
			if err := json.Unmarshal(readTestdata(t, name), &doc); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, conn := range doc.Data {
				for _, raw := range conn.Nodes {
					n++
					c, _, err := Normalize(t.Context(), typ, raw, storeA)
					if err != nil {
						t.Fatalf("normalize: %v", err)
					}
					checkClean(t, "", c.Value())
					// Re-encode through a Go map (another key order and
					// spacing) and normalise again.
					var m map[string]any
					if err := json.Unmarshal(raw, &m); err != nil {
						t.Fatal(err)
					}
					again, _ := json.MarshalIndent(m, "", "    ")
					c2, _, err := Normalize(t.Context(), typ, again, storeA)
					if err != nil {
						t.Fatal(err)
					}
					if Hash(c) != Hash(c2) {
						t.Errorf("hash changed after re-encoding: %v", Diff(c, c2))
					}
				}
			}
			if n == 0 {
				t.Fatal("no objects in fixture")
			}
		})
	}
}

func checkClean(t *testing.T, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if volatileAll[k] {
				t.Errorf("volatile field kept at %s/%s", path, k)
			}
			checkClean(t, path+"/"+k, e)
		}
	case []any:
		for _, e := range x {
			checkClean(t, path+"/[]", e)
		}
	case string:
		if len(x) > 14 && x[:14] == "gid://shopify/" && path[len(path)-len(UnresolvedKey):] != UnresolvedKey {
			t.Errorf("raw GID kept at %s: %s", path, x)
		}
	}
}
