package shopify

import (
	"os"
	"testing"
)

func TestVerifyWebhook(t *testing.T) {
	body, err := os.ReadFile("testdata/products_response.json")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "hush"
	good := WebhookSignature(secret, body)
	tests := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{"valid", secret, body, good, true},
		{"valid with spaces", secret, body, " " + good + " ", true},
		{"wrong secret", "other", body, good, false},
		{"body changed", secret, append([]byte(" "), body...), good, false},
		{"empty header", secret, body, "", false},
		{"empty secret", "", body, WebhookSignature("", body), false},
		{"not base64", secret, body, "%%%", false},
		{"hex instead of base64", secret, body, "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20", false},
		{"truncated", secret, body, good[:20], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifyWebhook(tt.secret, tt.body, tt.header); got != tt.want {
				t.Errorf("VerifyWebhook = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzVerifyWebhook(f *testing.F) {
	f.Add("hush", []byte(`{"id":1}`), "")
	f.Add("hush", []byte(`{"id":1}`), WebhookSignature("hush", []byte(`{"id":1}`)))
	f.Add("", []byte{}, "AAAA")
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string) {
		got := VerifyWebhook(secret, body, header)
		if got && (secret == "" || header == "") {
			t.Fatal("verified without a secret or header")
		}
		if secret != "" && !VerifyWebhook(secret, body, WebhookSignature(secret, body)) {
			t.Fatal("own signature does not verify")
		}
	})
}
