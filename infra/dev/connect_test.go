package dev

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store"
)

func TestConnectShopsSealsEmulatorTokensOnce(t *testing.T) {
	cfg, table := newSeedTable(t)
	ctx := context.Background()
	if _, err := Seed(ctx, NewSeedStore(cfg, table), t.TempDir(), DemoTenants()); err != nil {
		t.Fatal(err)
	}
	const key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

	n, err := ConnectShops(ctx, cfg, table, key, EmulatorConnections())
	if err != nil || n != 3 {
		t.Fatalf("first ConnectShops = %d, %v; want 3 connected", n, err)
	}
	if n, err := ConnectShops(ctx, cfg, table, key, EmulatorConnections()); err != nil || n != 0 {
		t.Fatalf("second ConnectShops = %d, %v; want 0 (already connected)", n, err)
	}

	// The functions' token service opens what was stored, for the right tenant only.
	raw, _ := secrets.ParseLocalKey(key)
	sealer, _ := secrets.NewLocalSealer(raw)
	svc := shoptokens.New(store.New(dynamodb.NewFromConfig(cfg), table), sealer, nil, shoptokens.Options{})
	tests := []struct {
		tenant, shop, want string
		kind               platform.Kind
	}{
		{"demo", emulator.SourceShop, emulator.SourceToken, 0},
		{"demo", emulator.ProductionShop, emulator.ProductionToken, 0},
		{"second", emulator.SecondShop, emulator.SecondToken, 0},
		{"second", emulator.SourceShop, "", platform.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.tenant+"/"+tt.shop, func(t *testing.T) {
			got, err := svc.AccessToken(ctx, tt.tenant, tt.shop)
			if tt.want == "" {
				if platform.KindOf(err) != tt.kind {
					t.Fatalf("err = %v, want kind %v", err, tt.kind)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("AccessToken = %q, %v; want %q", got, err, tt.want)
			}
		})
	}

	// A malformed key is refused before anything is written.
	if _, err := ConnectShops(ctx, cfg, table, "not-a-key", EmulatorConnections()); err == nil {
		t.Error("a malformed token key was accepted")
	}
}
