package stores

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
)

// fakeStorage is the tenants' store groups.
type fakeStorage map[string]config.StoreGroup

func (f fakeStorage) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	g, ok := f[tenantID]
	if !ok {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
	}
	return g, nil
}

// fakeTokens maps "tenant/shop" to a token.
type fakeTokens map[string]string

func (f fakeTokens) AccessToken(_ context.Context, tenantID, shop string) (string, error) {
	t, ok := f[tenantID+"/"+shop]
	if !ok {
		return "", platform.E(platform.KindNotFound, "no token")
	}
	return t, nil
}

const (
	tenantA = "tenant-a"
	tenantB = "tenant-b"
	shopA   = "alpha.myshopify.com"
	shopA2  = "alpha-prod.myshopify.com"
	shopB   = "bravo.myshopify.com"
)

var testStorage = fakeStorage{
	tenantA: {Name: "A", Stores: []config.Store{{Domain: shopA, Classification: config.Source}, {Domain: shopA2, Classification: config.Production}}},
	tenantB: {Name: "B", Stores: []config.Store{{Domain: shopB, Classification: config.Source}}},
}

func reader(tenant string) auth.Identity {
	return auth.Identity{TenantID: tenant, Principal: "key_1", PrincipalType: auth.PrincipalAPIKey, Scopes: []auth.Scope{auth.ScopeStoresRead}}
}

// call runs op through the group's rpc handler, as the gateway would, and
// decodes the result into R.
func call[R any](t *testing.T, g *rpc.Group, id auth.Identity, op string, args any) (R, *rpc.Error) {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := g.Handle(t.Context(), rpc.Request{Group: GroupName, Operation: op, Identity: id, Arguments: raw})
	if err != nil {
		t.Fatal(err)
	}
	var out R
	if resp.Error != nil {
		return out, resp.Error
	}
	if err := json.Unmarshal(resp.Result, &out); err != nil {
		t.Fatalf("decode %s: %v", op, err)
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }
