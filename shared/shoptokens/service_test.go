package shoptokens

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shopify/oauth"
	"github.com/flux-platform/flux/shared/store"
)

const (
	tenant = "acme"
	shop   = "acme.myshopify.com"
	secret = "hush"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// clock is a settable time source shared by the service and the app.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// memStore is Store in memory with the table's conditions: versions, the
// refresh lease, active status, one tenant's shops.
type memStore struct {
	mu      sync.Mutex
	conns   map[string]store.ShopConnection // tenant|shop
	allowed map[string]string               // shop -> tenant (the SHOP# guard)
	updates atomic.Int32
}

func newMemStore() *memStore {
	return &memStore{conns: map[string]store.ShopConnection{}, allowed: map[string]string{shop: tenant}}
}

func k(tenantID, shop string) string { return tenantID + "|" + shop }

func (m *memStore) ShopConnection(_ context.Context, tenantID, shop string) (store.ShopConnection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[k(tenantID, shop)]
	if !ok {
		return store.ShopConnection{}, platform.E(platform.KindNotFound, "store "+shop+" is not connected")
	}
	return c, nil
}

func (m *memStore) ConnectShop(_ context.Context, tenantID, shop string, t store.ShopTokens, now time.Time) (store.ShopConnection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.allowed[shop] != tenantID {
		return store.ShopConnection{}, platform.E(platform.KindNotFound, "store "+shop+" is not in the store group")
	}
	old := m.conns[k(tenantID, shop)]
	c := store.ShopConnection{TenantID: tenantID, Shop: shop, Status: store.ConnectionActive, Tokens: t, InstalledAt: now, UpdatedAt: now, Version: old.Version + 1}
	m.conns[k(tenantID, shop)] = c
	return c, nil
}

func (m *memStore) ClaimShopTokenRefresh(_ context.Context, tenantID, shop string, version int64, now, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[k(tenantID, shop)]
	if !ok || c.Version != version || c.Status != store.ConnectionActive || (c.RefreshLeaseUntil != nil && !c.RefreshLeaseUntil.Before(now)) {
		return platform.E(platform.KindConflict, "changed")
	}
	c.RefreshLeaseUntil = &until
	m.conns[k(tenantID, shop)] = c
	return nil
}

func (m *memStore) ReleaseShopTokenRefresh(_ context.Context, tenantID, shop string, version int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.conns[k(tenantID, shop)]; ok && c.Version == version {
		c.RefreshLeaseUntil = nil
		m.conns[k(tenantID, shop)] = c
	}
	return nil
}

func (m *memStore) UpdateShopTokens(_ context.Context, tenantID, shop string, expected int64, t store.ShopTokens, now time.Time) (store.ShopConnection, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.updates.Add(1)
	c, ok := m.conns[k(tenantID, shop)]
	if !ok || c.Version != expected || c.Status != store.ConnectionActive {
		return store.ShopConnection{}, platform.E(platform.KindConflict, "changed")
	}
	c.Tokens, c.UpdatedAt, c.Version, c.RefreshLeaseUntil = t, now, c.Version+1, nil
	m.conns[k(tenantID, shop)] = c
	return c, nil
}

func (m *memStore) set(c store.ShopConnection) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conns[k(c.TenantID, c.Shop)] = c
}

// countingSealer counts opens, to see the in-memory cache work.
type countingSealer struct {
	secrets.Sealer
	opens atomic.Int32
}

func (c *countingSealer) Open(ctx context.Context, s secrets.Sealed, aad []byte) ([]byte, error) {
	c.opens.Add(1)
	return c.Sealer.Open(ctx, s, aad)
}

// shopifyServer is Shopify's token endpoint: it records requests and
// answers with respond.
type shopifyServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []map[string]string
	respond  func(body map[string]string) (int, string)
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newShopify(t *testing.T, respond func(map[string]string) (int, string)) *shopifyServer {
	t.Helper()
	s := &shopifyServer{respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/admin/oauth/access_token" || r.Header.Get(shopify.ShopHeader) != shop {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, body)
		respond := s.respond
		s.mu.Unlock()
		status, out := respond(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(out))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *shopifyServer) calls() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.requests...)
}

type fixture struct {
	svc    *Service
	store  *memStore
	sealer *countingSealer
	clock  *clock
	shop   *shopifyServer
	logs   *bytes.Buffer
}

