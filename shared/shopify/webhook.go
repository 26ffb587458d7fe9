package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// WebhookHMACHeader is the header Shopify signs webhook deliveries with.
const WebhookHMACHeader = "X-Shopify-Hmac-Sha256"

// VerifyWebhook reports whether header (the X-Shopify-Hmac-Sha256 value) is
// the base64 HMAC-SHA256 of the raw body under the app's secret. The body must
// be the bytes as received: re-encoded JSON does not verify. The comparison
// is constant-time, and an empty secret or header never verifies.
func VerifyWebhook(secret string, body []byte, header string) bool {
	header = strings.TrimSpace(header)
	if secret == "" || header == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, SignWebhook(secret, body))
}

// SignWebhook is the raw HMAC-SHA256 of body (base64-encode it for the
// header). Tests and the emulator sign deliveries with it.
func SignWebhook(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// WebhookSignature is the X-Shopify-Hmac-Sha256 value for body.
func WebhookSignature(secret string, body []byte) string {
	return base64.StdEncoding.EncodeToString(SignWebhook(secret, body))
}
