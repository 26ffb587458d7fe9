package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

const testNonce = "n0nce-abcdefghijklmnopqrstuvwxyz_0123456789A"

func TestOAuthStateIsUsableOnce(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	now := time.Now().UTC().Truncate(time.Second)
	st := store.OAuthState{Nonce: testNonce, TenantID: "acme", Shop: "acme.myshopify.com", ExpiresAt: now.Add(10 * time.Minute)}
	if err := s.PutOAuthState(ctx, st); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.PutOAuthState(ctx, st), platform.KindConflict)

	got, err := s.ConsumeOAuthState(ctx, testNonce, now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(st, got); diff != "" {
		t.Errorf("consumed (-want +got):\n%s", diff)
	}
	// Replayed: refused.
	_, err = s.ConsumeOAuthState(ctx, testNonce, now)
	wantKind(t, err, platform.KindNotFound)
}

func TestOAuthStateRefused(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	now := time.Now().UTC()
	exp := store.OAuthState{Nonce: "expired-0123456789abcdef", TenantID: "acme", Shop: "acme.myshopify.com", ExpiresAt: now.Add(10 * time.Minute)}
	if err := s.PutOAuthState(ctx, exp); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		nonce string
		at    time.Time
	}{
		{"expired (TTL has not deleted it yet)", exp.Nonce, now.Add(10*time.Minute + time.Second)},
		{"exactly at expiry", exp.Nonce, exp.ExpiresAt},
		{"never issued", "never-issued-0123456789", now},
		{"malformed", "short", now},
		{"key injection", "x#OAUTHSTATE#0123456789abcdef", now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.ConsumeOAuthState(ctx, tt.nonce, tt.at)
			wantKind(t, err, platform.KindNotFound)
		})
	}
	// The refused attempts did not use it up: it is still good before expiry.
	if _, err := s.ConsumeOAuthState(ctx, exp.Nonce, now); err != nil {
		t.Fatalf("state consumed by a refused attempt: %v", err)
	}
}

func TestOAuthStateConcurrentConsumersOneWins(t *testing.T) {
	ctx := context.Background()
	s := storetest.NewTable(t)
	now := time.Now().UTC()
	if err := s.PutOAuthState(ctx, store.OAuthState{Nonce: testNonce, TenantID: "acme", Shop: "acme.myshopify.com", ExpiresAt: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.ConsumeOAuthState(ctx, testNonce, now)
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case platform.KindOf(err) != platform.KindNotFound:
			t.Errorf("loser: %v, want not found", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d consumers won, want exactly 1", wins)
	}
}

func TestPutOAuthStateValidation(t *testing.T) {
	s := store.New(nil, "unused")
	for _, st := range []store.OAuthState{
		{Nonce: "short", TenantID: "acme", Shop: "acme.myshopify.com"},
		{Nonce: testNonce, TenantID: "", Shop: "acme.myshopify.com"},
		{Nonce: testNonce, TenantID: "acme", Shop: "evil.com"},
	} {
		wantKind(t, s.PutOAuthState(context.Background(), st), platform.KindValidation)
	}
}
