package health

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
)

const tenant = "t_acme"

var t0 = time.Date(2026, 11, 24, 19, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := t0.Add(d); return &t }

// fakeConnections is the store group and the connections of one tenant.
type fakeConnections struct {
	group    config.StoreGroup
	groupErr error
	conns    map[string]store.ShopConnection
	connErrs map[string]error
}

func (f fakeConnections) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	if f.groupErr != nil {
		return config.StoreGroup{}, f.groupErr
	}
	if tenantID != tenant {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
	}
	return f.group, nil
}

func (f fakeConnections) ShopConnection(_ context.Context, tenantID, shop string) (store.ShopConnection, error) {
	if err := f.connErrs[shop]; err != nil {
		return store.ShopConnection{}, err
	}
	c, ok := f.conns[shop]
	if !ok || tenantID != tenant {
		return store.ShopConnection{}, platform.E(platform.KindNotFound, "store "+shop+" is not connected")
	}
	return c, nil
}

// fakeSessions answers the token service's Session per shop.
type fakeSessions struct {
	sessions map[string]shopify.Session
	errs     map[string]error
}

func (f fakeSessions) Session(_ context.Context, _, shop string) (shopify.Session, error) {
	if err := f.errs[shop]; err != nil {
		return shopify.Session{}, err
	}
	s, ok := f.sessions[shop]
	if !ok {
		return shopify.Session{}, platform.E(platform.KindNotFound, "store "+shop+" is not connected")
	}
	return s, nil
}

// fakeAdmin is every shop's Admin API under /<shop>/: the probe answers
// per shop as configured (default: Shopify's answer with extensions.cost).
type fakeAdmin struct {
	mu      sync.Mutex
	answers map[string]func(w http.ResponseWriter, r *http.Request)
	probes  map[string]int
	delay   time.Duration
}

