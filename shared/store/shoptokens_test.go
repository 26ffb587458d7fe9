package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

func TestShopTokenAndStateKeys(t *testing.T) {
	tests := []struct{ got, want string }{
		{store.ShopTokenSK("a.myshopify.com"), "SHOPTOKEN#a.myshopify.com"},
		{store.ShopTokenPrefix(), "SHOPTOKEN#"},
		{store.OAuthStatePK("n0nce"), "OAUTHSTATE#n0nce"},
		{store.OAuthStateSK(), "OAUTHSTATE"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("key %q, want %q", tt.got, tt.want)
		}
	}
	// The group and API key queries read prefixes of the tenant partition:
	// a connection must never be in their results.
	sk := store.ShopTokenSK("group.myshopify.com")
	for _, p := range []string{store.GroupPrefix(), store.APIKeyPrefix(), store.TenantSK()} {
		if strings.HasPrefix(sk, p) {
			t.Errorf("%q starts with %q", sk, p)
		}
	}
}

func ptime(t time.Time) *time.Time { return &t }

// tenantWithShop is a tenant whose group holds shop (the SHOP# guard).
func tenantWithShop(t *testing.T, s *store.Store, tenant, shop string) {
	t.Helper()
	storetest.NewTenant(t, s, tenant, tenant)
	if err := s.AddStore(context.Background(), tenant, config.Store{Domain: shop, Classification: config.Source}); err != nil {
		t.Fatal(err)
	}
}

func TestShopConnectionLifecycle(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	const shop = "acme.myshopify.com"
	tenantWithShop(t, s, "acme", shop)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

	_, err := s.ShopConnection(ctx, "acme", shop)
	wantKind(t, err, platform.KindNotFound)

	tok := store.ShopTokens{
		AccessToken: []byte("sealed-access-1"), RefreshToken: []byte("sealed-refresh-1"), Scopes: "read_products",
		AccessTokenExpiresAt: ptime(now.Add(time.Hour)), RefreshTokenExpiresAt: ptime(now.Add(90 * 24 * time.Hour)),
	}
	c, err := s.ConnectShop(ctx, "acme", shop, tok, now)
	if err != nil {
		t.Fatal(err)
	}
	want := store.ShopConnection{
		TenantID: "acme", Shop: shop, Status: store.ConnectionActive, Tokens: tok,
		InstalledAt: now, UpdatedAt: now, Version: 1,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Fatalf("connected (-want +got):\n%s", diff)
	}

	// The TTL attribute must not be on the connection, or DynamoDB would
	// delete it when the access token expires.
	raw, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Table), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: store.TenantPK("acme")}, "SK": &types.AttributeValueMemberS{Value: store.ShopTokenSK(shop)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := raw.Item["expiresAt"]; ok {
		t.Error("the connection carries the TTL attribute expiresAt")
	}

	// A refresh at the current version; a stale version is a conflict.
	later := now.Add(55 * time.Minute)
	refreshed := store.ShopTokens{
		AccessToken: []byte("sealed-access-2"), RefreshToken: []byte("sealed-refresh-2"), Scopes: "read_products",
		AccessTokenExpiresAt: ptime(later.Add(time.Hour)), RefreshTokenExpiresAt: ptime(later.Add(90 * 24 * time.Hour)),
	}
	if err := s.ClaimShopTokenRefresh(ctx, "acme", shop, 1, later, later.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	// A second claimer while the lease runs loses.
	wantKind(t, s.ClaimShopTokenRefresh(ctx, "acme", shop, 1, later.Add(time.Second), later.Add(31*time.Second)), platform.KindConflict)
	c, err = s.UpdateShopTokens(ctx, "acme", shop, 1, refreshed, later)
	if err != nil {
		t.Fatal(err)
	}
	want.Tokens, want.UpdatedAt, want.Version = refreshed, later, 2
	if diff := cmp.Diff(want, c); diff != "" {
		t.Fatalf("refreshed (-want +got):\n%s", diff)
	}
	_, err = s.UpdateShopTokens(ctx, "acme", shop, 1, tok, later)
	wantKind(t, err, platform.KindConflict)
	got, err := s.ShopConnection(ctx, "acme", shop)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("a stale update changed the connection (-want +got):\n%s", diff)
	}

	// A non-expiring token replaces the expiring one: no refresh token stays.
	plain := store.ShopTokens{AccessToken: []byte("sealed-access-3"), Scopes: "read_products,write_products"}
	c, err = s.ConnectShop(ctx, "acme", shop, plain, later)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 3 || c.Tokens.RefreshToken != nil || c.Tokens.AccessTokenExpiresAt != nil || string(c.Tokens.AccessToken) != "sealed-access-3" {
		t.Fatalf("reconnected: %+v", c)
	}

	// Uninstall drops the tokens; refreshes and claims are refused after.
	if err := s.MarkShopUninstalled(ctx, "acme", shop, later); err != nil {
		t.Fatal(err)
	}
	got, err = s.ShopConnection(ctx, "acme", shop)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.ConnectionUninstalled || got.Tokens.AccessToken != nil || got.UninstalledAt == nil || got.Version != 4 {
		t.Fatalf("uninstalled: %+v", got)
	}
	_, err = s.UpdateShopTokens(ctx, "acme", shop, 4, refreshed, later)
	wantKind(t, err, platform.KindConflict)
	wantKind(t, s.ClaimShopTokenRefresh(ctx, "acme", shop, 4, later, later.Add(time.Minute)), platform.KindConflict)
	wantKind(t, s.MarkShopUninstalled(ctx, "acme", "other.myshopify.com", later), platform.KindNotFound)

	// Reinstalling makes it active again.
	c, err = s.ConnectShop(ctx, "acme", shop, tok, later)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.ConnectionActive || c.UninstalledAt != nil || c.Version != 5 {
		t.Fatalf("reinstalled: %+v", c)
	}
	list, err := s.ShopConnections(ctx, "acme")
	if err != nil || len(list) != 1 || list[0].Shop != shop {
		t.Fatalf("ShopConnections = %+v, %v", list, err)
	}
	// The group query still reads only the group.
	g, err := s.StoreGroup(ctx, "acme")
	if err != nil || len(g.Stores) != 1 {
		t.Fatalf("StoreGroup = %+v, %v", g, err)
	}
}

