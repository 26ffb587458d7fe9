package emulator

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The hmac covers form-encoded values: a host with '/' or '+' changes it, and
// Shopify's documented example verifies.
func TestOAuthHMACCanonicalForm(t *testing.T) {
	q := url.Values{"code": {"0907a61c0c8d55e99db179b68161bc00"}, "shop": {"some-shop.myshopify.com"}, "state": {"0.6784241404160823"}, "timestamp": {"1337178173"}}
	if got, want := OAuthHMAC("hush", q), "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"; got != want {
		t.Errorf("Shopify's documented example: hmac %s, want %s", got, want)
	}
	a := url.Values{"host": {"a/b+c"}, "shop": {"x.myshopify.com"}}
	b := url.Values{"host": {"a%2Fb%2Bc"}, "shop": {"x.myshopify.com"}}
	if OAuthHMAC("s", a) == OAuthHMAC("s", b) {
		t.Errorf("raw and pre-encoded values sign alike")
	}
}

func TestTokenExchange(t *testing.T) {
	e := newEnv(t, Options{})
	sessionToken := func(dest, secret string) string {
		now := time.Now()
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": dest + "/admin", "dest": dest, "aud": DefaultAPIKey, "sub": "42",
			"exp": now.Add(time.Minute).Unix(), "nbf": now.Add(-time.Second).Unix(), "iat": now.Unix(), "jti": "j1", "sid": "s1"})
		s, err := tok.SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	exchange := func(subject, requested string) (int, map[string]any) {
		body, _ := json.Marshal(map[string]any{"client_id": DefaultAPIKey, "client_secret": DefaultAPISecret,
			"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": subject,
			"subject_token_type": "urn:ietf:params:oauth:token-type:id_token", "requested_token_type": requested})
		resp, b := e.do("POST", "/admin/oauth/access_token", map[string]string{"Content-Type": "application/json", "X-Shopify-Shop-Domain": SecondShop}, body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	code, off := exchange(sessionToken("https://"+SecondShop, DefaultAPISecret), "urn:shopify:params:oauth:token-type:offline-access-token")
	if code != 200 || off["access_token"] == nil || off["expires_in"] != nil {
		t.Fatalf("offline: %d %v", code, off)
	}
	if r := e.gql(off["access_token"].(string), `{ shop { myshopifyDomain } }`, nil); str(r.mustData(t), "shop", "myshopifyDomain") != SecondShop {
		t.Errorf("offline token: %s", r.Raw)
	}
	code, on := exchange(sessionToken("https://"+SecondShop, DefaultAPISecret), "urn:shopify:params:oauth:token-type:online-access-token")
	if code != 200 || on["expires_in"] == nil || get(on, "associated_user", "id") != "42" {
		t.Errorf("online: %d %v", code, on)
	}
	for name, subject := range map[string]string{
		"wrong secret": sessionToken("https://"+SecondShop, "other"),
		"other shop":   sessionToken("https://"+SourceShop, DefaultAPISecret),
		"garbage":      "a.b.c",
	} {
		if code, m := exchange(subject, "urn:shopify:params:oauth:token-type:offline-access-token"); code != 400 || m["error"] != "invalid_subject_token" {
			t.Errorf("%s: %d %v", name, code, m)
		}
	}
}
