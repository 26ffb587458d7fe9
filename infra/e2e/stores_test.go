package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/flux-platform/flux/infra/dev"
	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/shopify"
)

// The stores functions in the local stack against the Shopify emulator:
// seed 000's listProducts with the demo tenant's key (the demo shops answer
// with the emulator's development tokens, connected as make dev connects
// them: sealed, through the token service), another tenant's shop NOT_FOUND, and GET /api/rate-limits.
func TestStoresAgainstTheEmulator(t *testing.T) {
	srv, err := emulator.New(t.Context(), emulator.Options{Versions: []string{shopify.DefaultAPIVersion}, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	e := startStackWith(t, dev.LocalShopify{BaseURL: hs.URL + "/store/{shop}",
		TokenKey: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"})
	demo := e.keys["demo"]

	r := e.graphql(demo, `query($shop: String!) { listProducts(shop: $shop, limit: 10) {
		products { id handle title status vendor tags
			variants { id title sku price inventoryQuantity selectedOptions { name value } }
			media { id mediaContentType alt image { url width height } }
			metafields { namespace key value type } publications { name isPublished } }
		pageInfo { hasNextPage cursor } } }`, map[string]any{"shop": emulator.SourceShop})
	g := decode(t, r)
	if r.status != http.StatusOK || len(g.Errors) != 0 {
		t.Fatalf("listProducts: %d %s", r.status, r.body)
	}
	var data struct {
		ListProducts struct {
			Products []struct {
				ID       string
				Variants []struct{ Price string }
			}
			PageInfo struct {
				HasNextPage bool
				Cursor      string
			}
		}
	}
	if err := json.Unmarshal(g.Data, &data); err != nil {
		t.Fatal(err)
	}
	lp := data.ListProducts
	if len(lp.Products) == 0 || len(lp.Products) > 10 || !lp.PageInfo.HasNextPage || lp.PageInfo.Cursor == "" ||
		len(lp.Products[0].Variants) == 0 || lp.Products[0].Variants[0].Price == "" {
		t.Errorf("listProducts: %s", r.body)
	}

	// The second tenant's shop is not the demo tenant's to read.
	r = e.graphql(demo, `{ listPages(shop: "second-source.myshopify.com") { pages { id } } }`, nil)
	g = decode(t, r)
	if r.status != http.StatusOK || len(g.Errors) != 1 || g.Errors[0].Extensions.Code != "NOT_FOUND" {
		t.Errorf("another tenant's shop: %d %s", r.status, r.body)
	}

	r = e.do("GET", "/api/rate-limits", nil, map[string]string{"Authorization": "Bearer " + demo})
	var limits struct {
		Stores []struct {
			Shop, Status     string
			MaximumAvailable float64
			RestoreRate      float64
		}
	}
	if err := json.Unmarshal(r.body, &limits); err != nil || r.status != http.StatusOK || len(limits.Stores) != 2 {
		t.Fatalf("rate-limits: %d %s", r.status, r.body)
	}
	for _, s := range limits.Stores {
		if s.Status != "ok" || s.MaximumAvailable != emulator.DefaultMaximumAvailable || s.RestoreRate != emulator.DefaultRestoreRate {
			t.Errorf("rate-limits of %s: %+v", s.Shop, s)
		}
	}
	wantError(t, e.do("GET", "/api/rate-limits", nil, nil), http.StatusUnauthorized, "UNAUTHENTICATED")

	// Each store's Shopify reachability and token state, for the caller's group only.
	r = e.do("GET", "/api/health/stores", nil, map[string]string{"Authorization": "Bearer " + demo})
	var sh struct {
		Stores []struct {
			Shop, Token string
			Reachable   bool
		}
	}
	if err := json.Unmarshal(r.body, &sh); err != nil || r.status != http.StatusOK || len(sh.Stores) != 2 {
		t.Fatalf("health/stores: %d %s", r.status, r.body)
	}
	for _, s := range sh.Stores {
		if !s.Reachable || s.Token != "active" {
			t.Errorf("health of %s: %+v", s.Shop, s)
		}
	}
	wantError(t, e.do("GET", "/api/health/stores", nil, nil), http.StatusUnauthorized, "UNAUTHENTICATED")
}
