package stores

import (
	"testing"
	"time"

	"github.com/flux-platform/flux/shared/shopify"
)

// SHOPIFY_BASE_URL may name the shop with {shop}, as the install functions
// read it.
func TestBaseURLWithShopPlaceholder(t *testing.T) {
	f := newFakeShopify(t)
	cfg := Config{BaseURL: f.srv.URL + "/store/{shop}", RetryBase: time.Millisecond}
	g := New(testStorage, fakeTokens{tenantA + "/" + shopA: "shpat_a"}, cfg, shopify.NewThrottle(nil), discard)
	if _, rerr := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: shopA}); rerr != nil {
		t.Fatal(rerr)
	}
	if got, want := f.last(t).Path, "/store/"+shopA+"/admin/api/"+shopify.DefaultAPIVersion+"/graphql.json"; got != want {
		t.Errorf("path %s, want %s", got, want)
	}
}
