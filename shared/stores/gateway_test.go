package stores_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/graphql"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/stores"
)

type groups map[string]config.StoreGroup

func (g groups) StoreGroup(_ context.Context, tenant string) (config.StoreGroup, error) {
	sg, ok := g[tenant]
	if !ok {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "no group")
	}
	return sg, nil
}

type devTokens struct{}

func (devTokens) AccessToken(_ context.Context, _, shop string) (string, error) {
	if shop == emulator.SourceShop {
		return emulator.SourceToken, nil
	}
	return "", platform.E(platform.KindNotFound, "no token")
}

// The whole path, as a client sees it: seed 000's queries through the
// GraphQL gateway (API Gateway event, admission, execution), the rpc JSON
// contract, the stores group, Shopify (the emulator) and back, every field
// of every list type selected.
func TestGatewayToEmulator(t *testing.T) {
	srv, err := emulator.New(t.Context(), emulator.Options{Versions: []string{shopify.DefaultAPIVersion}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	group := stores.New(groups{"t_acme": {Name: "demo", Stores: []config.Store{{Domain: emulator.SourceShop, Classification: config.Source}}}},
		devTokens{}, stores.Config{BaseURL: hs.URL}, shopify.NewThrottle(nil), log)
	h, err := graphql.NewHandler(graphql.Options{Transport: rpc.InProcess{stores.GroupName: group}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	handle := platform.APIGatewayHandler(h)
	post := func(t *testing.T, query string) map[string]any {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "apigw-rate-limits-request.json"))
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		ev.HTTPMethod, ev.Path, ev.Resource = http.MethodPost, graphql.PathGraphQL, graphql.PathGraphQL
		ev.RequestContext.HTTPMethod, ev.RequestContext.ResourcePath = http.MethodPost, graphql.PathGraphQL
		ev.Headers["Content-Type"] = "application/json"
		ev.MultiValueHeaders["Content-Type"] = []string{"application/json"}
		id := auth.Identity{TenantID: "t_acme", Principal: "key_1", PrincipalType: auth.PrincipalAPIKey, Scopes: []auth.Scope{auth.ScopeStoresRead}}
		ev.RequestContext.Authorizer = id.ToContext()
		body, _ := json.Marshal(map[string]any{"query": query})
		ev.Body = string(body)
		resp, err := handle(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			t.Fatalf("%d %s", resp.StatusCode, resp.Body)
		}
		if resp.StatusCode != http.StatusOK || out["errors"] != nil {
			t.Fatalf("%d %s", resp.StatusCode, resp.Body)
		}
		return out["data"].(map[string]any)
	}
	const shop = `shop: "demo-source.myshopify.com"`
	pi := ` pageInfo { hasNextPage cursor }`
	// Three queries: the gateway caps a document at 500 selected fields.
	docs := []string{
		`{
  listProducts(` + shop + `, limit: 2) {
    products { id handle title status vendor productType tags createdAt updatedAt descriptionHtml templateSuffix
      seo { title description } options { name position values }
      variants { id title sku barcode position selectedOptions { name value } price compareAtPrice taxable inventoryQuantity }
      media { id mediaContentType alt image { url width height } }
      metafields { namespace key value type } publications { name isPublished } }` + pi + ` }
  listCollections(` + shop + `, limit: 2, includeMetafields: true) {
    collections { id handle title descriptionHtml sortOrder templateSuffix updatedAt seo { title description }
      ruleSet { appliedDisjunctively rules { column relation condition } } metafields { namespace key value type } }` + pi + ` }
  listPages(` + shop + `, limit: 2) { pages { id handle title bodyHtml isPublished publishedAt templateSuffix updatedAt }` + pi + ` }
  listBlogs(` + shop + `) { blogs { id handle title commentPolicy templateSuffix tags updatedAt }` + pi + ` }
}`,
		`{
  listArticles(` + shop + `, limit: 2) { articles { id handle title bodyHtml summary tags author blogId blogHandle isPublished publishedAt templateSuffix updatedAt }` + pi + ` }
  listMenus(` + shop + `) { menus { id handle title items { title type url resourceId items { title type url resourceId items { title url } } } }` + pi + ` }
  listDiscounts(` + shop + `, limit: 3, includeMetafields: true) { discounts { id discountType title summary status startsAt endsAt usageLimit
      appliesOncePerCustomer asyncUsageCount codes updatedAt metafields { namespace key value type } }` + pi + ` }
}`,
		`{
  listMetaobjectDefinitions(` + shop + `) { definitions { id name type description displayNameKey fieldDefinitions { key name description required type } }` + pi + ` }
  listMetaobjects(` + shop + `, type: "designer", limit: 2) { metaobjects { id handle type displayName updatedAt fields { key value type } }` + pi + ` }
  listMetafieldDefinitions(` + shop + `, ownerType: "PRODUCT") { definitions { id name namespace key type description ownerType pinnedPosition validations { name value } }` + pi + ` }
  listFiles(` + shop + `, limit: 2) { files { id fileType alt fileStatus mimeType url image { url width height } originalFileSize createdAt updatedAt }` + pi + ` }
}`,
	}
	for i, doc := range docs {
		data := post(t, doc)
		for field, v := range data {
			m, _ := v.(map[string]any)
			var items []any
			for k, x := range m {
				if k != "pageInfo" {
					items, _ = x.([]any)
				}
			}
			if len(items) == 0 {
				t.Errorf("document %d: %s has no items: %v", i, field, v)
			}
			for _, it := range items {
				id, _ := it.(map[string]any)["id"].(string)
				if !strings.HasPrefix(id, "gid://shopify/") {
					t.Errorf("%s: id %q", field, id)
				}
			}
		}
	}
}
