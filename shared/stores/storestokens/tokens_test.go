package storestokens

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/stores"
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

const (
	tenant = "tenant-a"
	shop   = "alpha.myshopify.com"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

var localKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func TestLoadConfig(t *testing.T) {
	c, err := LoadConfig(platform.EnvFrom(map[string]string{}))
	if err != nil || c.Connected() {
		t.Errorf("empty env: %+v %v", c, err)
	}
	if _, err := LoadConfig(platform.EnvFrom(map[string]string{"TOKEN_KMS_KEY_ID": "alias/x", "TOKEN_LOCAL_KEY": localKey})); err == nil {
		t.Error("both keys accepted")
	}
	c, err = LoadConfig(platform.EnvFrom(map[string]string{"TOKEN_LOCAL_KEY": localKey, "SHOPIFY_API_KEY": "k", "SHOPIFY_API_SECRET": "s"}))
	if err != nil || !c.Connected() || c.AppKey != "k" || c.AppSecret != "s" {
		t.Errorf("local key: %+v %v", c, err)
	}
}

func TestTokensWithoutKeyAreNotConnected(t *testing.T) {
	tokens, err := Config{}.Tokens(t.Context(), &memConnections{}, nil, nil, stores.Config{}, discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tokens.(stores.NotConnected); !ok {
		t.Errorf("tokens = %T, want NotConnected", tokens)
	}
	if _, err := (Config{LocalKey: "short"}).Tokens(t.Context(), &memConnections{}, nil, nil, stores.Config{}, discard); err == nil {
		t.Error("a malformed local key was accepted")
	}
}

// With a key, the source is the token service: it reads the token an
// install stored (sealed, never in the clear), in another cold start too,
// and a shop never connected is not found.
func TestTokensFromTheTokenService(t *testing.T) {
	conns := &memConnections{}
	c := Config{LocalKey: localKey}
	installer, err := c.Tokens(t.Context(), conns, nil, nil, stores.Config{}, discard)
	if err != nil {
		t.Fatal(err)
	}
	svc, ok := installer.(*shoptokens.Service)
	if !ok {
		t.Fatalf("tokens = %T, want *shoptokens.Service", installer)
	}
	if _, err := svc.Connect(t.Context(), tenant, shopify.Session{ID: shopify.OfflineSessionID(shop), Shop: shop,
		AccessToken: "shpat_installed", Scope: "read_products"}); err != nil {
		t.Fatal(err)
	}
	if sealed := string(conns.conns[tenant+"/"+shop].Tokens.AccessToken); strings.Contains(sealed, "shpat_installed") {
		t.Fatal("the token is stored in the clear")
	}
	tokens, err := c.Tokens(t.Context(), conns, nil, nil, stores.Config{}, discard)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tokens.AccessToken(t.Context(), tenant, shop); err != nil || got != "shpat_installed" {
		t.Errorf("AccessToken = %q, %v", got, err)
	}
	if _, err := tokens.AccessToken(t.Context(), tenant, "other.myshopify.com"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("a shop never connected: %v", err)
	}
	if _, err := tokens.AccessToken(t.Context(), "another-tenant", shop); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("another tenant's shop: %v", err)
	}
}