func TestShopConnectionTenantIsolation(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	now := time.Now().UTC()
	tenantWithShop(t, s, "acme", "acme.myshopify.com")
	tenantWithShop(t, s, "evil", "evil.myshopify.com")
	tok := store.ShopTokens{AccessToken: []byte("sealed"), Scopes: "read_products"}
	if _, err := s.ConnectShop(ctx, "acme", "acme.myshopify.com", tok, now); err != nil {
		t.Fatal(err)
	}
	// Another tenant cannot read acme's connection, nor store tokens for a
	// shop that is not in its group (acme's, or nobody's).
	_, err := s.ShopConnection(ctx, "evil", "acme.myshopify.com")
	wantKind(t, err, platform.KindNotFound)
	_, err = s.ConnectShop(ctx, "evil", "acme.myshopify.com", tok, now)
	wantKind(t, err, platform.KindNotFound)
	_, err = s.ConnectShop(ctx, "evil", "nobody.myshopify.com", tok, now)
	wantKind(t, err, platform.KindNotFound)
	_, err = s.UpdateShopTokens(ctx, "evil", "acme.myshopify.com", 1, tok, now)
	wantKind(t, err, platform.KindConflict)
	list, err := s.ShopConnections(ctx, "evil")
	if err != nil || len(list) != 0 {
		t.Fatalf("evil's connections = %+v, %v", list, err)
	}
	got, err := s.ShopConnection(ctx, "acme", "acme.myshopify.com")
	if err != nil || got.Version != 1 {
		t.Fatalf("acme's connection = %+v, %v", got, err)
	}
}

