package emulator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkProductsPage measures the emulator's own cost of answering one
// products page (50 products with variants and media) in process, with an
// unlimited bucket: the overhead a sync benchmark pays on top of the throttle.
func BenchmarkProductsPage(b *testing.B) {
	srv, err := New(b.Context(), Options{MaximumAvailable: 1e12, RestoreRate: 1e12})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	body := `{"query":"{ products(first: 50) { edges { cursor node { id handle title updatedAt variants(first: 5) { nodes { id sku price } } media(first: 2) { nodes { alt } } } } pageInfo { hasNextPage endCursor } } }"}`
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/admin/api/"+SupportedVersions(srv.opts.Clock())[4]+"/graphql.json", strings.NewReader(body))
		req.Header.Set("X-Shopify-Access-Token", SourceToken)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != 200 || strings.Contains(rec.Body.String(), `"errors"`) {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
