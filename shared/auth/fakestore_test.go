package auth

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// fakeStore is an in-memory KeyStore and ShopDirectory for unit tests.
type fakeStore struct {
	mu      sync.Mutex
	byHash  map[string]KeyRecord
	shops   map[string]string // shop domain -> tenant id
	lookups int
	touches []touchCall

	lookupErr error // LookupKey fails with this
	touchErr  error // TouchKey fails with this
	shopErr   error // TenantByShop fails with this
}

type touchCall struct {
	TenantID, KeyID string
	At              time.Time
	Interval        time.Duration
}

func newFakeStore() *fakeStore {
	return &fakeStore{byHash: map[string]KeyRecord{}, shops: map[string]string{}}
}

func (f *fakeStore) LookupKey(_ context.Context, hash string) (KeyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.lookupErr != nil {
		return KeyRecord{}, f.lookupErr
	}
	rec, ok := f.byHash[hash]
	if !ok {
		return KeyRecord{}, platform.E(platform.KindNotFound, "api key not found")
	}
	return rec, nil
}

func (f *fakeStore) TouchKey(_ context.Context, tenantID, keyID string, at time.Time, interval time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.touches = append(f.touches, touchCall{tenantID, keyID, at, interval})
	return f.touchErr
}

func (f *fakeStore) CreateKey(_ context.Context, rec KeyRecord, hash string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.byHash[hash]; ok {
		return platform.E(platform.KindConflict, "api key exists")
	}
	f.byHash[hash] = rec
	return nil
}

func (f *fakeStore) ListKeys(_ context.Context, tenantID string) ([]KeyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []KeyRecord
	for _, rec := range f.byHash {
		if rec.TenantID == tenantID {
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func (f *fakeStore) RevokeKey(_ context.Context, tenantID, keyID string, at time.Time) (KeyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for h, rec := range f.byHash {
		if rec.TenantID == tenantID && rec.ID == keyID {
			if rec.RevokedAt == nil {
				rec.RevokedAt = &at
				f.byHash[h] = rec
			}
			return rec, nil
		}
	}
	return KeyRecord{}, platform.E(platform.KindNotFound, "api key not found")
}

func (f *fakeStore) TenantByShop(_ context.Context, shop string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.shopErr != nil {
		return "", f.shopErr
	}
	t, ok := f.shops[shop]
	if !ok {
		return "", platform.E(platform.KindNotFound, "shop not found")
	}
	return t, nil
}

// put stores a key record under the hash of secret.
func (f *fakeStore) put(secret string, rec KeyRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byHash[HashKey(secret)] = rec
}

var (
	_ KeyStore      = (*fakeStore)(nil)
	_ ShopDirectory = (*fakeStore)(nil)
)