func TestShopConnectionValidation(t *testing.T) {
	ctx := context.Background()
	s := store.New(nil, "unused") // validation fails before any call
	tok := store.ShopTokens{AccessToken: []byte("x")}
	for _, tt := range []struct{ tenant, shop string }{
		{"acme", "ACME.myshopify.com"},
		{"acme", "acme.example.com"},
		{"a#b", "acme.myshopify.com"},
		{"", "acme.myshopify.com"},
	} {
		_, err := s.ConnectShop(ctx, tt.tenant, tt.shop, tok, time.Now())
		wantKind(t, err, platform.KindValidation)
		_, err = s.ShopConnection(ctx, tt.tenant, tt.shop)
		wantKind(t, err, platform.KindValidation)
	}
	_, err := s.ConnectShop(ctx, "acme", "acme.myshopify.com", store.ShopTokens{}, time.Now())
	wantKind(t, err, platform.KindValidation)
}

// Many processes find the token expiring at once: exactly one gets the
// refresh lease, and exactly one versioned update wins.
func TestConcurrentRefreshOneWinner(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	const shop = "acme.myshopify.com"
	tenantWithShop(t, s, "acme", shop)
	now := time.Now().UTC()
	if _, err := s.ConnectShop(ctx, "acme", shop, store.ShopTokens{AccessToken: []byte("a0"), Scopes: "read_products"}, now); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	claims := make([]error, n)
	updates := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			claims[i] = s.ClaimShopTokenRefresh(ctx, "acme", shop, 1, now, now.Add(30*time.Second))
			_, updates[i] = s.UpdateShopTokens(ctx, "acme", shop, 1, store.ShopTokens{AccessToken: fmt.Appendf(nil, "a%d", i+1)}, now)
		}()
	}
	wg.Wait()
	count := func(errs []error) (ok int) {
		for _, err := range errs {
			if err == nil {
				ok++
			} else if platform.KindOf(err) != platform.KindConflict {
				t.Errorf("loser's error is %v, want a conflict", err)
			}
		}
		return ok
	}
	if got := count(claims); got != 1 {
		t.Errorf("%d claims won, want 1", got)
	}
	if got := count(updates); got != 1 {
		t.Errorf("%d updates won, want 1", got)
	}
	c, err := s.ShopConnection(ctx, "acme", shop)
	if err != nil || c.Version != 2 || c.RefreshLeaseUntil != nil {
		t.Fatalf("after the race: %+v, %v", c, err)
	}
}

func TestRefreshLeaseExpiresAndReleases(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	const shop = "acme.myshopify.com"
	tenantWithShop(t, s, "acme", shop)
	now := time.Now().UTC()
	if _, err := s.ConnectShop(ctx, "acme", shop, store.ShopTokens{AccessToken: []byte("a0")}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimShopTokenRefresh(ctx, "acme", shop, 1, now, now.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	// A holder that died: after the lease, another process may claim.
	if err := s.ClaimShopTokenRefresh(ctx, "acme", shop, 1, now.Add(31*time.Second), now.Add(61*time.Second)); err != nil {
		t.Fatalf("claim after the lease expired: %v", err)
	}
	// A holder that failed releases it for the next caller at once.
	if err := s.ReleaseShopTokenRefresh(ctx, "acme", shop, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimShopTokenRefresh(ctx, "acme", shop, 1, now.Add(32*time.Second), now.Add(62*time.Second)); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	// Releasing at a stale version is a no-op, not an error.
	if err := s.ReleaseShopTokenRefresh(ctx, "acme", shop, 7); err != nil {
		t.Fatal(err)
	}
	c, _ := s.ShopConnection(ctx, "acme", shop)
	if c.RefreshLeaseUntil == nil {
		t.Error("a stale release dropped the current lease")
	}
}
