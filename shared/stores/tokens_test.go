package stores

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store"
)

// memConnections is an in-memory shoptokens.Store: enough to connect a shop
// and read its connection.
type memConnections struct {
	mu    sync.Mutex
	conns map[string]store.ShopConnection
}

var _ shoptokens.Store = (*memConnections)(nil)

func (m *memConnections) ShopConnection(_ context.Context, tenantID, shop string) (store.ShopConnection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[tenantID+"/"+shop]
	if !ok {
		return store.ShopConnection{}, platform.E(platform.KindNotFound, "not connected")
	}
	return c, nil
}

func (m *memConnections) ConnectShop(_ context.Context, tenantID, shop string, t store.ShopTokens, now time.Time) (store.ShopConnection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conns == nil {
		m.conns = map[string]store.ShopConnection{}
	}
	c := store.ShopConnection{TenantID: tenantID, Shop: shop, Status: store.ConnectionActive, Tokens: t, InstalledAt: now, UpdatedAt: now,
		Version: m.conns[tenantID+"/"+shop].Version + 1}
	m.conns[tenantID+"/"+shop] = c
	return c, nil
}

func (m *memConnections) ClaimShopTokenRefresh(context.Context, string, string, int64, time.Time, time.Time) error {
	return platform.E(platform.KindConflict, "not in this test")
}

func (m *memConnections) ReleaseShopTokenRefresh(context.Context, string, string, int64) error {
	return nil
}

func (m *memConnections) UpdateShopTokens(context.Context, string, string, int64, store.ShopTokens, time.Time) (store.ShopConnection, error) {
	return store.ShopConnection{}, platform.E(platform.KindConflict, "not in this test")
}

var localKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func TestLoadTokenConfig(t *testing.T) {
	c, err := LoadTokenConfig(platform.EnvFrom(map[string]string{}))
	if err != nil || c.Connected() {
		t.Errorf("empty env: %+v %v", c, err)
	}
	if _, err := LoadTokenConfig(platform.EnvFrom(map[string]string{"TOKEN_KMS_KEY_ID": "alias/x", "TOKEN_LOCAL_KEY": localKey})); err == nil {
		t.Error("both keys accepted")
	}
	c, err = LoadTokenConfig(platform.EnvFrom(map[string]string{"TOKEN_LOCAL_KEY": localKey, "SHOPIFY_API_KEY": "k", "SHOPIFY_API_SECRET": "s"}))
	if err != nil || !c.Connected() || c.AppKey != "k" || c.AppSecret != "s" {
		t.Errorf("local key: %+v %v", c, err)
	}
}

func TestTokensWithoutKeyAreNotConnected(t *testing.T) {
	tokens, err := TokenConfig{}.Tokens(t.Context(), &memConnections{}, nil, nil, Config{}, discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tokens.(NotConnected); !ok {
		t.Errorf("tokens = %T, want NotConnected", tokens)
	}
	if _, err := (TokenConfig{LocalKey: "short"}).Tokens(t.Context(), &memConnections{}, nil, nil, Config{}, discard); err == nil {
		t.Error("a malformed local key was accepted")
	}
}

// With the token service, the group reads the token the install stored
// (sealed), and a shop never connected is "not connected".
func TestGroupReadsTokensFromTheTokenService(t *testing.T) {
	conns := &memConnections{}
	tc := TokenConfig{LocalKey: localKey}
	installer, err := tc.Tokens(t.Context(), conns, nil, nil, Config{}, discard)
	if err != nil {
		t.Fatal(err)
	}
	svc, ok := installer.(*shoptokens.Service)
	if !ok {
		t.Fatalf("tokens = %T, want *shoptokens.Service", installer)
	}
	if _, err := svc.Connect(t.Context(), tenantA, shopify.Session{ID: shopify.OfflineSessionID(shopA), Shop: shopA,
		AccessToken: "shpat_installed", Scope: "read_products"}); err != nil {
		t.Fatal(err)
	}
	if sealed := string(conns.conns[tenantA+"/"+shopA].Tokens.AccessToken); strings.Contains(sealed, "shpat_installed") {
		t.Fatal("the token is stored in the clear")
	}
	// A fresh service, as in another cold start: it opens the sealed token.
	tokens, err := tc.Tokens(t.Context(), conns, nil, nil, Config{}, discard)
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeShopify(t)
	g := New(testStorage, tokens, Config{BaseURL: f.srv.URL, RetryBase: time.Millisecond}, shopify.NewThrottle(nil), discard)
	if _, rerr := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: shopA}); rerr != nil {
		t.Fatal(rerr)
	}
	if got := f.last(t).Token; got != "shpat_installed" {
		t.Errorf("Shopify got token %q", got)
	}
	_, rerr := call[PageList](t, g, reader(tenantA), OpListPages, ListArgs{Shop: shopA2})
	if rerr == nil || rerr.Code != "SERVICE_UNAVAILABLE" || !strings.Contains(rerr.Message, "not connected") {
		t.Errorf("shop never connected: %+v", rerr)
	}
}

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
