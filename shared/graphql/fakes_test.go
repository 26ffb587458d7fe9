package graphql

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
)

// fakeStorage is an in-memory config.Storage.
type fakeStorage struct {
	groups map[string]config.StoreGroup // tenant id -> group
	err    error                        // StoreGroup fails with this when set
}

func (f *fakeStorage) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	if f.err != nil {
		return config.StoreGroup{}, f.err
	}
	g, ok := f.groups[tenantID]
	if !ok {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
	}
	g.Stores = append([]config.Store(nil), g.Stores...)
	return g, nil
}

// fakeKeyStore is an in-memory auth.KeyStore keyed by tenant, as the table is.
type fakeKeyStore struct {
	mu     sync.Mutex
	keys   map[string]auth.KeyRecord // key id -> record
	hashes map[string]string         // hash -> key id
}

func newFakeKeyStore() *fakeKeyStore {
	return &fakeKeyStore{keys: map[string]auth.KeyRecord{}, hashes: map[string]string{}}
}

func (f *fakeKeyStore) LookupKey(_ context.Context, hash string) (auth.KeyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.hashes[hash]
	if !ok {
		return auth.KeyRecord{}, platform.E(platform.KindNotFound, "api key not found")
	}
	return f.keys[id], nil
}

func (f *fakeKeyStore) TouchKey(context.Context, string, string, time.Time, time.Duration) error {
	return nil
}

func (f *fakeKeyStore) CreateKey(_ context.Context, rec auth.KeyRecord, hash string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.hashes[hash]; ok {
		return platform.E(platform.KindConflict, "api key exists")
	}
	f.keys[rec.ID] = rec
	f.hashes[hash] = rec.ID
	return nil
}

func (f *fakeKeyStore) ListKeys(_ context.Context, tenantID string) ([]auth.KeyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []auth.KeyRecord{}
	for _, rec := range f.keys {
		if rec.TenantID == tenantID {
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func (f *fakeKeyStore) RevokeKey(_ context.Context, tenantID, keyID string, at time.Time) (auth.KeyRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.keys[keyID]
	if !ok || rec.TenantID != tenantID {
		return auth.KeyRecord{}, platform.E(platform.KindNotFound, "api key not found")
	}
	if rec.RevokedAt == nil {
		rec.RevokedAt = &at
		f.keys[keyID] = rec
	}
	return rec, nil
}

// hashOf is the stored hash of a key id, for assertions.
func (f *fakeKeyStore) hashOf(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for h, k := range f.hashes {
		if k == id {
			return h
		}
	}
	return ""
}

// recordingTransport records the operations it forwards, in call order.
type recordingTransport struct {
	next rpc.Transport
	mu   sync.Mutex
	ops  []string
}

func (t *recordingTransport) Call(ctx context.Context, req rpc.Request) (rpc.Response, error) {
	t.mu.Lock()
	t.ops = append(t.ops, req.Operation)
	t.mu.Unlock()
	return t.next.Call(ctx, req)
}

func (t *recordingTransport) calls() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.ops...)
}

// transportFunc adapts a function to rpc.Transport.
type transportFunc func(ctx context.Context, req rpc.Request) (rpc.Response, error)

func (f transportFunc) Call(ctx context.Context, req rpc.Request) (rpc.Response, error) {
	return f(ctx, req)
}
