package emulator

import (
	"net/url"
	"testing"
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
