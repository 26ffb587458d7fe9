package dev

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
)

// SeedStore is what seeding needs from storage (functions.go adapts the
// store package to it).
type SeedStore interface {
	auth.KeyStore
	// EnsureTenant creates the tenant unless it exists.
	EnsureTenant(ctx context.Context, t config.Tenant) error
	SetGroupName(ctx context.Context, tenantID, name string) error
	// AddStore adds the store, or sets its classification.
	AddStore(ctx context.Context, tenantID string, st config.Store) error
}

// SeedTenant is a tenant the local stack creates, with its store group and
// one API key holding every scope.
type SeedTenant struct {
	Tenant  config.Tenant
	Group   config.StoreGroup
	KeyName string
	// KeyFile is where the key's secret is written (mode 0600), relative to
	// the seed directory.
	KeyFile string
}

// DemoTenants are the tenants of `make dev`: the demo tenant, and a second
// one so tenant isolation can be tried.
func DemoTenants() []SeedTenant {
	return []SeedTenant{
		{
			Tenant: config.Tenant{ID: "demo", Name: "Demo"},
			Group: config.StoreGroup{Name: "Demo store group", Stores: []config.Store{
				{Domain: "demo-source.myshopify.com", Classification: config.Source},
				{Domain: "demo-production.myshopify.com", Classification: config.Production},
			}},
			KeyName: "local demo key",
			KeyFile: "demo-api-key",
		},
		{
			Tenant: config.Tenant{ID: "second", Name: "Second tenant"},
			Group: config.StoreGroup{Name: "Second store group", Stores: []config.Store{
				{Domain: "second-source.myshopify.com", Classification: config.Source},
			}},
			KeyName: "local second tenant key",
			KeyFile: "second-tenant-api-key",
		},
	}
}

// SeededKey is a seeded tenant's key.
type SeededKey struct {
	TenantID string
	Secret   string
	Path     string // the file holding it, "" when not written
	Reused   bool   // the key file's key still worked and was kept
}

// Seed creates the tenants, their groups and stores idempotently, and gives
// each an all-scopes API key: the key in its file when it still
// authenticates (same tenant, not revoked, every scope), else a new one
// written to the file. dir "" writes no files (and always issues keys).
func Seed(ctx context.Context, st SeedStore, dir string, tenants []SeedTenant) ([]SeededKey, error) {
	keys := &auth.Keys{Store: st}
	var out []SeededKey
	for _, t := range tenants {
		if err := st.EnsureTenant(ctx, t.Tenant); err != nil {
			return nil, fmt.Errorf("seed tenant %s: %w", t.Tenant.ID, err)
		}
		if err := st.SetGroupName(ctx, t.Tenant.ID, t.Group.Name); err != nil {
			return nil, fmt.Errorf("seed group of %s: %w", t.Tenant.ID, err)
		}
		for _, s := range t.Group.Stores {
			if err := st.AddStore(ctx, t.Tenant.ID, s); err != nil {
				return nil, fmt.Errorf("seed store %s of %s: %w", s.Domain, t.Tenant.ID, err)
			}
		}
		sk := SeededKey{TenantID: t.Tenant.ID}
		if dir != "" && t.KeyFile != "" {
			sk.Path = filepath.Join(dir, t.KeyFile)
			if secret, ok, err := reusableKey(ctx, st, sk.Path, t.Tenant.ID); err != nil {
				return nil, err
			} else if ok {
				sk.Secret, sk.Reused = secret, true
				out = append(out, sk)
				continue
			}
		}
		secret, _, err := keys.Issue(ctx, t.Tenant.ID, "local-seed", t.KeyName, auth.AllScopes)
		if err != nil {
			return nil, fmt.Errorf("seed key of %s: %w", t.Tenant.ID, err)
		}
		sk.Secret = secret
		if sk.Path != "" {
			if err := writeSecret(sk.Path, secret); err != nil {
				return nil, err
			}
		}
		out = append(out, sk)
	}
	return out, nil
}

// reusableKey reads a key file and reports whether its key still works for
// the tenant with every scope.
func reusableKey(ctx context.Context, st auth.KeyStore, path, tenantID string) (string, bool, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read %s: %w", path, err)
	}
	secret := strings.TrimSpace(string(raw))
	if auth.ParseKey(secret) != nil {
		return "", false, nil
	}
	rec, err := st.LookupKey(ctx, auth.HashKey(secret))
	if platform.KindOf(err) == platform.KindNotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("check key in %s: %w", path, err)
	}
	if rec.Revoked() || rec.TenantID != tenantID {
		return "", false, nil
	}
	for _, sc := range auth.AllScopes {
		if !slices.Contains(rec.Scopes, sc) {
			return "", false, nil
		}
	}
	return secret, true, nil
}

// writeSecret writes a secret file readable by its owner only.
func writeSecret(path, secret string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
