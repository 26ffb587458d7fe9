package stores

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// rateLimitsEvent is the recorded API Gateway event of GET /api/rate-limits
// with the caller replaced (nil: no authorizer context) and the method.
func rateLimitsEvent(t *testing.T, method string, id *auth.Identity) events.APIGatewayProxyRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "apigw-rate-limits-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	ev.HTTPMethod, ev.RequestContext.HTTPMethod = method, method
	ev.RequestContext.Authorizer = nil
	if id != nil {
		ev.RequestContext.Authorizer = id.ToContext()
	}
	return ev
}

func serveRateLimits(t *testing.T, g *Group, ev events.APIGatewayProxyRequest) (int, map[string]any, http.Header) {
	t.Helper()
	h := platform.APIGatewayHandler(NewRateLimitsHandler(discard, g))
	resp, err := h(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return resp.StatusCode, body, http.Header(resp.MultiValueHeaders)
}

func TestRateLimits(t *testing.T) {
	f := newFakeShopify(t)
	f.answer = func(w http.ResponseWriter, req shopifyRequest) {
		if req.Query != probeQuery {
			t.Errorf("probe query %q", req.Query)
		}
		_, _ = io.WriteString(w, `{"data":{"shop":{"id":"gid://shopify/Shop/1"}},"extensions":{"cost":{"requestedQueryCost":1,"actualQueryCost":1,`+
			`"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":1999,"restoreRate":100.0}}}}`)
	}
	clock := time.Date(2026, 11, 24, 19, 0, 0, 0, time.UTC)
	g := NewGroup(testStorage, fakeTokens{tenantA + "/" + shopA: "shpat_a"},
		Config{BaseURL: f.srv.URL, RetryBase: time.Millisecond}, shopify.NewThrottle(func() time.Time { return clock }))
	id := reader(tenantA)
	status, body, header := serveRateLimits(t, g, rateLimitsEvent(t, http.MethodGet, &id))
	if status != http.StatusOK || header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, headers %v: %v", status, header, body)
	}
	msg := "store alpha-prod.myshopify.com is not connected to Flux (no Shopify access token); install the app on it"
	want := map[string]any{"stores": []any{
		map[string]any{"shop": shopA, "classification": "SOURCE", "status": "ok",
			"maximumAvailable": 2000.0, "currentlyAvailable": 1999.0, "projectedAvailable": 1999.0, "restoreRate": 100.0,
			"observedAt": "2026-11-24T19:00:00Z"},
		map[string]any{"shop": shopA2, "classification": "PRODUCTION", "status": "not_connected", "error": msg,
			"maximumAvailable": nil, "currentlyAvailable": nil, "projectedAvailable": nil, "restoreRate": nil, "observedAt": nil},
	}}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("%d probes", n)
	}
}

func TestRateLimitsStoreFailureIsPerStore(t *testing.T) {
	f := newFakeShopify(t)
	f.answer = func(w http.ResponseWriter, _ shopifyRequest) {
		http.Error(w, "upstream connect error: pod shopify-core-7 reset", http.StatusBadGateway)
	}
	g := NewGroup(testStorage, fakeTokens{tenantA + "/" + shopA: "shpat_a", tenantA + "/" + shopA2: "shpat_a2"},
		Config{BaseURL: f.srv.URL, RetryBase: time.Millisecond}, shopify.NewThrottle(nil))
	id := reader(tenantA)
	status, body, _ := serveRateLimits(t, g, rateLimitsEvent(t, http.MethodGet, &id))
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, body)
	}
	for i, shop := range []string{shopA, shopA2} {
		s := get(body, "stores", i)
		if s["status"] != "failed" || s["error"] != "Shopify store "+shop+" is unavailable; try again later" || s["maximumAvailable"] != nil {
			t.Errorf("store %d: %v", i, s)
		}
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d probes, want one per store (no retries)", n)
	}
}

func get(body map[string]any, key string, i int) map[string]any {
	l, _ := body[key].([]any)
	if i >= len(l) {
		return nil
	}
	m, _ := l[i].(map[string]any)
	return m
}

func TestRateLimitsRequestErrors(t *testing.T) {
	f := newFakeShopify(t)
	g := NewGroup(testStorage, fakeTokens{}, Config{BaseURL: f.srv.URL}, shopify.NewThrottle(nil))
	noScope := auth.Identity{TenantID: tenantA, Principal: "k", Scopes: []auth.Scope{auth.ScopeConfigRead}}
	noGroup := reader("tenant-without-group")
	cases := []struct {
		name   string
		method string
		id     *auth.Identity
		status int
		code   string
	}{
		{"no caller", http.MethodGet, nil, 401, "UNAUTHENTICATED"},
		{"no scope", http.MethodGet, &noScope, 403, "FORBIDDEN"},
		{"wrong method", http.MethodPost, &noScope, 405, "VALIDATION_ERROR"},
	}
	for _, c := range cases {
		status, body, _ := serveRateLimits(t, g, rateLimitsEvent(t, c.method, c.id))
		e := get(body, "errors", 0)
		ext, _ := e["extensions"].(map[string]any)
		if status != c.status || ext["code"] != c.code || ext["statusCode"] != float64(c.status) {
			t.Errorf("%s: %d %v", c.name, status, body)
		}
	}
	status, body, _ := serveRateLimits(t, g, rateLimitsEvent(t, http.MethodGet, &noGroup))
	if status != 200 || !cmp.Equal(body, map[string]any{"stores": []any{}}) {
		t.Errorf("tenant without group: %d %v", status, body)
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("%d probes", n)
	}
}

// Against the emulator: its buckets (2000 points, 100 per second), as
// observed just now, for both demo stores.
func TestEmulatorRateLimits(t *testing.T) {
	e := newEmulatorEnv(t)
	g := NewGroup(fakeStorage{tenantA: {Name: "demo", Stores: []config.Store{
		{Domain: emulator.SourceShop, Classification: config.Source},
		{Domain: emulator.ProductionShop, Classification: config.Production},
	}}}, fakeTokens{
		tenantA + "/" + emulator.SourceShop:     emulator.SourceToken,
		tenantA + "/" + emulator.ProductionShop: emulator.ProductionToken,
	}, Config{BaseURL: e.url}, shopify.NewThrottle(nil))
	before := time.Now().UTC()
	res, err := g.Budgets(auth.WithIdentity(t.Context(), reader(tenantA)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stores) != 2 {
		t.Fatalf("%+v", res)
	}
	for _, s := range res.Stores {
		if s.Status != BudgetOK || *s.Maximum != emulator.DefaultMaximumAvailable || *s.RestoreRate != emulator.DefaultRestoreRate ||
			*s.Available > *s.Maximum || *s.Projected < *s.Available || s.ObservedAt == nil {
			t.Errorf("%s: %+v", s.Shop, s)
		}
		if at, err := time.Parse(time.RFC3339Nano, *s.ObservedAt); err != nil || at.Before(before) {
			t.Errorf("%s observed at %v", s.Shop, *s.ObservedAt)
		}
		if !strings.HasSuffix(s.Shop, ".myshopify.com") {
			t.Errorf("shop %q", s.Shop)
		}
	}
}