func newFixture(t *testing.T, respond func(map[string]string) (int, string)) *fixture {
	t.Helper()
	local, err := secrets.NewLocalSealer(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: newMemStore(), sealer: &countingSealer{Sealer: local}, clock: &clock{t: t0}, logs: &bytes.Buffer{}}
	f.shop = newShopify(t, respond)
	app := &oauth.App{APIKey: "api-key", APISecret: secret, BaseURL: func(string) string { return f.shop.URL }, Now: f.clock.Now}
	f.svc = New(f.store, f.sealer, app, Options{
		Now: f.clock.Now, Log: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RefreshWait: 2 * time.Second,
	})
	return f
}

// connect stores an expiring offline token issued at t0.
func (f *fixture) connect(t *testing.T, access, refresh string) {
	t.Helper()
	exp, rexp := t0.Add(time.Hour), t0.Add(90*24*time.Hour)
	if _, err := f.svc.Connect(context.Background(), tenant, shopify.Session{
		ID: shopify.OfflineSessionID(shop), Shop: shop, Scope: "write_products,read_orders",
		AccessToken: access, RefreshToken: refresh, Expires: &exp, RefreshTokenExpires: &rexp,
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) noSecretsLogged(t *testing.T, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(f.logs.String(), s) {
			t.Errorf("logs contain a secret %q:\n%s", s, f.logs)
		}
	}
}

func wantKind(t *testing.T, err error, kind platform.Kind, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", kind)
	}
	if got := platform.KindOf(err); got != kind {
		t.Fatalf("kind %v, want %v (%v)", got, kind, err)
	}
	if msg != "" && platform.PublicMessage(err) != msg {
		t.Errorf("message %q, want %q", platform.PublicMessage(err), msg)
	}
}

func refreshOK(t *testing.T) func(map[string]string) (int, string) {
	body := readTestdata(t, "refresh_response.json")
	return func(map[string]string) (int, string) { return http.StatusOK, body }
}

func TestAccessTokenNotConnected(t *testing.T) {
	f := newFixture(t, refreshOK(t))
	_, err := f.svc.AccessToken(context.Background(), tenant, shop)
	wantKind(t, err, platform.KindNotFound, "store acme.myshopify.com is not connected")

	f.connect(t, "shpat_current", "shprt_current")
	c, _ := f.store.ShopConnection(context.Background(), tenant, shop)
	c.Status, c.Tokens = store.ConnectionUninstalled, store.ShopTokens{}
	f.store.set(c)
	_, err = f.svc.AccessToken(context.Background(), tenant, shop)
	wantKind(t, err, platform.KindNotFound, "store acme.myshopify.com is not connected: the Flux app was uninstalled from it; install it again")

	_, err = f.svc.AccessToken(context.Background(), tenant, "acme.example.com")
	wantKind(t, err, platform.KindValidation, "")
}

func TestAccessTokenFreshIsCachedByVersion(t *testing.T) {
	f := newFixture(t, refreshOK(t))
	f.connect(t, "shpat_current", "shprt_current")
	f.sealer.opens.Store(0)
	f.clock.Set(t0.Add(10 * time.Minute))
	for range 3 {
		tok, err := f.svc.AccessToken(context.Background(), tenant, shop)
		if err != nil || tok != "shpat_current" {
			t.Fatalf("AccessToken = %q, %v", tok, err)
		}
	}
	// Connect remembered the token it sealed: no KMS call at all.
	if n := f.sealer.opens.Load(); n != 0 {
		t.Errorf("%d opens, want 0 (cached at the stored version)", n)
	}
	// A new service (a new cold start) opens once, then uses its cache.
	svc := New(f.store, f.sealer, nil, Options{Now: f.clock.Now})
	for range 2 {
		if tok, err := svc.AccessToken(context.Background(), tenant, shop); err != nil || tok != "shpat_current" {
			t.Fatalf("AccessToken = %q, %v", tok, err)
		}
	}
	if n := f.sealer.opens.Load(); n != 1 {
		t.Errorf("%d opens, want 1", n)
	}
	if len(f.shop.calls()) != 0 {
		t.Error("a fresh token was refreshed")
	}
}

