package emulator

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzSearchQuery: any search string parses and matches without panicking.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"updated_at:>'2024-01-01T00:00:00Z'", "title:foo* OR -status:draft", "tag:a,b NOT vendor:x", "'unterminated", "a:>=", ":", "(x) AND (y OR z)"} {
		f.Add(s)
	}
	p := &Product{Title: "T", Handle: "t", Status: "ACTIVE", Tags: []string{"a"}, base: base{num: 1, CreatedAt: "2024-01-01T00:00:00Z", UpdatedAt: "2024-02-01T00:00:00Z"}}
	f.Fuzz(func(t *testing.T, q string) {
		parseSearch(q).match(func(field string) []string { return productFields(p, field) })
	})
}

// FuzzCursor: decoding never panics and accepted cursors round-trip.
func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor(7000000000001, "00000007000000000001"))
	f.Add("eyJsYXN0X2lkIjoxfQ==")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err == nil && c.LastID <= 0 {
			t.Errorf("accepted cursor with id %d", c.LastID)
		}
	})
}

// FuzzAdminAPI: arbitrary request bodies get a 200 (GraphQL errors) or a 4xx,
// never a 5xx or a panic.
func FuzzAdminAPI(f *testing.F) {
	for _, s := range []string{`{"query":"{ shop { name } }"}`, `{"query":"{ products(first: 3) { nodes { id } } }","variables":{"x":1}}`,
		`{"query":"mutation { pageCreate(page: {title: \"x\"}) { page { id } } }"}`, `{"query":"query($n: Int) { products(first: $n) { nodes { id } } }","variables":{"n":"x"}}`,
		`{"query":"{ a`, `null`, `{"query":123}`, `{"query":"{ products(first: 2, query: \"updated_at:>'x'\") { nodes { id } } }"}`} {
		f.Add(s)
	}
	srv, err := New(f.Context(), Options{SourceProducts: 30})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/admin/api/"+SupportedVersions(srv.opts.Clock())[4]+"/graphql.json", strings.NewReader(body))
		req.Header.Set("X-Shopify-Access-Token", SourceToken)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}

// FuzzControlAPI: arbitrary control bodies never panic or answer 5xx.
func FuzzControlAPI(f *testing.F) {
	f.Add("/faults", `{"kind":"429","count":1}`)
	f.Add("/throttle", `{"maximumAvailable":10}`)
	f.Add("/shops/demo-source/objects", `{"type":"Product","fields":{"title":"x"}}`)
	f.Add("/shops/demo-source/objects/Product/7000000000015", `{"fields":{"tags":[1,2]}}`)
	srv, err := New(f.Context(), Options{SourceProducts: 30})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.Contains(path, "reset") {
			return
		}
		for _, m := range []string{http.MethodPost, http.MethodPatch} {
			req := httptest.NewRequest(m, "/", bytes.NewBufferString(body))
			req.URL.Path = "/_emulator" + path
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Errorf("%s %s %q: %d %s", m, path, body, rec.Code, rec.Body)
			}
		}
		srv.faults.clear()
	})
}
