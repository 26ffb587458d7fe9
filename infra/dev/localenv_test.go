package dev

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLocalShopifyEnv(t *testing.T) {
	tests := []struct {
		name string
		l    LocalShopify
		want map[string]string
	}{
		{"real shopify, kms", LocalShopify{}, map[string]string{
			"SHOPIFY_API_KEY": LocalShopifyAPIKey, "SHOPIFY_API_SECRET": LocalShopifyAPISecret}},
		{"emulator, local key", LocalShopify{BaseURL: "http://127.0.0.1:1/store/{shop}", TokenKey: "ab"}, map[string]string{
			"SHOPIFY_API_KEY": LocalShopifyAPIKey, "SHOPIFY_API_SECRET": LocalShopifyAPISecret,
			"SHOPIFY_BASE_URL": "http://127.0.0.1:1/store/{shop}", "TOKEN_LOCAL_KEY": "ab", "TOKEN_KMS_KEY_ID": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.l.Env()); diff != "" {
				t.Errorf("env (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadOrCreateTokenKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token-key")
	first, err := LoadOrCreateTokenKey(path)
	if err != nil || len(first) != 64 {
		t.Fatalf("create: %q, %v", first, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v", fi.Mode(), err)
	}
	again, err := LoadOrCreateTokenKey(path)
	if err != nil || again != first {
		t.Errorf("reload = %q, %v; want the same key", again, err)
	}
	if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateTokenKey(path); err == nil {
		t.Error("a damaged key file was accepted")
	}
}
