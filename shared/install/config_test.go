package install

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
)

func baseEnv() map[string]string {
	return map[string]string{
		"TABLE_NAME":                   "flux",
		"SHOPIFY_API_KEY":              "key",
		"SHOPIFY_API_SECRET_PARAMETER": "/flux/shopify/api-secret",
		"SHOPIFY_SCOPES":               "read_products,write_products",
		"FLUX_PUBLIC_URL":              "https://api.flux.example/",
		"TOKEN_KMS_KEY_ID":             "alias/flux-tokens",
	}
}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

func TestLoadConfig(t *testing.T) {
	localKey := base64.StdEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		name        string
		env         map[string]string
		installErr  string // "" = ok
		callbackErr string
	}{
		{"aws", baseEnv(), "", ""},
		{"local stack", with(baseEnv(), "SHOPIFY_API_SECRET_PARAMETER", "", "SHOPIFY_API_SECRET", "s", "FLUX_PUBLIC_URL", "http://127.0.0.1:8080",
			"SHOPIFY_BASE_URL", "http://127.0.0.1:8081/store/{shop}"), "", ""},
		{"local key", with(baseEnv(), "TOKEN_KMS_KEY_ID", "", "TOKEN_LOCAL_KEY", localKey), "", ""},
		{"no secret", with(baseEnv(), "SHOPIFY_API_SECRET_PARAMETER", ""), "SHOPIFY_API_SECRET or SHOPIFY_API_SECRET_PARAMETER", "SHOPIFY_API_SECRET or"},
		{"nothing", map[string]string{}, "TABLE_NAME is required", "TOKEN_KMS_KEY_ID or TOKEN_LOCAL_KEY"},
		{"http public url", with(baseEnv(), "FLUX_PUBLIC_URL", "http://api.flux.example"), "must be https", "must be https"},
		{"relative public url", with(baseEnv(), "FLUX_PUBLIC_URL", "/api"), "absolute https URL", "absolute https URL"},
		{"bad base url", with(baseEnv(), "SHOPIFY_BASE_URL", "ftp://x"), "SHOPIFY_BASE_URL", "SHOPIFY_BASE_URL"},
		{"no token key", with(baseEnv(), "TOKEN_KMS_KEY_ID", ""), "", "TOKEN_KMS_KEY_ID or TOKEN_LOCAL_KEY is required"},
		{"both token keys", with(baseEnv(), "TOKEN_LOCAL_KEY", localKey), "", "only one"},
		{"short local key", with(baseEnv(), "TOKEN_KMS_KEY_ID", "", "TOKEN_LOCAL_KEY", "c2hvcnQ="), "", "TOKEN_LOCAL_KEY"},
		{"state ttl", with(baseEnv(), "OAUTH_STATE_TTL", "2h"), "OAUTH_STATE_TTL", "OAUTH_STATE_TTL"},
		{"api version", with(baseEnv(), "SHOPIFY_API_VERSION", "2026-10"), "", ""},
		{"bad api version", with(baseEnv(), "SHOPIFY_API_VERSION", "2026-13"), "SHOPIFY_API_VERSION", "SHOPIFY_API_VERSION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(what string, err error, want string) {
				t.Helper()
				if want == "" {
					if err != nil {
						t.Errorf("%s: %v", what, err)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s: err = %v, want containing %q", what, err, want)
				}
				if err != nil && strings.Contains(err.Error(), "c2hvcnQ=") {
					t.Errorf("%s: error shows the key", what)
				}
			}
			_, err := LoadInstallConfig(platform.EnvFrom(tt.env))
			check("install", err, tt.installErr)
			_, err = LoadCallbackConfig(platform.EnvFrom(tt.env))
			check("callback", err, tt.callbackErr)
		})
	}
}

func TestConfigBuilds(t *testing.T) {
	c, err := LoadCallbackConfig(platform.EnvFrom(with(baseEnv(), "SHOPIFY_BASE_URL", "http://127.0.0.1:8081/store/{shop}/")))
	if err != nil {
		t.Fatal(err)
	}
	if c.RedirectURL() != "https://api.flux.example/auth/shopify/callback" || c.StateTTL != 10*time.Minute {
		t.Errorf("config %+v", c)
	}
	var asked string
	app, err := c.App(context.Background(), func(_ context.Context, name string) (string, error) { asked = name; return "from-ssm", nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if asked != "/flux/shopify/api-secret" || app.APISecret != "from-ssm" || app.Scopes.String() != "write_products" {
		t.Errorf("app %v (asked %q)", app, asked)
	}
	if got := app.BaseURL("a.myshopify.com"); got != "http://127.0.0.1:8081/store/a.myshopify.com" {
		t.Errorf("base URL %q", got)
	}
	if _, err := c.App(context.Background(), nil, nil); err == nil {
		t.Error("secret parameter without a reader accepted")
	}
	if _, err := c.App(context.Background(), func(context.Context, string) (string, error) { return "", errors.New("denied") }, nil); err == nil {
		t.Error("unreadable secret accepted")
	}
	s, err := c.Sealer(kms.New(kms.Options{Region: "us-east-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*secrets.KMSSealer); !ok {
		t.Errorf("sealer %T, want KMS", s)
	}
	c.TokenKMSKeyID, c.TokenLocalKey = "", base64.StdEncoding.EncodeToString(make([]byte, 32))
	if s, err := c.Sealer(nil); err != nil {
		t.Fatal(err)
	} else if _, ok := s.(*secrets.LocalSealer); !ok {
		t.Errorf("sealer %T, want local", s)
	}
	if BaseURLFunc("") != nil {
		t.Error("empty base URL gives a mapping")
	}
}

// The webhook registrar points at FLUX_PUBLIC_URL/webhooks/shopify and at
// the configured Admin API.
func TestWebhookRegistrar(t *testing.T) {
	c, err := LoadCallbackConfig(platform.EnvFrom(with(baseEnv(), "SHOPIFY_API_VERSION", "2026-07", "SHOPIFY_BASE_URL", "http://127.0.0.1:8081/store/{shop}")))
	if err != nil {
		t.Fatal(err)
	}
	r := c.WebhookRegistrar(nil)
	if r.CallbackURL != "https://api.flux.example/webhooks/shopify" || r.Shopify.APIVersion != "2026-07" ||
		r.Shopify.BaseURL("a.myshopify.com") != "http://127.0.0.1:8081/store/a.myshopify.com" {
		t.Errorf("registrar %+v", r)
	}
}
