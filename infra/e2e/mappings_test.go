package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Canonical mappings over HTTP through the local stack: seed 000's
// upsertMappings, lookupByGid, lookupByCanonical, mappings and
// deleteMappings for the demo tenant; the second tenant sees none of them and
// cannot write into the demo tenant's shops.
func TestMappingsEndToEnd(t *testing.T) {
	e := startStack(t)
	demo, second := e.keys["demo"], e.keys["second"]
	type mapping struct{ Canonical, Gid, Shop string }
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

	var up struct{ UpsertMappings []mapping }
	data(e.graphql(demo, `mutation { upsertMappings(mappings: [
		{ objectType: PRODUCT, canonical: "classic-leather-bag", gid: "gid://shopify/Product/123", shop: "demo-source.myshopify.com" }
		{ objectType: PRODUCT, canonical: "classic-leather-bag", gid: "gid://shopify/Product/987", shop: "demo-production.myshopify.com" }
		{ objectType: PRODUCT, canonical: "old-product-handle", gid: "gid://shopify/Product/124", shop: "demo-source.myshopify.com" }
	]) { canonical gid shop } }`, nil), &up)
	if len(up.UpsertMappings) != 3 {
		t.Fatalf("upsertMappings = %+v", up)
	}

	var byGid struct{ LookupByGid []mapping }
	data(e.graphql(demo, `{ lookupByGid(objectType: PRODUCT, gids: ["gid://shopify/Product/123"]) { gid canonical shop } }`, nil), &byGid)
	if diff := cmp.Diff([]mapping{{"classic-leather-bag", "gid://shopify/Product/123", "demo-source.myshopify.com"}}, byGid.LookupByGid); diff != "" {
		t.Errorf("lookupByGid (-want +got):\n%s", diff)
	}

	var byCanonical struct{ LookupByCanonical []mapping }
	data(e.graphql(demo, `{ lookupByCanonical(objectType: PRODUCT, canonicals: ["classic-leather-bag"]) { canonical gid shop } }`, nil), &byCanonical)
	if len(byCanonical.LookupByCanonical) != 2 {
		t.Errorf("lookupByCanonical across the group's shops = %+v, want one per shop", byCanonical.LookupByCanonical)
	}

	var list struct {
		Mappings struct {
			Items []mapping
			Total int
		}
	}
	data(e.graphql(demo, `{ mappings(objectType: PRODUCT, shop: "demo-source.myshopify.com", limit: 100) { items { canonical gid } total } }`, nil), &list)
	if list.Mappings.Total != 2 || len(list.Mappings.Items) != 2 {
		t.Errorf("mappings = %+v, want 2 with total 2", list.Mappings)
	}

	// The second tenant sees none of it, and the demo shops are not its to write.
	var none struct{ LookupByGid []mapping }
	data(e.graphql(second, `{ lookupByGid(objectType: PRODUCT, gids: ["gid://shopify/Product/123"]) { gid } }`, nil), &none)
	if len(none.LookupByGid) != 0 {
		t.Errorf("second tenant found %+v", none.LookupByGid)
	}
	r := e.graphql(second, `mutation { deleteMappings(objectType: PRODUCT, canonicals: ["classic-leather-bag"], shop: "demo-source.myshopify.com") }`, nil)
	if g := decode(t, r); len(g.Errors) != 1 || g.Errors[0].Extensions.Code != "NOT_FOUND" {
		t.Errorf("second tenant deleting the demo tenant's mapping: %d %s", r.status, r.body)
	}

	// A malformed GID is a validation error on the field.
	r = e.graphql(demo, `mutation { upsertMappings(mappings: [{ objectType: PRODUCT, canonical: "x", gid: "gid://shopify/Collection/1", shop: "demo-source.myshopify.com" }]) { gid } }`, nil)
	if g := decode(t, r); len(g.Errors) != 1 || g.Errors[0].Extensions.Code != "VALIDATION_ERROR" {
		t.Errorf("malformed gid: %d %s", r.status, r.body)
	}

	var del struct{ DeleteMappings int }
	data(e.graphql(demo, `mutation { deleteMappings(objectType: PRODUCT, canonicals: ["old-product-handle", "never-mapped"], shop: "demo-source.myshopify.com") }`, nil), &del)
	if del.DeleteMappings != 1 {
		t.Errorf("deleteMappings = %d, want 1", del.DeleteMappings)
	}
}