func (f *fakeAdmin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	shop, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.probes[shop]++
	answer := f.answers[shop]
	f.mu.Unlock()
	if !strings.Contains(string(body), `{ shop { id } }`) {
		w.WriteHeader(400)
		return
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	if answer != nil {
		answer(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"data":{"shop":{"id":"gid://shopify/Shop/1"}},"extensions":{"cost":{"requestedQueryCost":1,"actualQueryCost":1,"throttleStatus":{"maximumAvailable":2000,"currentlyAvailable":1999,"restoreRate":100}}}}`)
}

func httpStatus(code int, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

func conn(shop string, access, refresh *time.Time, refreshToken bool) store.ShopConnection {
	c := store.ShopConnection{TenantID: tenant, Shop: shop, Status: store.ConnectionActive, Version: 1,
		Tokens: store.ShopTokens{AccessToken: []byte("sealed"), AccessTokenExpiresAt: access, RefreshTokenExpiresAt: refresh, Scopes: "read_products"}}
	if refreshToken {
		c.Tokens.RefreshToken = []byte("sealed-refresh")
	}
	return c
}

func sess(shop string, exp *time.Time) shopify.Session {
	return shopify.Session{Shop: shop, AccessToken: "shpat_secret_" + strings.Split(shop, ".")[0], Expires: exp, Scope: "read_products"}
}

// reconnect is the token service's error for a token expired beyond refresh.
func reconnect(shop string) error {
	return platform.Wrap(platform.KindForbidden, "the Shopify access token of "+shop+" has expired and cannot be refreshed; reconnect the store",
		errors.Join(shopify.ErrTokenRejected, errors.New("no valid refresh token")))
}

const secretText = "arn:aws:kms:us-east-1:123456789012:key/abc 10.9.8.7"

type storeCase struct {
	name    string
	conn    *store.ShopConnection
	connErr error
	sess    *shopify.Session
	sessErr error
	answer  func(w http.ResponseWriter, r *http.Request)
	want    StoreStatus // Shop, Classification and LatencyMs are filled/ignored
	probes  int
}

func TestStoreChecks(t *testing.T) {
	const margin = 5 * time.Minute
	ptr := func(c store.ShopConnection) *store.ShopConnection { return &c }
	sp := func(s shopify.Session) *shopify.Session { return &s }
	cases := []storeCase{
		{name: "non-expiring token, Shopify answers",
			conn: ptr(conn("a", nil, nil, false)), sess: sp(sess("a", nil)),
			want: StoreStatus{Reachable: true, Token: TokenActive}, probes: 1},
		{name: "expiring token with an hour left",
			conn: ptr(conn("a", at(50*time.Minute), at(90*24*time.Hour), true)), sess: sp(sess("a", at(50*time.Minute))),
			want: StoreStatus{Reachable: true, Token: TokenActive}, probes: 1},
		{name: "due for refresh: the probe's session was refreshed",
			conn: ptr(conn("a", at(2*time.Minute), at(90*24*time.Hour), true)), sess: sp(sess("a", at(time.Hour))),
			want: StoreStatus{Reachable: true, Token: TokenActive}, probes: 1},
		{name: "due for refresh: another process is refreshing, the old token still works",
			conn: ptr(conn("a", at(2*time.Minute), at(90*24*time.Hour), true)), sess: sp(sess("a", at(2*time.Minute))),
			want: StoreStatus{Reachable: true, Token: TokenRefreshable}, probes: 1},
		{name: "expired, the refresh failed because Shopify is down",
			conn:    ptr(conn("a", at(-time.Minute), at(90*24*time.Hour), true)),
			sessErr: platform.Wrap(platform.KindUnavailable, "Shopify store a is unavailable; try again later", errors.New(secretText)),
			want:    StoreStatus{Reachable: false, Token: TokenRefreshable, Reason: ReasonRefreshFailed}},
		{name: "the refresh token expires in three days",
			conn: ptr(conn("a", at(50*time.Minute), at(3*24*time.Hour), true)), sess: sp(sess("a", at(50*time.Minute))),
			want: StoreStatus{Reachable: true, Token: TokenExpiresSoon}, probes: 1},
		{name: "no refresh token and the access token expires in two days",
			conn: ptr(conn("a", at(48*time.Hour), nil, false)), sess: sp(sess("a", at(48*time.Hour))),
			want: StoreStatus{Reachable: true, Token: TokenExpiresSoon}, probes: 1},
		{name: "no refresh token and the access token expired",
			conn: ptr(conn("a", at(-time.Minute), nil, false)), sessErr: reconnect("a"),
			want: StoreStatus{Token: TokenRejected, Reason: ReasonRejected}},
		{name: "never installed",
			want: StoreStatus{Token: TokenNotConnected, Reason: ReasonNotConnected}},
		{name: "uninstalled",
			conn: func() *store.ShopConnection {
				c := conn("a", nil, nil, false)
				c.Status, c.Tokens = store.ConnectionUninstalled, store.ShopTokens{}
				return &c
			}(),
			want: StoreStatus{Token: TokenUninstalled, Reason: ReasonUninstalled}},
		{name: "Shopify rejects the token (401)",
			conn: ptr(conn("a", nil, nil, false)), sess: sp(sess("a", nil)),
			answer: httpStatus(401, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`),
			want:   StoreStatus{Token: TokenRejected, Reason: ReasonRejected}, probes: 1},
		{name: "Shopify down (503)",
			conn: ptr(conn("a", nil, nil, false)), sess: sp(sess("a", nil)),
			answer: httpStatus(503, `{"errors":"`+secretText+`"}`),
			want:   StoreStatus{Token: TokenActive, Reason: ReasonShopifyDown}, probes: 1},
		{name: "Shopify rate limiting (429)",
			conn: ptr(conn("a", nil, nil, false)), sess: sp(sess("a", nil)),
			answer: httpStatus(429, `{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`),
			want:   StoreStatus{Token: TokenActive, Reason: ReasonRateLimited}, probes: 1},
		{name: "frozen store (402)",
			conn: ptr(conn("a", nil, nil, false)), sess: sp(sess("a", nil)),
			answer: httpStatus(402, `{"errors":"Unavailable Shop"}`),
			want:   StoreStatus{Token: TokenActive, Reason: ReasonFrozen}, probes: 1},
		{name: "Shopify hangs: the store's timeout",
			conn: ptr(conn("a", nil, nil, false)), sess: sp(sess("a", nil)), answer: hang,
			want: StoreStatus{Token: TokenActive, Reason: ReasonTimeout}, probes: 1},
		{name: "the connection cannot be read",
			connErr: platform.Wrap(platform.KindUnavailable, "dynamodb", errors.New(secretText)),
			want:    StoreStatus{Token: TokenUnknown, Reason: ReasonStorage}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			shop := "a.myshopify.com"
			conns := fakeConnections{group: config.StoreGroup{Stores: []config.Store{{Domain: shop, Classification: config.Production}}},
				conns: map[string]store.ShopConnection{}, connErrs: map[string]error{shop: tt.connErr}}
			if tt.conn != nil {
				c := *tt.conn
				c.Shop = shop
				conns.conns[shop] = c
			}
			sessions := fakeSessions{sessions: map[string]shopify.Session{}, errs: map[string]error{shop: tt.sessErr}}
			if tt.sess != nil {
				s := *tt.sess
				s.Shop = shop
				sessions.sessions[shop] = s
			}
			admin := &fakeAdmin{answers: map[string]func(http.ResponseWriter, *http.Request){shop: tt.answer}, probes: map[string]int{}}
			hs := httptest.NewServer(admin)
			defer hs.Close()
			sc := &StoreChecker{Connections: conns, Sessions: sessions, Timeout: 300 * time.Millisecond, RefreshMargin: margin,
				Now:     func() time.Time { return t0 },
				Shopify: shopify.Config{BaseURL: func(s string) string { return hs.URL + "/" + s }, Throttle: shopify.NewThrottle(time.Now)}}

			code, body, _ := serveStores(t, NewFunctionHandler(discard(), testConfig(), Clients{}, sc), tenant, "stores:read")
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			for _, leak := range []string{"arn:", "10.9.8.7", "shpat_", "sealed", "Invalid API key"} {
				if strings.Contains(body, leak) {
					t.Errorf("body leaks %q: %s", leak, body)
				}
			}
			var got StoresReport
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Shop, want.Classification = shop, "PRODUCTION"
			if len(got.Stores) != 1 {
				t.Fatalf("stores %+v", got.Stores)
			}
			got.Stores[0].LatencyMs = 0
			if diff := cmp.Diff(want, got.Stores[0]); diff != "" {
				t.Errorf("store (-want +got):\n%s", diff)
			}
			if admin.probes[shop] != tt.probes {
				t.Errorf("%d probes, want %d", admin.probes[shop], tt.probes)
			}
			if !strings.Contains(body, `"latencyMs":`) || !strings.Contains(body, `"reachable":`) {
				t.Errorf("body %s", body)
			}
		})
	}
}

