package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

func TestLoadAuthorizerConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr bool
		want    AuthorizerConfig
	}{
		{"table only", map[string]string{"TABLE_NAME": "t"}, false,
			AuthorizerConfig{Table: "t", SessionLeeway: DefaultSessionLeeway, TouchInterval: DefaultTouchInterval}},
		{"missing table", map[string]string{}, true, AuthorizerConfig{}},
		{"bad duration", map[string]string{"TABLE_NAME": "t", "API_KEY_TOUCH_INTERVAL": "soon"}, true, AuthorizerConfig{}},
		{"key without secret", map[string]string{"TABLE_NAME": "t", "SHOPIFY_API_KEY": "k"}, true, AuthorizerConfig{}},
		{"key with parameter", map[string]string{"TABLE_NAME": "t", "SHOPIFY_API_KEY": "k", "SHOPIFY_API_SECRET_PARAMETER": "/p", "SHOPIFY_SESSION_LEEWAY": "5s"}, false,
			AuthorizerConfig{Table: "t", ShopifyAPIKey: "k", ShopifyAPISecretParameter: "/p", SessionLeeway: 5 * time.Second, TouchInterval: DefaultTouchInterval}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadAuthorizerConfig(platform.EnvFrom(tt.env))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewAuthorizerSecretSources(t *testing.T) {
	ctx := context.Background()
	var read []string
	reader := func(_ context.Context, name string) (string, error) {
		read = append(read, name)
		if name == "/missing" {
			return "", errors.New("parameter not found")
		}
		return "from-ssm", nil
	}
	tests := []struct {
		name        string
		cfg         AuthorizerConfig
		reader      SecretReader
		wantSession bool
		wantErr     bool
		wantReads   int
	}{
		{"sessions off", AuthorizerConfig{}, reader, false, false, 0},
		{"direct secret", AuthorizerConfig{ShopifyAPIKey: "k", ShopifyAPISecret: "s"}, reader, true, false, 0},
		{"parameter", AuthorizerConfig{ShopifyAPIKey: "k", ShopifyAPISecretParameter: "/p"}, reader, true, false, 1},
		{"parameter unreadable", AuthorizerConfig{ShopifyAPIKey: "k", ShopifyAPISecretParameter: "/missing"}, reader, false, true, 1},
		{"parameter without reader", AuthorizerConfig{ShopifyAPIKey: "k", ShopifyAPISecretParameter: "/p"}, nil, false, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read = nil
			a, err := tt.cfg.NewAuthorizer(ctx, nil, tt.reader, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if len(read) != tt.wantReads {
				t.Errorf("secret reads = %d, want %d", len(read), tt.wantReads)
			}
			if err == nil && (a.Session != nil) != tt.wantSession {
				t.Errorf("session verifier = %v, want %v", a.Session != nil, tt.wantSession)
			}
		})
	}
}
