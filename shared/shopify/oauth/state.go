package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// DefaultStateTTL is how long a merchant has to approve the install.
const DefaultStateTTL = 10 * time.Minute

// State is what an OAuth state nonce is bound to.
type State struct {
	Nonce     string
	TenantID  string // the Flux tenant the store is being connected to
	Shop      string // the shop the flow was started for
	Online    bool   // an online (per-user) token was requested
	ExpiresAt time.Time
}

// StateStore keeps state nonces. Consume must be atomic (a conditional
// delete in DynamoDB, with TTL on ExpiresAt for cleanup): a nonce is good
// for one callback only, which is what stops a replayed or forged callback.
type StateStore interface {
	Put(ctx context.Context, s State) error
	// Consume removes and returns the state; an error of KindNotFound when
	// there is none (never issued, or already used).
	Consume(ctx context.Context, nonce string) (State, error)
}

// NewState issues a nonce (256 random bits, URL-safe) bound to the tenant
// and shop, and stores it.
func NewState(ctx context.Context, store StateStore, tenantID, shop string, online bool, ttl time.Duration, now time.Time) (State, error) {
	if tenantID == "" {
		return State{}, platform.E(platform.KindValidation, "an install must be bound to a tenant")
	}
	shop, err := ValidateShop(shop)
	if err != nil {
		return State{}, err
	}
	if ttl <= 0 {
		ttl = DefaultStateTTL
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return State{}, platform.Wrap(platform.KindInternal, "could not start the install", err)
	}
	st := State{Nonce: base64.RawURLEncoding.EncodeToString(b), TenantID: tenantID, Shop: shop, Online: online, ExpiresAt: now.Add(ttl)}
	if err := store.Put(ctx, st); err != nil {
		return State{}, platform.Wrap(platform.KindUnavailable, "could not start the install", err)
	}
	return st, nil
}

// errBadState is the one answer for any state problem: which one it was is
// for logs (the cause), not for whoever is probing.
func errBadState(cause error) error {
	return platform.Wrap(platform.KindValidation, "the install link is invalid or has expired; start the install again", cause)
}

// ConsumeState uses up nonce and checks it was issued for shop and has not
// expired. It fails the same way for an unknown, used, expired or
// wrong-shop nonce.
func ConsumeState(ctx context.Context, store StateStore, nonce, shop string, now time.Time) (State, error) {
	if len(nonce) < 16 || len(nonce) > 128 {
		return State{}, errBadState(errors.New("malformed nonce"))
	}
	st, err := store.Consume(ctx, nonce)
	if err != nil {
		if platform.KindOf(err) == platform.KindNotFound {
			return State{}, errBadState(err)
		}
		return State{}, platform.Wrap(platform.KindUnavailable, "could not check the install link", err)
	}
	if !now.Before(st.ExpiresAt) {
		return State{}, errBadState(errors.New("state expired"))
	}
	if st.Shop != shop {
		return State{}, errBadState(errors.New("state issued for " + st.Shop + ", used for " + shop))
	}
	return st, nil
}

// MemoryStateStore is a StateStore in memory, for tests and one-process
// tools; deployed functions use the table.
type MemoryStateStore struct {
	mu sync.Mutex
	m  map[string]State
}

// NewMemoryStateStore makes an empty store.
func NewMemoryStateStore() *MemoryStateStore { return &MemoryStateStore{m: map[string]State{}} }

// Put stores s.
func (m *MemoryStateStore) Put(_ context.Context, s State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[s.Nonce] = s
	return nil
}

// Consume removes and returns the state.
func (m *MemoryStateStore) Consume(_ context.Context, nonce string) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[nonce]
	if !ok {
		return State{}, platform.E(platform.KindNotFound, "no such state")
	}
	delete(m.m, nonce)
	return s, nil
}
