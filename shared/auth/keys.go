package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/flux-platform/flux/shared/platform"
)

// Keys administers API keys: issue, list, revoke.
type Keys struct {
	Store KeyStore
	Now   func() time.Time
}

func (k *Keys) now() time.Time {
	if k.Now != nil {
		return k.Now().UTC()
	}
	return time.Now().UTC()
}

// MaxKeyNameLength bounds a key's name.
const MaxKeyNameLength = 100

// NewKeyID makes a key id: "key_" + ULID.
func NewKeyID(at time.Time) string {
	return "key_" + ulid.MustNew(ulid.Timestamp(at), rand.Reader).String()
}

// Create issues a key for the caller's tenant. The caller needs keys:admin and
// may not grant a scope it does not hold itself. The secret is returned once.
func (k *Keys) Create(ctx context.Context, caller Identity, name string, scopeNames []string) (string, KeyRecord, error) {
	if err := caller.Require(ScopeKeysAdmin); err != nil {
		return "", KeyRecord{}, err
	}
	scopes, err := ParseScopes(scopeNames)
	if err != nil {
		return "", KeyRecord{}, platform.Wrap(platform.KindValidation, err.Error(), err)
	}
	for _, sc := range scopes {
		if !caller.Has(sc) {
			return "", KeyRecord{}, platform.E(platform.KindForbidden, "cannot grant scope "+string(sc)+" that the caller does not hold")
		}
	}
	return k.Issue(ctx, caller.TenantID, caller.Principal, name, scopes)
}

// Issue stores a new key for a tenant without caller checks: the operator CLI
// and the local stack's seed use it.
func (k *Keys) Issue(ctx context.Context, tenantID, createdBy, name string, scopes []Scope) (string, KeyRecord, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxKeyNameLength {
		return "", KeyRecord{}, platform.E(platform.KindValidation, fmt.Sprintf("name must be 1 to %d characters", MaxKeyNameLength))
	}
	if len(scopes) == 0 {
		return "", KeyRecord{}, platform.E(platform.KindValidation, "at least one scope is required")
	}
	secret, prefix, hash, err := NewKeySecret()
	if err != nil {
		return "", KeyRecord{}, fmt.Errorf("generate key: %w", err)
	}
	now := k.now()
	rec := KeyRecord{
		ID: NewKeyID(now), TenantID: tenantID, Name: name, Prefix: prefix,
		Scopes: scopes, CreatedBy: createdBy, CreatedAt: now,
	}
	if err := k.Store.CreateKey(ctx, rec, hash); err != nil {
		return "", KeyRecord{}, fmt.Errorf("create key %s: %w", rec.ID, err)
	}
	return secret, rec, nil
}

// List is the caller's tenant's keys.
func (k *Keys) List(ctx context.Context, caller Identity) ([]KeyRecord, error) {
	if err := caller.Require(ScopeKeysAdmin); err != nil {
		return nil, err
	}
	keys, err := k.Store.ListKeys(ctx, caller.TenantID)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return keys, nil
}

// Revoke revokes one of the caller's tenant's keys. Another tenant's key is
// NOT_FOUND, as if it did not exist.
func (k *Keys) Revoke(ctx context.Context, caller Identity, id string) (KeyRecord, error) {
	if err := caller.Require(ScopeKeysAdmin); err != nil {
		return KeyRecord{}, err
	}
	if !strings.HasPrefix(id, "key_") || len(id) > 64 {
		return KeyRecord{}, platform.E(platform.KindNotFound, "api key not found")
	}
	rec, err := k.Store.RevokeKey(ctx, caller.TenantID, id, k.now())
	if err != nil {
		return KeyRecord{}, fmt.Errorf("revoke key %s: %w", id, err)
	}
	return rec, nil
}
