// Package blobtest is an in-memory blob store for tests: store.Blobs plus
// Has (the sync worker's theme files). Tests that prove a feature end to
// end use S3 (moto) through shared/blobstore instead.
package blobtest

import (
	"bytes"
	"context"
	"sync"

	"github.com/flux-platform/flux/shared/platform"
)

// Mem holds blobs by key; the zero value is ready to use and safe for
// concurrent use.
type Mem struct {
	mu    sync.Mutex
	m     map[string][]byte
	bytes int
}

// Put stores a copy of v at k.
func (b *Mem) Put(_ context.Context, k string, v []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string][]byte{}
	}
	if _, ok := b.m[k]; !ok {
		b.bytes += len(v)
	}
	b.m[k] = bytes.Clone(v)
	return nil
}

// Get is the blob at k; NotFound when there is none.
func (b *Mem) Get(_ context.Context, k string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[k]
	if !ok {
		return nil, platform.E(platform.KindNotFound, "blob not found")
	}
	return v, nil
}

// Has reports whether a blob is at k.
func (b *Mem) Has(_ context.Context, k string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.m[k]
	return ok, nil
}

// Len is the number of blobs; Bytes the size of the first write of each.
func (b *Mem) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// Bytes is the total size of the blobs stored (first writes).
func (b *Mem) Bytes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bytes
}
