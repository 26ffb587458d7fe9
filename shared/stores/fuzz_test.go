package stores

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/flux-platform/flux/shared/platform"
)

var searchShape = regexp.MustCompile(`^updated_at:>'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z'$`)

// Whatever a caller sends, validation either rejects it as a validation
// error or yields a page whose values can go into a Shopify query as
// variables without changing its meaning: a limit within Shopify's page
// size, a cursor without quotes or spaces, a search term of one exact shape.
func FuzzListArgs(f *testing.F) {
	f.Add("eyJsYXN0X2lkIjoxfQ==", 50, "2025-01-02T03:04:05Z")
	f.Add("", 0, "")
	f.Add(`a" } evil`, 251, "2025-01-02T03:04:05+02:00' OR 'x")
	f.Add(strings.Repeat("x", 2000), -1, "2025-13-40T99:99:99Z")
	f.Fuzz(func(t *testing.T, cursor string, limit int, since string) {
		p, err := ListArgs{Shop: "a.myshopify.com", Cursor: &cursor, Limit: &limit, UpdatedSince: &since}.validate()
		if err != nil {
			if platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("error of kind %v: %v", platform.KindOf(err), err)
			}
			return
		}
		if p.limit < 1 || p.limit > MaxLimit {
			t.Fatalf("limit %d accepted", p.limit)
		}
		if p.after != nil && (len(*p.after) > maxCursorLength || strings.ContainsAny(*p.after, " \t\r\n\"'")) {
			t.Fatalf("cursor %q accepted", *p.after)
		}
		if p.search != "" && !searchShape.MatchString(p.search) {
			t.Fatalf("search %q", p.search)
		}
	})
}

// Any config is either a validation error or a selection of known groups
// whose query fits Shopify's cost limit at every page size.
func FuzzProductSyncConfig(f *testing.F) {
	f.Add("core,media", true, "pricing", "quantity", true, true, true)
	f.Add("", false, "", "", false, false, false)
	f.Add("CORE, Metafields ,colour", true, "inventory", "", true, true, false)
	f.Fuzz(func(t *testing.T, product string, variants bool, variant, inventory string, hasProduct, hasVariant, hasInventory bool) {
		split := func(s string, has bool) *[]string {
			if !has {
				return nil
			}
			l := []string{}
			if s != "" {
				l = strings.Split(s, ",")
			}
			return &l
		}
		c := &ProductSyncConfig{ProductFields: split(product, hasProduct), SyncVariants: &variants,
			VariantFields: split(variant, hasVariant), InventoryOptions: split(inventory, hasInventory)}
		sel, err := c.selection()
		if err != nil {
			if platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("error of kind %v: %v", platform.KindOf(err), err)
			}
			return
		}
		for _, g := range sel.product {
			if !slices.Contains(ProductGroups, g) {
				t.Fatalf("unknown product group %q selected", g)
			}
		}
		q := productsQuery(sel)
		for _, limit := range []int{1, 50, MaxLimit} {
			if n := q.pageSize(limit); q.cost(n) > MaxQueryCost {
				t.Fatalf("page of %d costs %d", n, q.cost(n))
			}
		}
		if !variants && strings.Contains(q.text, "variants(") {
			t.Fatal("variants read without syncVariants")
		}
	})
}
