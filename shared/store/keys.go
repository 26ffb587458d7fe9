// Package store is Flux's DynamoDB single table: key formats (this file),
// the table's shape, item layouts and the access patterns that
// docs/data-model.md lists one by one.
package store

import "strings"

// Every key format of the table is one function here and nowhere else.
//
// Layout (see docs/data-model.md):
//
//	PK                  SK                       item
//	TENANT#<tenant>     TENANT                   tenant
//	TENANT#<tenant>     GROUP                    store group name
//	TENANT#<tenant>     GROUP#STORE#<domain>     a store of the group
//	TENANT#<tenant>     APIKEY#<keyId>           an API key (with its hash)
//	SHOP#<domain>       SHOP                     guard: the one tenant owning a shop
//	KEYHASH#<sha256>    KEYHASH                  lookup: hash -> tenant, key, scopes
//	TENANT#<tenant>     SHOPTOKEN#<domain>       a connected shop's sealed Shopify tokens
//	OAUTHSTATE#<nonce>  OAUTHSTATE               a one-time OAuth install state (TTL)
//	WEBHOOK#<webhookId> WEBHOOK                  a received Shopify webhook delivery (dedupe, TTL)
//
// Everything a tenant owns sits under PK TENANT#<tenant>. SHOP# and KEYHASH#
// items are global lookup items that carry the tenant id as an attribute.
const (
	sep = "#"

	prefixTenant  = "TENANT" + sep
	prefixShop    = "SHOP" + sep
	prefixKeyHash = "KEYHASH" + sep
	prefixState   = "OAUTHSTATE" + sep
	prefixWebhook = "WEBHOOK" + sep

	skTenant  = "TENANT"
	skGroup   = "GROUP"
	skStores  = skGroup + sep + "STORE" + sep
	skAPIKeys = "APIKEY" + sep
	skShop    = "SHOP"
	skKeyHash = "KEYHASH"
	// skShopTokens must not start with GROUP or APIKEY#: the group and key
	// queries read those prefixes of the tenant's partition.
	skShopTokens = "SHOPTOKEN" + sep
	skState      = "OAUTHSTATE"
	skWebhook    = "WEBHOOK"

	// gsi1Tenants is the GSI1 partition listing every tenant (operator use).
	gsi1Tenants = "TENANTS"
)

// TenantPK is the partition of everything tenant tenantID owns.
func TenantPK(tenantID string) string { return prefixTenant + tenantID }

// TenantSK is the sort key of the tenant item itself.
func TenantSK() string { return skTenant }

// GroupSK is the sort key of the tenant's store group item.
func GroupSK() string { return skGroup }

// GroupPrefix is the sort key prefix shared by the group item and its stores:
// one Query with begins_with(SK, GroupPrefix()) reads the whole group.
func GroupPrefix() string { return skGroup }

// StoreSK is the sort key of one store of the tenant's group.
func StoreSK(domain string) string { return skStores + domain }

// StorePrefix is the sort key prefix of the group's stores.
func StorePrefix() string { return skStores }

// APIKeySK is the sort key of an API key under its tenant.
func APIKeySK(keyID string) string { return skAPIKeys + keyID }

// APIKeyPrefix is the sort key prefix of a tenant's API keys.
func APIKeyPrefix() string { return skAPIKeys }

// ShopPK is the partition of the guard item saying which tenant owns a shop.
func ShopPK(domain string) string { return prefixShop + domain }

// ShopSK is the sort key of the shop guard item.
func ShopSK() string { return skShop }

// KeyHashPK is the partition of the lookup item of an API key's SHA-256 hex.
func KeyHashPK(hash string) string { return prefixKeyHash + hash }

// KeyHashSK is the sort key of the key hash lookup item.
func KeyHashSK() string { return skKeyHash }

// ShopTokenSK is the sort key of a connected shop's tokens under its tenant.
func ShopTokenSK(domain string) string { return skShopTokens + domain }

// ShopTokenPrefix is the sort key prefix of a tenant's shop connections.
func ShopTokenPrefix() string { return skShopTokens }

// OAuthStatePK is the partition of a one-time OAuth state nonce. It is a
// global item: the callback knows only the nonce; the tenant is an attribute.
func OAuthStatePK(nonce string) string { return prefixState + nonce }

// OAuthStateSK is the sort key of an OAuth state item.
func OAuthStateSK() string { return skState }

// WebhookDeliveryPK is the partition of a received Shopify webhook delivery,
// keyed by its X-Shopify-Webhook-Id. It is a global item, not under a
// tenant: webhook ids are unique across Shopify, the receiver does not
// resolve the tenant (the events worker does), and a delivery for a shop no
// tenant owns (any more) must still be deduplicated.
func WebhookDeliveryPK(webhookID string) string { return prefixWebhook + webhookID }

// WebhookDeliverySK is the sort key of a webhook delivery item.
func WebhookDeliverySK() string { return skWebhook }

// TenantsGSI1PK is the GSI1 partition key every tenant item carries, so
// operators can list tenants without a Scan.
func TenantsGSI1PK() string { return gsi1Tenants }

// TenantGSI1SK is a tenant item's GSI1 sort key.
func TenantGSI1SK(tenantID string) string { return prefixTenant + tenantID }

// TenantIDFromPK reads the tenant id back from a tenant partition key.
func TenantIDFromPK(pk string) (string, bool) {
	id, ok := strings.CutPrefix(pk, prefixTenant)
	if !ok || id == "" {
		return "", false
	}
	return id, true
}

// Canonical mappings (docs/data-model.md, "Canonical mappings"). Each
// mapping is two items, one per direction, in partitions that start with
// the tenant's partition key and "#", so isolation stays structural:
//
//	PK                                        SK             item
//	TENANT#<tenant>#MAP#<objectType>#<shop>   C#<canonical>  canonical -> gid
//	TENANT#<tenant>#MAP#<objectType>#<shop>   COUNT          number of C# items
//	TENANT#<tenant>#GID#<shop>                G#<gid>        gid -> objectType, canonical
//
// They are not in the TENANT#<tenant> partition, so they cannot collide
// with its GROUP, APIKEY# or SHOPTOKEN# sort keys.
const (
	mapPart      = sep + "MAP" + sep
	gidPart      = sep + "GID" + sep
	skCanonicals = "C" + sep
	skMapCount   = "COUNT"
	skGIDs       = "G" + sep
)

// MappingPK is the partition of a tenant's mappings of one object type in
// one shop: the canonical -> gid items and their counter.
func MappingPK(tenantID, objectType, shop string) string {
	return TenantPK(tenantID) + mapPart + objectType + sep + shop
}

// MappingSK is the sort key of the item mapping canonical to its gid.
func MappingSK(canonical string) string { return skCanonicals + canonical }

// MappingPrefix is the sort key prefix of a partition's mapping items (its
// counter item does not have it).
func MappingPrefix() string { return skCanonicals }

// MappingCountSK is the sort key of a mapping partition's counter item.
func MappingCountSK() string { return skMapCount }

// CanonicalFromMappingSK reads the canonical path back from a mapping SK.
func CanonicalFromMappingSK(sk string) (string, bool) {
	c, ok := strings.CutPrefix(sk, skCanonicals)
	return c, ok && c != ""
}

// GIDPK is the partition of a tenant's gid -> canonical items of one shop
// (all object types: a GID names its type).
func GIDPK(tenantID, shop string) string { return TenantPK(tenantID) + gidPart + shop }

// GIDSK is the sort key of the item mapping a GID (mapping.GIDKey's form)
// back to its object type and canonical path.
func GIDSK(gidKey string) string { return skGIDs + gidKey }