func TestAccessTokenRefreshesWithinMargin(t *testing.T) {
	f := newFixture(t, refreshOK(t))
	f.connect(t, "shpat_current", "shprt_current")
	now := t0.Add(56 * time.Minute) // expires in 4 min < 5 min margin
	f.clock.Set(now)
	sess, err := f.svc.Session(context.Background(), tenant, shop)
	if err != nil {
		t.Fatal(err)
	}
	if sess.AccessToken != "shpat_REFRESHED0a1b2c3d4e5f60718293a4b5" || sess.RefreshToken != "" || sess.ID != "offline_"+shop {
		t.Errorf("session %v (token %q, refresh %q)", sess, sess.AccessToken, sess.RefreshToken)
	}
	wantCalls := []map[string]string{{
		"client_id": "api-key", "client_secret": secret, "grant_type": "refresh_token", "refresh_token": "shprt_current",
	}}
	if diff := cmp.Diff(wantCalls, f.shop.calls()); diff != "" {
		t.Errorf("token endpoint requests (-want +got):\n%s", diff)
	}
	// Stored sealed, rotated refresh token included, version bumped, lease gone.
	c, _ := f.store.ShopConnection(context.Background(), tenant, shop)
	if c.Version != 2 || c.RefreshLeaseUntil != nil || !c.Tokens.AccessTokenExpiresAt.Equal(now.Add(time.Hour)) ||
		!c.Tokens.RefreshTokenExpiresAt.Equal(now.Add(7776000*time.Second)) {
		t.Errorf("stored %+v", c)
	}
	for field, want := range map[string]string{fieldAccess: "shpat_REFRESHED0a1b2c3d4e5f60718293a4b5", fieldRefresh: "shprt_ROTATED0a1b2c3d4e5f60718293a4b5"} {
		blob := c.Tokens.AccessToken
		if field == fieldRefresh {
			blob = c.Tokens.RefreshToken
		}
		if bytes.Contains(blob, []byte(want)) {
			t.Errorf("%s token stored in clear", field)
		}
		if got, err := f.svc.open(context.Background(), tenant, shop, field, blob); err != nil || got != want {
			t.Errorf("stored %s token opens to %q, %v", field, got, err)
		}
	}
	f.noSecretsLogged(t, "shpat_", "shprt_", secret)
}

func TestAccessTokenRefreshFailures(t *testing.T) {
	invalid := readTestdata(t, "invalid_grant.json")
	tests := []struct {
		name     string
		at       time.Time
		status   int
		body     string
		want     string // the token returned, or "" for an error
		wantKind platform.Kind
		rejected bool
	}{
		{"rejected, current token still valid", t0.Add(57 * time.Minute), 400, invalid, "shpat_current", 0, false},
		{"rejected, token expired", t0.Add(61 * time.Minute), 400, invalid, "", platform.KindForbidden, true},
		{"shopify down, token expired", t0.Add(61 * time.Minute), 503, `{}`, "", platform.KindUnavailable, false},
		{"shopify down, current token still valid", t0.Add(58 * time.Minute), 502, `{}`, "shpat_current", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(map[string]string) (int, string) { return tt.status, tt.body })
			f.connect(t, "shpat_current", "shprt_current")
			f.clock.Set(tt.at)
			tok, err := f.svc.AccessToken(context.Background(), tenant, shop)
			if tt.want != "" {
				if err != nil || tok != tt.want {
					t.Fatalf("AccessToken = %q, %v; want %q", tok, err, tt.want)
				}
			} else {
				wantKind(t, err, tt.wantKind, "")
				if got := errors.Is(err, shopify.ErrTokenRejected); got != tt.rejected {
					t.Errorf("ErrTokenRejected in chain: %v, want %v (%v)", got, tt.rejected, err)
				}
			}
			// The lease is released for the next caller, nothing else changed.
			c, _ := f.store.ShopConnection(context.Background(), tenant, shop)
			if c.RefreshLeaseUntil != nil || c.Version != 1 {
				t.Errorf("after a failed refresh: lease %v version %d", c.RefreshLeaseUntil, c.Version)
			}
			f.noSecretsLogged(t, "shpat_current", "shprt_current", secret)
			if err != nil && strings.Contains(err.Error(), "shprt_current") {
				t.Errorf("error shows the refresh token: %v", err)
			}
		})
	}
}

