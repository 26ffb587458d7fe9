package install

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/store"
)

var installNow = time.Date(2026, 11, 24, 16, 0, 0, 0, time.UTC)

func newInstaller(states *memStates) *Installer {
	return &Installer{
		App: testApp(""),
		Groups: groups{
			testTenant: {Name: "Acme", Stores: []config.Store{
				{Domain: testShop, Classification: config.Source},
				{Domain: "acme-prod.myshopify.com", Classification: config.Production},
			}},
			"t_other": {Stores: []config.Store{{Domain: "other.myshopify.com", Classification: config.Source}}},
		},
		States: states,
		Now:    func() time.Time { return installNow },
	}
}

func TestInstallRedirectsToAuthorize(t *testing.T) {
	states := newMemStates()
	h := NewInstallHandler(quietLog(), newInstaller(states))
	resp := serve(t, h, event(t, "apigw-install-request.json", "shop="+testShop, "", nil))
	if resp.StatusCode != 302 {
		t.Fatalf("status %d, body %s", resp.StatusCode, resp.Body)
	}
	if got := header(resp, "Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	loc, err := url.Parse(header(resp, "Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Scheme != "https" || loc.Host != testShop || loc.Path != "/admin/oauth/authorize" {
		t.Errorf("Location %s", loc)
	}
	q := loc.Query()
	nonce := q.Get("state")
	want := url.Values{
		"client_id":       {testAPIKey},
		"scope":           {"write_content,write_products"},
		"redirect_uri":    {"https://api.flux.example/auth/shopify/callback"},
		"state":           {nonce},
		"grant_options[]": {""},
	}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("authorize query (-want +got):\n%s", diff)
	}
	// The state is stored, bound to the caller's tenant and the shop, for
	// 10 minutes.
	st, ok := states.m[nonce]
	if !ok {
		t.Fatalf("state %q not stored", nonce)
	}
	wantState := store.OAuthState{Nonce: nonce, TenantID: testTenant, Shop: testShop, ExpiresAt: installNow.Add(10 * time.Minute)}
	if diff := cmp.Diff(wantState, st); diff != "" {
		t.Errorf("stored state (-want +got):\n%s", diff)
	}
	if len(nonce) < 43 {
		t.Errorf("nonce %q is short", nonce)
	}
}

func TestInstallJSON(t *testing.T) {
	states := newMemStates()
	h := NewInstallHandler(quietLog(), newInstaller(states))
	// A merchant pasting the admin URL is understood too.
	resp := serve(t, h, event(t, "apigw-install-request.json", "shop="+url.QueryEscape("https://admin.shopify.com/store/acme-source"), "application/json", nil))
	if resp.StatusCode != 200 || !strings.HasPrefix(header(resp, "Content-Type"), "application/json") {
		t.Fatalf("status %d %q body %s", resp.StatusCode, header(resp, "Content-Type"), resp.Body)
	}
	var body AuthorizeResponse
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(body.AuthorizeURL)
	if u.Host != testShop || u.Query().Get("state") == "" || !body.ExpiresAt.Equal(installNow.Add(10*time.Minute)) {
		t.Errorf("body %+v", body)
	}
	if states.len() != 1 {
		t.Errorf("%d states stored", states.len())
	}
}

func TestInstallRefuses(t *testing.T) {
	readOnly := &auth.Identity{TenantID: testTenant, Principal: "key_ro", PrincipalType: auth.PrincipalAPIKey, Scopes: []auth.Scope{auth.ScopeStoresRead}}
	other := &auth.Identity{TenantID: "t_other", Principal: "key_o", PrincipalType: auth.PrincipalAPIKey, Scopes: []auth.Scope{auth.ScopeStoresWrite}}
	nogroup := &auth.Identity{TenantID: "t_new", Principal: "key_n", PrincipalType: auth.PrincipalAPIKey, Scopes: []auth.Scope{auth.ScopeStoresWrite}}
	tests := []struct {
		name   string
		query  string
		id     *auth.Identity
		noAuth bool
		status int
		code   string
	}{
		{"no caller", "shop=" + testShop, nil, true, 401, "UNAUTHENTICATED"},
		{"missing scope", "shop=" + testShop, readOnly, false, 403, "FORBIDDEN"},
		{"another tenant's shop", "shop=" + testShop, other, false, 404, "NOT_FOUND"},
		{"shop outside the group", "shop=unknown.myshopify.com", nil, false, 404, "NOT_FOUND"},
		{"tenant without a group", "shop=" + testShop, nogroup, false, 404, "NOT_FOUND"},
		{"not a shopify domain", "shop=acme.example.com", nil, false, 422, "VALIDATION_ERROR"},
		{"look-alike domain", "shop=acme-source.myshopify.com.evil.com", nil, false, 422, "VALIDATION_ERROR"},
		{"no shop", "", nil, false, 422, "VALIDATION_ERROR"},
		{"two shops", "shop=" + testShop + "&shop=acme-prod.myshopify.com", nil, false, 422, "VALIDATION_ERROR"},
		{"oversized shop", "shop=" + strings.Repeat("a", 5000) + ".myshopify.com", nil, false, 422, "VALIDATION_ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			states := newMemStates()
			h := NewInstallHandler(quietLog(), newInstaller(states))
			ev := event(t, "apigw-install-request.json", tt.query, "", tt.id)
			if tt.noAuth {
				ev.RequestContext.Authorizer = nil
			}
			resp := serve(t, h, ev)
			e := wantError(t, resp, tt.status, tt.code)
			if tt.status == 404 && strings.Contains(e.Message, "t_other") {
				t.Errorf("message names another tenant: %q", e.Message)
			}
			if states.len() != 0 {
				t.Errorf("a refused install stored %d states", states.len())
			}
			if header(resp, "Location") != "" {
				t.Error("a refused install redirects")
			}
		})
	}
}
