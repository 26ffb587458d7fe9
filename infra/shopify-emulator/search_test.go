package emulator

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// TestSearchAcrossObjects checks each object type's search fields against the
// stored data.
func TestSearchAcrossObjects(t *testing.T) {
	e := newEnv(t, Options{})
	sh := e.srv.shop(SourceShop)
	designer := sh.metaobjects[8] // the first designer (after 8 lookbooks)
	blog := sh.blogs[1]
	count := func(n int, f func(i int) bool) int {
		c := 0
		for i := 0; i < n; i++ {
			if f(i) {
				c++
			}
		}
		return c
	}
	tests := []struct {
		conn, query string
		want        int
	}{
		{`metaobjects(type: "designer", first: 50, query: %q)`, "handle:" + designer.Handle, 1},
		{`metaobjects(type: "designer", first: 50, query: %q)`, "display_name:'" + designer.DisplayName() + "'", count(len(sh.metaobjects), func(i int) bool {
			return sh.metaobjects[i].Type == "designer" && strings.Contains(strings.ToLower(sh.metaobjects[i].DisplayName()), strings.ToLower(designer.DisplayName()))
		})},
		{`metaobjects(type: "store_location", first: 50, query: %q)`, "fields.name:'Demo Source Berlin'", 1},
		{`metafieldDefinitions(ownerType: PRODUCT, first: 50, query: %q)`, "namespace:custom", 3},
		{`metafieldDefinitions(ownerType: PRODUCT, first: 50, query: %q)`, "type:rating", 1},
		{`files(first: 50, query: %q)`, "media_type:GENERIC_FILE", 6},
		{`files(first: 50, query: %q)`, "filename:size-guide.pdf", 1},
		{`discountNodes(first: 50, query: %q)`, "method:automatic", 3},
		{`discountNodes(first: 50, query: %q)`, "code:WELCOME10", 1},
		{`discountNodes(first: 50, query: %q)`, "status:active", count(len(sh.discounts), func(i int) bool { return sh.discounts[i].Status == "ACTIVE" })},
		{`articles(first: 100, query: %q)`, fmt.Sprintf("blog_id:%d", blog.num), len(blog.articleList())},
		{`articles(first: 100, query: %q)`, "tag:eco", count(len(sh.articles), func(i int) bool { return contains(sh.articles[i].Tags, "eco") })},
		{`collections(first: 50, query: %q)`, "collection_type:smart", 7},
		{`pages(first: 50, query: %q)`, "published_status:unpublished", count(len(sh.pages), func(i int) bool { return !sh.pages[i].IsPublished })},
		{`menus(first: 10, query: %q)`, "handle:footer", 1},
		{`blogs(first: 10, query: %q)`, "title:journal", 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if tt.want == 0 {
				t.Fatal("no expected match in the seed")
			}
			q := fmt.Sprintf("{ r: "+tt.conn+" { nodes { __typename } } }", tt.query)
			d := e.gql(SourceToken, q, nil).mustData(t)
			if n, _ := get(d, "r", "nodes").([]any); len(n) != tt.want {
				t.Errorf("%d matches, want %d", len(n), tt.want)
			}
		})
	}
}

func TestSortKeys(t *testing.T) {
	e := newEnv(t, Options{})
	sorted := func(q, field string, desc bool) {
		t.Helper()
		d := e.gql(SourceToken, q, nil).mustData(t)
		nodes, _ := get(d, "r", "nodes").([]any)
		var vals []string
		for _, n := range nodes {
			vals = append(vals, strings.ToLower(str(n, field)))
		}
		ok := sort.SliceIsSorted(vals, func(i, j int) bool {
			if desc {
				return vals[i] > vals[j]
			}
			return vals[i] < vals[j]
		})
		if !ok || len(vals) < 5 {
			t.Errorf("%s not sorted by %s: %v", q, field, vals)
		}
	}
	sorted(`{ r: products(first: 100, sortKey: "TITLE") { nodes { title } } }`, "title", false)
	sorted(`{ r: products(first: 100, sortKey: "UPDATED_AT", reverse: true) { nodes { updatedAt } } }`, "updatedAt", true)
	sorted(`{ r: collections(first: 30, sortKey: "TITLE") { nodes { title } } }`, "title", false)
	sorted(`{ r: pages(first: 30, sortKey: "UPDATED_AT") { nodes { updatedAt } } }`, "updatedAt", false)
	sorted(`{ r: articles(first: 50, sortKey: "TITLE", reverse: true) { nodes { title } } }`, "title", true)
	// Paging by a sort key visits everything once.
	seen := map[string]bool{}
	var after any
	for {
		d := e.gql(SourceToken, `query($a: String) { r: products(first: 100, after: $a, sortKey: "UPDATED_AT") { nodes { id } pageInfo { hasNextPage endCursor } } }`, map[string]any{"a": after}).mustData(t)
		for _, n := range get(d, "r", "nodes").([]any) {
			if seen[str(n, "id")] {
				t.Fatalf("%s twice", str(n, "id"))
			}
			seen[str(n, "id")] = true
		}
		if get(d, "r", "pageInfo", "hasNextPage") != true {
			break
		}
		after = get(d, "r", "pageInfo", "endCursor")
	}
	if len(seen) != 520 {
		t.Errorf("sorted walk saw %d products", len(seen))
	}
}
