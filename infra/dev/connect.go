package dev

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/secrets"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/shoptokens"
	"github.com/flux-platform/flux/shared/store"
)

// ShopSeed is a shop connection the local stack stores for a tenant, as the
// OAuth callback would after an install.
type ShopSeed struct {
	TenantID    string
	Shop        string
	AccessToken string
	Scope       string
}

// emulatorScope is what the emulator's development tokens may do: all of it.
const emulatorScope = "read_products,write_products,read_content,write_content,read_themes,write_themes," +
	"read_files,write_files,read_discounts,write_discounts,read_metaobjects,write_metaobjects," +
	"read_metaobject_definitions,write_metaobject_definitions,read_online_store_navigation,write_online_store_navigation"

// EmulatorConnections connects the demo tenants' stores (DemoTenants) to the
// Shopify emulator's demo shops with the emulator's development tokens.
func EmulatorConnections() []ShopSeed {
	return []ShopSeed{
		{TenantID: "demo", Shop: emulator.SourceShop, AccessToken: emulator.SourceToken, Scope: emulatorScope},
		{TenantID: "demo", Shop: emulator.ProductionShop, AccessToken: emulator.ProductionToken, Scope: emulatorScope},
		{TenantID: "second", Shop: emulator.SecondShop, AccessToken: emulator.SecondToken, Scope: emulatorScope},
	}
}

// ConnectShops stores each seed as its tenant's shop connection through the
// token service, sealed with the stack's local token key (LocalShopify.TokenKey),
// so the functions read it exactly as they read a connection made by an
// install. A shop already connected (by an install through the emulator's
// OAuth, say) is left as it is. It returns how many it connected.
func ConnectShops(ctx context.Context, cfg aws.Config, table, tokenKey string, seeds []ShopSeed) (int, error) {
	key, err := secrets.ParseLocalKey(tokenKey)
	if err != nil {
		return 0, fmt.Errorf("token key: %w", err)
	}
	sealer, err := secrets.NewLocalSealer(key)
	if err != nil {
		return 0, err
	}
	st := store.New(dynamodb.NewFromConfig(cfg), table)
	svc := shoptokens.New(st, sealer, nil, shoptokens.Options{})
	n := 0
	for _, s := range seeds {
		_, err := st.ShopConnection(ctx, s.TenantID, s.Shop)
		if err == nil {
			continue
		}
		if platform.KindOf(err) != platform.KindNotFound {
			return n, fmt.Errorf("read connection of %s: %w", s.Shop, err)
		}
		sess := shopify.Session{ID: shopify.OfflineSessionID(s.Shop), Shop: s.Shop, AccessToken: s.AccessToken, Scope: s.Scope}
		if _, err := svc.Connect(ctx, s.TenantID, sess); err != nil {
			return n, fmt.Errorf("connect %s to tenant %s: %w", s.Shop, s.TenantID, err)
		}
		n++
	}
	return n, nil
}
