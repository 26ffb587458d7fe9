package dev

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// The local Shopify app: fixed, public credentials for the local stack only.
// The functions verify session tokens and OAuth redirects with them, and the
// Shopify emulator signs with them, so the two agree.
const (
	LocalShopifyAPIKey    = "flux-local-shopify-api-key"
	LocalShopifyAPISecret = "flux-local-shopify-api-secret"
)

// LocalShopify is how the local stack's functions reach Shopify and keep its
// tokens.
type LocalShopify struct {
	// BaseURL is the Shopify emulator's per-shop base, with the "{shop}"
	// placeholder (e.g. http://127.0.0.1:3100/store/{shop}); "" = real Shopify.
	BaseURL string
	// TokenKey (hex, 32 bytes) seals shop tokens with a local key instead of
	// the template's KMS key: moto's KMS forgets its keys on restart, while
	// the table (and so the sealed tokens) persists. "" keeps KMS on moto.
	TokenKey string
}

// Env is what every function gets on top of the template locally: the app's
// credentials given directly (no SSM), and the Shopify settings above.
func (l LocalShopify) Env() map[string]string {
	env := map[string]string{
		"SHOPIFY_API_KEY":    LocalShopifyAPIKey,
		"SHOPIFY_API_SECRET": LocalShopifyAPISecret,
	}
	if l.BaseURL != "" {
		env["SHOPIFY_BASE_URL"] = l.BaseURL
	}
	if l.TokenKey != "" {
		env["TOKEN_LOCAL_KEY"] = l.TokenKey
		env["TOKEN_KMS_KEY_ID"] = "" // one sealer only: the local key
	}
	return env
}

// LoadOrCreateTokenKey reads the local token key from path, creating it
// (0600) the first time, so tokens sealed in one run open in the next.
func LoadOrCreateTokenKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(b))
		if raw, err := hex.DecodeString(key); err != nil || len(raw) != 32 {
			return "", fmt.Errorf("token key %s: not 32 bytes of hex; delete it to make a new one (connected stores must then be reconnected)", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read token key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate token key: %w", err)
	}
	key := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write token key: %w", err)
	}
	return key, nil
}
