package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func TestValidateShop(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"demo.myshopify.com", "demo.myshopify.com"},
		{" Demo.MyShopify.com ", "demo.myshopify.com"},
		{"https://demo.myshopify.com/", "demo.myshopify.com"},
		{"https://admin.shopify.com/store/demo", "demo.myshopify.com"},
		{"admin.shopify.com/store/demo-2/", "demo-2.myshopify.com"},
		{"demo.myshopify.com.evil.com", ""},
		{"evil.com/demo.myshopify.com", ""},
		{"demo.myshopify.com:443", ""},
		{"user@demo.myshopify.com", ""},
		{"demo.myshopify.com/admin", ""},
		{"demo.shopify.com", ""},
		{"-demo.myshopify.com", ""},
		{"de mo.myshopify.com", ""},
		{"", ""},
		{"admin.shopify.com/store/", ""},
		{"https://admin.shopify.com/store/demo/../x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ValidateShop(tt.in)
			if tt.want == "" {
				if err == nil || platform.KindOf(err) != platform.KindValidation {
					t.Fatalf("ValidateShop(%q) = %q, %v; want a validation error", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ValidateShop(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzValidateShop(f *testing.F) {
	for _, s := range []string{"demo.myshopify.com", "https://admin.shopify.com/store/x", "a.myshopify.com.evil.com", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ValidateShop(s)
		if err != nil {
			return
		}
		if !strings.HasSuffix(got, ".myshopify.com") || strings.ContainsAny(got, "/:@?# ") {
			t.Fatalf("%q accepted as %q", s, got)
		}
		if again, err := ValidateShop(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}

func TestVerifyHMACQuery(t *testing.T) {
	// Shopify's documented example (secret "hush").
	const doc = "code=0907a61c0c8d55e99db179b68161bc00&hmac=4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20&shop=some-shop.myshopify.com&timestamp=1337178173"
	q, _ := url.ParseQuery(doc)
	if !VerifyHMACQuery("hush", q) {
		t.Fatalf("Shopify's documented example does not verify; message %q", QueryMessage(q))
	}
	signed := func(mut func(url.Values)) url.Values {
		v := url.Values{"code": {"abc"}, "shop": {"demo.myshopify.com"}, "state": {"n0nce"}, "timestamp": {"1764000000"},
			"host": {"YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw"}}
		if mut != nil {
			mut(v)
		}
		v.Set("hmac", SignQuery("hush", v))
		return v
	}
	tests := []struct {
		name string
		q    url.Values
		want bool
	}{
		{"documented example", q, true},
		{"signed", signed(nil), true},
		{"signature param ignored", func() url.Values { v := signed(nil); v.Set("signature", "x"); return v }(), true},
		{"special characters", signed(func(v url.Values) { v.Set("state", "a b&c=d%e*~é") }), true},
		{"repeated parameter", signed(func(v url.Values) { v["ids[]"] = []string{"2", "1"} }), true},
		{"uppercase hex accepted", func() url.Values { v := signed(nil); v.Set("hmac", strings.ToUpper(v.Get("hmac"))); return v }(), true},
		{"legacy form: raw '/' and '+' in host (the emulator, Shopify's docs)", legacySigned(url.Values{"code": {"c0de"}, "host": {"YWRt/aW4+c2hvcGlmeS5jb20"}, "shop": {"demo.myshopify.com"}, "timestamp": {"1764000000"}}), true},
		{"legacy form: escaped & and %", legacySigned(url.Values{"state": {"a&b%c"}, "shop": {"demo.myshopify.com"}}), true},
		{"legacy form: array parameter", legacySigned(url.Values{"ids[]": {"1", "2"}, "shop": {"demo.myshopify.com"}}), true},
		{"legacy form tampered", func() url.Values {
			v := legacySigned(url.Values{"host": {"YWRt/aW4"}, "shop": {"demo.myshopify.com"}})
			v.Set("host", "YWRt/aW5")
			return v
		}(), false},
		{"tampered value", func() url.Values { v := signed(nil); v.Set("shop", "evil.myshopify.com"); return v }(), false},
		{"added parameter", func() url.Values { v := signed(nil); v.Set("extra", "1"); return v }(), false},
		{"no hmac", func() url.Values { v := signed(nil); v.Del("hmac"); return v }(), false},
		{"two hmacs", func() url.Values { v := signed(nil); v.Add("hmac", v.Get("hmac")); return v }(), false},
		{"not hex", func() url.Values { v := signed(nil); v.Set("hmac", "zz"); return v }(), false},
		{"base64 instead of hex", func() url.Values {
			v := signed(nil)
			v.Set("hmac", "R xK/kv/CkX0V8qX1ozngEWZnQZqqa4vEGLqvr6PDxNI=")
			return v
		}(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifyHMACQuery("hush", tt.q); got != tt.want {
				t.Errorf("VerifyHMACQuery = %v, want %v (message %q)", got, tt.want, QueryMessage(tt.q))
			}
		})
	}
	if VerifyHMACQuery("", signed(nil)) || VerifyHMACQuery("other", signed(nil)) {
		t.Error("verified with the wrong secret")
	}
}

// legacySigned signs q the way Shopify's documentation describes.
func legacySigned(q url.Values) url.Values {
	m := hmac.New(sha256.New, []byte("hush"))
	m.Write([]byte(LegacyQueryMessage(q)))
	q.Set("hmac", hex.EncodeToString(m.Sum(nil)))
	return q
}

func TestLegacyQueryMessage(t *testing.T) {
	q := url.Values{"ids[]": {"1", "2"}, "a=b": {"x&y%z"}, "hmac": {"h"}, "host": {"YW/+"}}
	if got, want := LegacyQueryMessage(q), `a%3Db=x%26y%25z&host=YW/+&ids=["1", "2"]`; got != want {
		t.Errorf("LegacyQueryMessage = %q, want %q", got, want)
	}
}

func TestQueryMessage(t *testing.T) {
	q := url.Values{"b": {"x y"}, "a": {"1&2=3"}, "hmac": {"h"}, "c~": {"*-._~"}}
	if got, want := QueryMessage(q), "a=1%262%3D3&b=x+y&c%7E=*-._%7E"; got != want {
		t.Errorf("QueryMessage = %q, want %q", got, want)
	}
}

func FuzzVerifyHMACQuery(f *testing.F) {
	f.Add("code=0907a61c0c8d55e99db179b68161bc00&hmac=4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20&shop=some-shop.myshopify.com&timestamp=1337178173", "hush")
	f.Add("hmac=&hmac=", "")
	f.Add("a=%zz&hmac=00", "s")
	f.Fuzz(func(t *testing.T, raw, secret string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		got := VerifyHMACQuery(secret, q)
		if got && secret == "" {
			t.Fatal("verified without a secret")
		}
		if secret == "" {
			return
		}
		// Re-signed by us, the same parameters always verify.
		q.Del("hmac")
		q.Set("hmac", SignQuery(secret, q))
		if !VerifyHMACQuery(secret, q) {
			t.Fatalf("own signature of %q does not verify", raw)
		}
	})
}

func TestCheckTimestamp(t *testing.T) {
	ts := func(d time.Duration) url.Values {
		return url.Values{"timestamp": {strconv.FormatInt(t0.Add(d).Unix(), 10)}}
	}
	tests := []struct {
		name string
		q    url.Values
		ok   bool
	}{
		{"now", ts(0), true},
		{"89 s old", ts(-89 * time.Second), true},
		{"91 s old", ts(-91 * time.Second), false},
		{"91 s ahead", ts(91 * time.Second), false},
		{"missing", url.Values{}, false},
		{"garbage", url.Values{"timestamp": {"soon"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckTimestamp(tt.q, t0, DefaultTimestampTolerance); (err == nil) != tt.ok {
				t.Errorf("CheckTimestamp = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestStateOneTimeAndExpiring(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStateStore()
	st, err := NewState(ctx, store, "tenant-1", "Demo.myshopify.com", false, time.Minute, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Nonce) != 43 || st.Shop != "demo.myshopify.com" || !st.ExpiresAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("state %+v", st)
	}
	other, _ := NewState(ctx, store, "tenant-1", "demo.myshopify.com", false, time.Minute, t0)
	if other.Nonce == st.Nonce {
		t.Fatal("nonces repeat")
	}
	got, err := ConsumeState(ctx, store, st.Nonce, "demo.myshopify.com", t0.Add(30*time.Second))
	if err != nil || got.TenantID != "tenant-1" {
		t.Fatalf("ConsumeState = %+v, %v", got, err)
	}
	tests := []struct {
		name  string
		nonce string
		shop  string
		at    time.Time
	}{
		{"used twice", st.Nonce, "demo.myshopify.com", t0},
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "demo.myshopify.com", t0},
		{"malformed", "x", "demo.myshopify.com", t0},
		{"expired", other.Nonce, "demo.myshopify.com", t0.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ConsumeState(ctx, store, tt.nonce, tt.shop, tt.at)
			if platform.KindOf(err) != platform.KindValidation {
				t.Fatalf("err = %v, want a validation error", err)
			}
			// One answer for every case: a prober learns nothing.
			if msg := platform.PublicMessage(err); msg != "the install link is invalid or has expired; start the install again" {
				t.Errorf("message %q", msg)
			}
		})
	}
	third, _ := NewState(ctx, store, "tenant-1", "demo.myshopify.com", false, time.Minute, t0)
	if _, err := ConsumeState(ctx, store, third.Nonce, "other.myshopify.com", t0); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("state used for another shop: %v", err)
	}
	if _, err := NewState(ctx, store, "", "demo.myshopify.com", false, 0, t0); err == nil {
		t.Error("state without a tenant")
	}
	if _, err := NewState(ctx, store, "t", "evil.com", false, 0, t0); err == nil {
		t.Error("state for a bad shop")
	}
}

func testApp(srvURL string) *App {
	a := &App{APIKey: "api-key-1", APISecret: "hush", Scopes: shopify.ParseAuthScopes("write_products,read_orders,read_products"),
		RedirectURL: "https://api.flux.test/auth/shopify/callback", Now: func() time.Time { return t0 }}
	if srvURL != "" {
		a.BaseURL = func(string) string { return srvURL }
	}
	return a
}

func TestAuthorizeURL(t *testing.T) {
	a := testApp("")
	got, err := a.AuthorizeURL("demo.myshopify.com", "n0nce", true)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(got)
	if u.Scheme != "https" || u.Host != "demo.myshopify.com" || u.Path != "/admin/oauth/authorize" {
		t.Errorf("URL %s", got)
	}
	want := url.Values{"client_id": {"api-key-1"}, "scope": {"read_orders,write_products"}, "redirect_uri": {"https://api.flux.test/auth/shopify/callback"},
		"state": {"n0nce"}, "grant_options[]": {"per-user"}}
	if diff := cmp.Diff(want, u.Query()); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if _, err := a.AuthorizeURL("evil.com", "n", false); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("bad shop: %v", err)
	}
	if off, _ := a.AuthorizeURL("demo.myshopify.com", "n", false); strings.Contains(off, "per-user") || strings.Contains(off, "hush") {
		t.Errorf("offline URL %s", off)
	}
}

func TestVerifyCallback(t *testing.T) {
	ctx := context.Background()
	a := testApp("")
	callback := func(store StateStore, mut func(url.Values)) url.Values {
		st, err := NewState(ctx, store, "tenant-1", "demo.myshopify.com", false, time.Minute, t0)
		if err != nil {
			t.Fatal(err)
		}
		q := url.Values{"code": {"0907a61c0c8d55e99db179b68161bc00"}, "shop": {"demo.myshopify.com"}, "state": {st.Nonce},
			"timestamp": {strconv.FormatInt(t0.Unix(), 10)}, "host": {"YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw"}}
		if mut != nil {
			mut(q)
		}
		q.Set("hmac", SignQuery("hush", q))
		return q
	}
	store := NewMemoryStateStore()
	q := callback(store, nil)
	cb, err := a.VerifyCallback(ctx, q, store)
	if err != nil {
		t.Fatal(err)
	}
	if cb.Shop != "demo.myshopify.com" || cb.Code != "0907a61c0c8d55e99db179b68161bc00" || cb.State.TenantID != "tenant-1" {
		t.Errorf("callback %+v", cb)
	}
	if _, err := a.VerifyCallback(ctx, q, store); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("replayed callback: %v", err)
	}
	tests := []struct {
		name string
		q    url.Values
	}{
		{"bad shop", callback(store, func(v url.Values) { v.Set("shop", "evil.com") })},
		{"stale timestamp", callback(store, func(v url.Values) { v.Set("timestamp", strconv.FormatInt(t0.Add(-time.Hour).Unix(), 10)) })},
		{"no code", callback(store, func(v url.Values) { v.Del("code") })},
		{"unknown state", callback(store, func(v url.Values) { v.Set("state", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") })},
		{"forged hmac", func() url.Values { v := callback(store, nil); v.Set("code", "other"); return v }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := a.VerifyCallback(ctx, tt.q, store); platform.KindOf(err) != platform.KindValidation {
				t.Errorf("err = %v, want a validation error", err)
			}
		})
	}
}

// tokenServer is the shop's /admin/oauth/access_token.
type tokenServer struct {
	t      *testing.T
	status int
	answer string
	got    map[string]string
	header http.Header
}

func (s *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/admin/oauth/access_token" {
		http.NotFound(w, r)
		return
	}
	s.header = r.Header.Clone()
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &s.got); err != nil {
		s.t.Errorf("body %s: %v", b, err)
	}
	w.Header().Set("Content-Type", "application/json")
	if s.status != 0 {
		w.WriteHeader(s.status)
	}
	io.WriteString(w, s.answer)
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTokenRequests(t *testing.T) {
	ctx := context.Background()
	offline := readTestdata(t, "access_token_offline_expiring.json")
	online := readTestdata(t, "access_token_online.json")
	exp := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	offlineSession := shopify.Session{ID: "offline_demo.myshopify.com", Shop: "demo.myshopify.com", Scope: "write_products,read_orders",
		AccessToken: "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", Expires: exp(time.Hour),
		RefreshToken: "shprt_0a1b2c3d4e5f60718293a4b5c6d7e8f9", RefreshTokenExpires: exp(90 * 24 * time.Hour)}
	tests := []struct {
		name     string
		answer   string
		call     func(a *App) (shopify.Session, error)
		wantBody map[string]string
		want     shopify.Session
	}{
		{"authorization code, expiring", offline,
			func(a *App) (shopify.Session, error) {
				return a.ExchangeCode(ctx, Callback{Shop: "demo.myshopify.com", Code: "c0de", State: State{Nonce: "n0nce"}}, true)
			},
			map[string]string{"client_id": "api-key-1", "client_secret": "hush", "code": "c0de", "expiring": "1"},
			func() shopify.Session { s := offlineSession; s.State = "n0nce"; return s }()},
		{"token exchange, offline expiring", offline,
			func(a *App) (shopify.Session, error) {
				return a.TokenExchange(ctx, "demo.myshopify.com", "eyJhbGciOiJIUzI1NiJ9.session.token", false, true)
			},
			map[string]string{"client_id": "api-key-1", "client_secret": "hush", "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
				"subject_token": "eyJhbGciOiJIUzI1NiJ9.session.token", "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
				"requested_token_type": "urn:shopify:params:oauth:token-type:offline-access-token", "expiring": "1"},
			offlineSession},
		{"token exchange, online", online,
			func(a *App) (shopify.Session, error) {
				return a.TokenExchange(ctx, "demo.myshopify.com", "id.token", true, false)
			},
			map[string]string{"client_id": "api-key-1", "client_secret": "hush", "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
				"subject_token": "id.token", "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
				"requested_token_type": "urn:shopify:params:oauth:token-type:online-access-token", "expiring": "0"},
			shopify.Session{ID: "demo.myshopify.com_902541635", Shop: "demo.myshopify.com", IsOnline: true, Scope: "write_products,read_orders",
				AccessToken: "shpua_1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f", Expires: exp(86399 * time.Second),
				OnlineAccessInfo: &shopify.OnlineAccessInfo{ExpiresIn: 86399, AssociatedUserScope: "write_products",
					AssociatedUser: shopify.OnlineAccessUser{ID: 902541635, FirstName: "John", LastName: "Smith", Email: "john@example.com",
						EmailVerified: true, AccountOwner: true, Locale: "en"}}}},
		{"refresh", offline,
			func(a *App) (shopify.Session, error) {
				return a.Refresh(ctx, "demo.myshopify.com", "shprt_old")
			},
			map[string]string{"client_id": "api-key-1", "client_secret": "hush", "grant_type": "refresh_token", "refresh_token": "shprt_old"},
			offlineSession},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &tokenServer{t: t, answer: tt.answer}
			hs := httptest.NewServer(srv)
			defer hs.Close()
			got, err := tt.call(testApp(hs.URL))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantBody, srv.got); diff != "" {
				t.Errorf("request body (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("session (-want +got):\n%s", diff)
			}
			if srv.header.Get(shopify.ShopHeader) != "demo.myshopify.com" {
				t.Errorf("shop header %q", srv.header.Get(shopify.ShopHeader))
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		status int
		answer string
		call   func(a *App) (shopify.Session, error)
		kind   platform.Kind
		token  bool // ErrTokenRejected in the chain
	}{
		{"bad code", 400, `{"error":"invalid_request","error_description":"The authorization code was not found or was already used"}`,
			func(a *App) (shopify.Session, error) {
				return a.ExchangeCode(ctx, Callback{Shop: "demo.myshopify.com", Code: "x"}, false)
			},
			platform.KindValidation, false},
		{"bad session token", 400, `{"error":"invalid_subject_token","error_description":"Session token is invalid."}`,
			func(a *App) (shopify.Session, error) {
				return a.TokenExchange(ctx, "demo.myshopify.com", "bad", false, true)
			},
			platform.KindUnauthenticated, false},
		{"refresh rejected", 400, `{"error":"invalid_grant","error_description":"refresh token is invalid"}`,
			func(a *App) (shopify.Session, error) { return a.Refresh(ctx, "demo.myshopify.com", "shprt_x") },
			platform.KindForbidden, true},
		{"no refresh token", 200, `{}`,
			func(a *App) (shopify.Session, error) { return a.Refresh(ctx, "demo.myshopify.com", "") },
			platform.KindForbidden, true},
		{"shopify down", 503, ``,
			func(a *App) (shopify.Session, error) { return a.Refresh(ctx, "demo.myshopify.com", "shprt_x") },
			platform.KindUnavailable, false},
		{"garbage", 200, `<html>`,
			func(a *App) (shopify.Session, error) { return a.Refresh(ctx, "demo.myshopify.com", "shprt_x") },
			platform.KindUnavailable, false},
		{"bad shop", 200, `{}`,
			func(a *App) (shopify.Session, error) { return a.Refresh(ctx, "evil.com", "shprt_x") },
			platform.KindValidation, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := httptest.NewServer(&tokenServer{t: t, status: tt.status, answer: tt.answer})
			defer hs.Close()
			_, err := tt.call(testApp(hs.URL))
			if platform.KindOf(err) != tt.kind {
				t.Fatalf("err = %v, want kind %v", err, tt.kind)
			}
			if errors.Is(err, shopify.ErrTokenRejected) != tt.token {
				t.Errorf("ErrTokenRejected in chain = %v, want %v", !tt.token, tt.token)
			}
			for _, secret := range []string{"hush", "shprt_x"} {
				if strings.Contains(platform.PublicMessage(err), secret) || strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks %q: %v", secret, err)
				}
			}
		})
	}
	unreachable := testApp("http://127.0.0.1:1")
	if _, err := unreachable.Refresh(ctx, "demo.myshopify.com", "shprt_x"); platform.KindOf(err) != platform.KindUnavailable {
		t.Errorf("unreachable: %v", err)
	}
}

func TestAppNeverPrintsSecret(t *testing.T) {
	a := testApp("")
	for _, out := range []string{a.String(), fmt.Sprintf("%v", a), fmt.Sprintf("%+v", *a), fmt.Sprintf("%#v", *a)} {
		if strings.Contains(out, "hush") || !strings.Contains(out, "api-key-1") {
			t.Errorf("printed: %s", out)
		}
	}
}
