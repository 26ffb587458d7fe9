package auth

import (
	"context"
	"time"
)

// KeyRecord is an API key as Flux keeps it: never the secret, only its hash
// (held by the store) and what the owner may see.
type KeyRecord struct {
	ID         string
	TenantID   string
	Name       string
	Prefix     string // the first characters of the secret, to recognise it
	Scopes     []Scope
	CreatedBy  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Revoked reports whether the key was revoked.
func (k KeyRecord) Revoked() bool { return k.RevokedAt != nil }

// KeyStore is what authentication and key administration need from storage.
// Methods return platform errors: KindNotFound when the key (or the key in
// that tenant) does not exist, KindConflict when a condition fails.
type KeyStore interface {
	// LookupKey finds a key by the SHA-256 hex of its secret: one read.
	LookupKey(ctx context.Context, hash string) (KeyRecord, error)
	// TouchKey records use of a key, at most once per interval per key.
	TouchKey(ctx context.Context, tenantID, keyID string, at time.Time, interval time.Duration) error
	// CreateKey stores a new key and its hash; the hash must be new.
	CreateKey(ctx context.Context, rec KeyRecord, hash string) error
	// ListKeys lists the tenant's keys, newest first.
	ListKeys(ctx context.Context, tenantID string) ([]KeyRecord, error)
	// RevokeKey marks the tenant's key revoked; revoking twice keeps the first time.
	RevokeKey(ctx context.Context, tenantID, keyID string, at time.Time) (KeyRecord, error)
}

// ShopDirectory tells which tenant a Shopify shop belongs to.
type ShopDirectory interface {
	TenantByShop(ctx context.Context, shop string) (string, error)
}