// serveStores sends the recorded GET /api/health/stores event through the
// Lambda adapter with the authorizer's context for tenantID and scopes (no
// context at all when tenantID is ""), as API Gateway delivers it.
func serveStores(t *testing.T, h http.Handler, tenantID, scopes string) (int, string, events.APIGatewayProxyResponse) {
	t.Helper()
	raw, err := readTestdata("apigw-health-stores-request.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev.RequestContext.Authorizer = nil
	if tenantID != "" {
		ev.RequestContext.Authorizer = auth.Identity{TenantID: tenantID, Principal: "key_1", PrincipalType: auth.PrincipalAPIKey,
			Scopes: auth.SplitScopes(scopes)}.ToContext()
	}
	resp, err := platform.APIGatewayHandler(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Body, resp
}

func TestStoresConcurrentAndOrdered(t *testing.T) {
	shops := []config.Store{{Domain: "s.myshopify.com", Classification: config.Source}, {Domain: "q.myshopify.com", Classification: config.QA},
		{Domain: "p.myshopify.com", Classification: config.Production}, {Domain: "n.myshopify.com", Classification: config.Production}}
	conns := fakeConnections{group: config.StoreGroup{Name: "g", Stores: shops}, conns: map[string]store.ShopConnection{}}
	sessions := fakeSessions{sessions: map[string]shopify.Session{}}
	for _, s := range shops[:3] {
		conns.conns[s.Domain] = conn(s.Domain, nil, nil, false)
		sessions.sessions[s.Domain] = sess(s.Domain, nil)
	}
	admin := &fakeAdmin{probes: map[string]int{}, delay: 150 * time.Millisecond}
	hs := httptest.NewServer(admin)
	defer hs.Close()
	sc := &StoreChecker{Connections: conns, Sessions: sessions, Timeout: time.Second,
		Shopify: shopify.Config{BaseURL: func(s string) string { return hs.URL + "/" + s }, Throttle: shopify.NewThrottle(time.Now)}}
	start := time.Now()
	r, err := sc.Check(auth.WithIdentity(context.Background(), auth.Identity{TenantID: tenant, Scopes: []auth.Scope{auth.ScopeStoresRead}}))
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 400*time.Millisecond {
		t.Errorf("took %v: not concurrent", elapsed)
	}
	var got []string
	for _, s := range r.Stores {
		got = append(got, s.Shop+" "+s.Classification+" "+s.Token)
	}
	want := []string{"s.myshopify.com SOURCE active", "q.myshopify.com QA active", "p.myshopify.com PRODUCTION active", "n.myshopify.com PRODUCTION not_connected"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stores (-want +got):\n%s", diff)
	}
}

func TestStoresRequestDeadline(t *testing.T) {
	shop := "a.myshopify.com"
	conns := fakeConnections{group: config.StoreGroup{Stores: []config.Store{{Domain: shop, Classification: config.Source}}},
		conns: map[string]store.ShopConnection{shop: conn(shop, nil, nil, false)}}
	admin := &fakeAdmin{probes: map[string]int{}, answers: map[string]func(http.ResponseWriter, *http.Request){shop: hang}}
	hs := httptest.NewServer(admin)
	defer hs.Close()
	sc := &StoreChecker{Connections: conns, Sessions: fakeSessions{sessions: map[string]shopify.Session{shop: sess(shop, nil)}}, Timeout: time.Minute,
		Shopify: shopify.Config{BaseURL: func(s string) string { return hs.URL + "/" + s }, Throttle: shopify.NewThrottle(time.Now)}}
	ctx, cancel := context.WithTimeout(auth.WithIdentity(context.Background(), auth.Identity{TenantID: tenant, Scopes: []auth.Scope{auth.ScopeStoresRead}}), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	r, err := sc.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second || r.Stores[0].Reason != ReasonTimeout || r.Stores[0].Reachable {
		t.Errorf("after %v: %+v", time.Since(start), r.Stores)
	}
}

func TestStoresHandlerRefusals(t *testing.T) {
	okConns := fakeConnections{group: config.StoreGroup{Stores: []config.Store{}}}
	tests := []struct {
		name   string
		conns  fakeConnections
		tenant string
		scopes string
		status int
		code   string
		body   string
	}{
		{"no credential", okConns, "", "", 401, "UNAUTHENTICATED", ""},
		{"wrong scope", okConns, tenant, "sync:read config:read", 403, "FORBIDDEN", ""},
		{"a tenant without a group", okConns, "t_other", "stores:read", 200, "", `{"stores":[]}`},
		{"an empty group", okConns, tenant, "stores:read", 200, "", `{"stores":[]}`},
		{"the group cannot be read", fakeConnections{groupErr: platform.Wrap(platform.KindUnavailable, "x", errors.New(secretText))}, tenant, "stores:read", 503, "SERVICE_UNAVAILABLE", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &StoreChecker{Connections: tt.conns, Sessions: fakeSessions{}}
			code, body, _ := serveStores(t, NewFunctionHandler(discard(), testConfig(), Clients{}, sc), tt.tenant, tt.scopes)
			if code != tt.status {
				t.Fatalf("status %d, want %d: %s", code, tt.status, body)
			}
			if tt.code != "" && !strings.Contains(body, `"code":"`+tt.code+`"`) {
				t.Errorf("body %s, want code %s", body, tt.code)
			}
			if tt.body != "" && strings.TrimSpace(body) != tt.body {
				t.Errorf("body %s, want %s", body, tt.body)
			}
			if strings.Contains(body, "arn:") {
				t.Errorf("body leaks: %s", body)
			}
		})
	}
	// Without a store checker the route does not exist.
	if code, body, _ := serveStores(t, NewHandler(discard(), testConfig(), Clients{}), tenant, "stores:read"); code != http.StatusNotFound {
		t.Errorf("without stores: %d %s", code, body)
	}
}

// The recorded API Gateway event of GET /api/health/stores, with the
// authorizer's context it was recorded with, through the Lambda adapter.
func TestStoresThroughAPIGateway(t *testing.T) {
	raw, err := readTestdata("apigw-health-stores-request.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	shop := "acme.myshopify.com"
	conns := fakeConnections{group: config.StoreGroup{Stores: []config.Store{{Domain: shop, Classification: config.Source}}}, conns: map[string]store.ShopConnection{}}
	sc := &StoreChecker{Connections: conns, Sessions: fakeSessions{}}
	handler := platform.APIGatewayHandler(NewFunctionHandler(discard(), testConfig(), Clients{}, sc))
	resp, err := handler(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	var got StoresReport
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	got.Stores[0].LatencyMs = 0
	want := StoresReport{Stores: []StoreStatus{{Shop: shop, Classification: "SOURCE", Token: TokenNotConnected, Reason: ReasonNotConnected}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if got := headerOf(resp, "Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := headerOf(resp, platform.RequestIDHeader); got != ev.RequestContext.RequestID {
		t.Errorf("X-Request-ID %q", got)
	}
}

func TestLoadStoresConfig(t *testing.T) {
	full := map[string]string{"TABLE_NAME": "t", "TOKEN_KMS_KEY_ID": "arn:aws:kms:us-east-1:1:key/x", "SHOPIFY_API_KEY": "k",
		"SHOPIFY_API_SECRET_PARAMETER": "/flux/secret", "SHOPIFY_API_VERSION": "2026-10"}
	c, err := LoadStoresConfig(platform.EnvFrom(full))
	if err != nil {
		t.Fatal(err)
	}
	want := StoresConfig{Table: "t", KMSKeyID: "arn:aws:kms:us-east-1:1:key/x", AppKey: "k", AppSecretParameter: "/flux/secret", APIVersion: "2026-10", Timeout: DefaultStoreTimeout}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	_, err = LoadStoresConfig(platform.EnvFrom(map[string]string{"TABLE_NAME": "t", "SHOPIFY_API_VERSION": "2019-13", "HEALTH_STORE_TIMEOUT": "1h"}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, name := range []string{"TOKEN_KMS_KEY_ID", "SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_API_VERSION", "HEALTH_STORE_TIMEOUT"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}