func TestAccessTokenExpiredWithoutRefreshToken(t *testing.T) {
	f := newFixture(t, refreshOK(t))
	f.connect(t, "shpat_current", "")
	f.clock.Set(t0.Add(59 * time.Minute))
	if tok, err := f.svc.AccessToken(context.Background(), tenant, shop); err != nil || tok != "shpat_current" {
		t.Fatalf("before expiry: %q, %v", tok, err)
	}
	f.clock.Set(t0.Add(time.Hour))
	_, err := f.svc.AccessToken(context.Background(), tenant, shop)
	wantKind(t, err, platform.KindForbidden, "the Shopify access token of acme.myshopify.com has expired and cannot be refreshed; reconnect the store")
	if len(f.shop.calls()) != 0 {
		t.Error("refresh attempted without a refresh token")
	}
}

func TestNonExpiringTokenIsNeverRefreshed(t *testing.T) {
	f := newFixture(t, refreshOK(t))
	if _, err := f.svc.Connect(context.Background(), tenant, shopify.Session{Shop: shop, Scope: "read_products", AccessToken: "shpat_forever"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(t0.Add(1000 * time.Hour))
	if tok, err := f.svc.AccessToken(context.Background(), tenant, shop); err != nil || tok != "shpat_forever" {
		t.Fatalf("AccessToken = %q, %v", tok, err)
	}
	if len(f.shop.calls()) != 0 {
		t.Error("refreshed a non-expiring token")
	}
}

// Eight concurrent callers with an expired token: one refresh reaches
// Shopify, every caller gets the new token.
func TestConcurrentCallersRefreshOnce(t *testing.T) {
	body := readTestdata(t, "refresh_response.json")
	gate := make(chan struct{})
	f := newFixture(t, func(map[string]string) (int, string) { <-gate; return http.StatusOK, body })
	f.connect(t, "shpat_current", "shprt_current")
	f.clock.Set(t0.Add(61 * time.Minute))
	const n = 8
	var wg sync.WaitGroup
	toks := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks[i], errs[i] = f.svc.AccessToken(context.Background(), tenant, shop)
		}()
	}
	time.Sleep(100 * time.Millisecond)
	close(gate)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || toks[i] != "shpat_REFRESHED0a1b2c3d4e5f60718293a4b5" {
			t.Errorf("caller %d: %q, %v", i, toks[i], errs[i])
		}
	}
	if got := len(f.shop.calls()); got != 1 {
		t.Errorf("%d refresh requests, want 1", got)
	}
}

// A refresh that loses to a reinstall (version moved on) re-reads and
// returns the reinstalled token, not its own.
func TestRefreshLosesToReinstall(t *testing.T) {
	var f *fixture
	body := readTestdata(t, "refresh_response.json")
	f = newFixture(t, func(map[string]string) (int, string) {
		// The merchant reinstalls while Shopify answers the refresh.
		exp := t0.Add(2 * time.Hour)
		sealed, _ := f.svc.tokens(context.Background(), tenant, shopify.Session{Shop: shop, AccessToken: "shpat_REINSTALLED", Expires: &exp})
		if _, err := f.store.ConnectShop(context.Background(), tenant, shop, sealed, t0); err != nil {
			panic(err)
		}
		return http.StatusOK, body
	})
	f.connect(t, "shpat_current", "shprt_current")
	f.clock.Set(t0.Add(61 * time.Minute))
	tok, err := f.svc.AccessToken(context.Background(), tenant, shop)
	if err != nil || tok != "shpat_REINSTALLED" {
		t.Fatalf("AccessToken = %q, %v; want the reinstalled token", tok, err)
	}
}

func TestRefreshWaitsForAnotherProcess(t *testing.T) {
	f := newFixture(t, refreshOK(t))
	f.connect(t, "shpat_current", "shprt_current")
	now := t0.Add(61 * time.Minute)
	f.clock.Set(now)
	// Another process holds the lease and never finishes.
	if err := f.store.ClaimShopTokenRefresh(context.Background(), tenant, shop, 1, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	go func() {
		// Let time pass for the waiting caller.
		for i := range 40 {
			time.Sleep(10 * time.Millisecond)
			f.clock.Set(now.Add(time.Duration(i) * 100 * time.Millisecond))
		}
	}()
	_, err := f.svc.AccessToken(context.Background(), tenant, shop)
	wantKind(t, err, platform.KindUnavailable, "the Shopify token of acme.myshopify.com is being refreshed; try again in a moment")
	if len(f.shop.calls()) != 0 {
		t.Error("refreshed while another process held the lease")
	}
}

func TestTokenFromAnotherTenantDoesNotOpen(t *testing.T) {
	f := newFixture(t, refreshOK(t))
	f.store.allowed["evil.myshopify.com"] = "evil"
	f.connect(t, "shpat_current", "shprt_current")
	c, _ := f.store.ShopConnection(context.Background(), tenant, shop)
	// An attacker with table access copies acme's blobs into its own item.
	f.store.set(store.ShopConnection{TenantID: "evil", Shop: shop, Status: store.ConnectionActive, Tokens: c.Tokens, Version: 1})
	svc := New(f.store, f.sealer, nil, Options{Now: f.clock.Now})
	_, err := svc.AccessToken(context.Background(), "evil", shop)
	wantKind(t, err, platform.KindInternal, "")
	if !errors.Is(err, secrets.ErrOpen) || strings.Contains(err.Error(), "shpat_current") {
		t.Errorf("err = %v", err)
	}
}

func TestExchangeSessionToken(t *testing.T) {
	exchanged := readTestdata(t, "token_exchange_offline_expiring.json")
	rejected := readTestdata(t, "invalid_subject_token.json")
	f := newFixture(t, func(b map[string]string) (int, string) {
		if b["subject_token"] == "bad.jwt.token" {
			return http.StatusBadRequest, rejected
		}
		return http.StatusOK, exchanged
	})
	ctx := context.Background()
	sess, err := f.svc.ExchangeSessionToken(ctx, tenant, shop, "id.token.jwt")
	if err != nil {
		t.Fatal(err)
	}
	if sess.AccessToken != "shpat_EXCHANGED1c2d3e4f5a6b7c8d9e0f1a2" || sess.IsOnline {
		t.Errorf("session %v", sess)
	}
	want := []map[string]string{{
		"client_id": "api-key", "client_secret": secret,
		"grant_type":           "urn:ietf:params:oauth:grant-type:token-exchange",
		"subject_token":        "id.token.jwt",
		"subject_token_type":   "urn:ietf:params:oauth:token-type:id_token",
		"requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token",
		"expiring":             "1",
	}}
	if diff := cmp.Diff(want, f.shop.calls()); diff != "" {
		t.Errorf("token exchange request (-want +got):\n%s", diff)
	}
	tok, err := f.svc.AccessToken(ctx, tenant, shop)
	if err != nil || tok != sess.AccessToken {
		t.Fatalf("AccessToken after exchange = %q, %v", tok, err)
	}

	tests := []struct {
		name           string
		tenant, shop   string
		idToken        string
		kind           platform.Kind
		reachesShopify bool
	}{
		{"rejected by shopify", tenant, shop, "bad.jwt.token", platform.KindUnauthenticated, true},
		{"no id token", tenant, shop, "", platform.KindUnauthenticated, false},
		{"bad shop", tenant, "acme.example.com", "id.token.jwt", platform.KindValidation, false},
		{"shop of another tenant", "evil", shop, "id.token.jwt", platform.KindNotFound, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.shop.calls())
			_, err := f.svc.ExchangeSessionToken(ctx, tt.tenant, tt.shop, tt.idToken)
			wantKind(t, err, tt.kind, "")
			if got := len(f.shop.calls()) > before; got != tt.reachesShopify {
				t.Errorf("reached Shopify: %v, want %v", got, tt.reachesShopify)
			}
		})
	}
	c, _ := f.store.ShopConnection(ctx, tenant, shop)
	if c.Version != 1 {
		t.Errorf("failed exchanges changed the connection: version %d", c.Version)
	}
	f.noSecretsLogged(t, "shpat_", "shprt_", secret, "id.token.jwt")
}

func TestConnectRefusesOnlineSessions(t *testing.T) {
	f := newFixture(t, refreshOK(t))
	_, err := f.svc.Connect(context.Background(), tenant, shopify.Session{Shop: shop, IsOnline: true, AccessToken: "shpua_x"})
	wantKind(t, err, platform.KindInternal, "")
	_, err = f.svc.Connect(context.Background(), tenant, shopify.Session{Shop: shop})
	wantKind(t, err, platform.KindInternal, "")
}

// The interface the stores resolver group declares.
var _ interface {
	AccessToken(ctx context.Context, tenantID, shop string) (string, error)
} = (*Service)(nil)

func ExampleAAD() {
	fmt.Println(string(AAD("acme", "acme.myshopify.com", "access")))
	// Output: tenant=4:acme;shop=18:acme.myshopify.com;token=6:access
}
