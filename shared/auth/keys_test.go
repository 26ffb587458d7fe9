package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
)

func testKeys() (*Keys, *fakeStore) {
	s := newFakeStore()
	return &Keys{Store: s, Now: func() time.Time { return testNow }}, s
}

var (
	adminA = Identity{TenantID: "ten_a", Principal: "key_admin", PrincipalType: PrincipalAPIKey,
		Scopes: []Scope{ScopeConfigRead, ScopeKeysAdmin, ScopeSyncRead}}
	adminB = Identity{TenantID: "ten_b", Principal: "key_adminb", PrincipalType: PrincipalAPIKey,
		Scopes: []Scope{ScopeKeysAdmin, ScopeConfigRead}}
)

func TestKeysCreate(t *testing.T) {
	tests := []struct {
		name   string
		caller Identity
		key    string
		scopes []string
		kind   platform.Kind
		ok     bool
	}{
		{"grants held scopes", adminA, "ci", []string{"config:read", "sync:read"}, 0, true},
		{"grants keys:admin it holds", adminA, "ci", []string{"keys:admin"}, 0, true},
		{"scope escalation", adminA, "ci", []string{"config:read", "sync:write"}, platform.KindForbidden, false},
		{"escalation to all scopes", adminA, "ci", []string{string(ScopeReleasesDeploy)}, platform.KindForbidden, false},
		{"caller without keys:admin", Identity{TenantID: "ten_a", Principal: "k", Scopes: []Scope{ScopeConfigRead}},
			"ci", []string{"config:read"}, platform.KindForbidden, false},
		{"unauthenticated caller", Identity{}, "ci", []string{"config:read"}, platform.KindUnauthenticated, false},
		{"unknown scope", adminA, "ci", []string{"root"}, platform.KindValidation, false},
		{"no scopes", adminA, "ci", nil, platform.KindValidation, false},
		{"empty name", adminA, "  ", []string{"config:read"}, platform.KindValidation, false},
		{"name too long", adminA, strings.Repeat("é", MaxKeyNameLength+1), []string{"config:read"}, platform.KindValidation, false},
		{"name at limit", adminA, strings.Repeat("é", MaxKeyNameLength), []string{"config:read"}, 0, true},
		{"session principal holds all scopes", idSession, "ci", []string{"releases:deploy", "keys:admin"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, s := testKeys()
			secret, rec, err := k.Create(context.Background(), tt.caller, tt.key, tt.scopes)
			if !tt.ok {
				if err == nil || platform.KindOf(err) != tt.kind {
					t.Fatalf("Create = %v (kind %v), want kind %v", err, platform.KindOf(err), tt.kind)
				}
				if secret != "" || len(s.byHash) != 0 {
					t.Errorf("a refused Create returned a secret or stored a key")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := ParseKey(secret); err != nil {
				t.Fatalf("issued secret does not parse: %v", err)
			}
			stored, ok := s.byHash[HashKey(secret)]
			if !ok {
				t.Fatal("the store does not hold the secret's hash")
			}
			if diff := cmp.Diff(rec, stored); diff != "" {
				t.Errorf("stored record (-returned +stored):\n%s", diff)
			}
			wantScopes, _ := ParseScopes(tt.scopes)
			want := KeyRecord{ID: rec.ID, TenantID: tt.caller.TenantID, Name: strings.TrimSpace(tt.key),
				Prefix: KeyDisplayPrefix(secret), Scopes: wantScopes, CreatedBy: tt.caller.Principal, CreatedAt: testNow}
			if diff := cmp.Diff(want, rec); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(rec.ID, "key_") || len(rec.ID) != 30 {
				t.Errorf("key id %q", rec.ID)
			}
		})
	}
}

func TestKeysList(t *testing.T) {
	k, _ := testKeys()
	ctx := context.Background()
	_, recA, err := k.Create(ctx, adminA, "a", []string{"config:read"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.Create(ctx, adminB, "b", []string{"config:read"}); err != nil {
		t.Fatal(err)
	}
	got, err := k.List(ctx, adminA)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]KeyRecord{recA}, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	noAdmin := Identity{TenantID: "ten_a", Principal: "k", Scopes: []Scope{ScopeConfigRead}}
	if _, err := k.List(ctx, noAdmin); platform.KindOf(err) != platform.KindForbidden {
		t.Errorf("List without keys:admin = %v, want FORBIDDEN", err)
	}
}

func TestKeysRevoke(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		caller Identity
		id     func(rec KeyRecord) string
		kind   platform.Kind
		ok     bool
	}{
		{"own key", adminA, func(r KeyRecord) string { return r.ID }, 0, true},
		{"another tenant's key", adminB, func(r KeyRecord) string { return r.ID }, platform.KindNotFound, false},
		{"unknown id", adminA, func(KeyRecord) string { return "key_01JZZZZZZZZZZZZZZZZZZZZZZZ" }, platform.KindNotFound, false},
		{"not a key id", adminA, func(KeyRecord) string { return "ten_a" }, platform.KindNotFound, false},
		{"oversized id", adminA, func(KeyRecord) string { return "key_" + strings.Repeat("A", 100) }, platform.KindNotFound, false},
		{"without keys:admin", Identity{TenantID: "ten_a", Principal: "k", Scopes: []Scope{ScopeConfigRead}},
			func(r KeyRecord) string { return r.ID }, platform.KindForbidden, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, s := testKeys()
			secret, rec, err := k.Create(ctx, adminA, "victim", []string{"config:read"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := k.Revoke(ctx, tt.caller, tt.id(rec))
			stored := s.byHash[HashKey(secret)]
			if !tt.ok {
				if platform.KindOf(err) != tt.kind {
					t.Fatalf("Revoke = %v (kind %v), want kind %v", err, platform.KindOf(err), tt.kind)
				}
				if stored.Revoked() {
					t.Error("a refused Revoke revoked the key")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.RevokedAt == nil || !got.RevokedAt.Equal(testNow) || !stored.Revoked() {
				t.Errorf("revoked record = %+v, stored %+v", got, stored)
			}
			// Revoking again keeps the first time.
			k.Now = func() time.Time { return testNow.Add(time.Hour) }
			again, err := k.Revoke(ctx, tt.caller, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !again.RevokedAt.Equal(testNow) {
				t.Errorf("second revoke moved revokedAt to %v", again.RevokedAt)
			}
		})
	}
}

// TestRevokedKeyIsDenied ties key administration to the authorizer: a key
// works once issued and stops working once revoked.
func TestRevokedKeyIsDenied(t *testing.T) {
	ctx := context.Background()
	k, s := testKeys()
	a := &Authorizer{Keys: s, Shops: s, Now: func() time.Time { return testNow }}
	secret, rec, err := k.Create(ctx, adminA, "short-lived", []string{"config:read"})
	if err != nil {
		t.Fatal(err)
	}
	ev := withHeader(loadEvent(t, "request-bearer-key.json"), "Authorization", "Bearer "+secret)
	resp, err := a.Handle(ctx, ev)
	if err != nil {
		t.Fatalf("fresh key denied: %v", err)
	}
	if got := FromContext(resp.Context); got.TenantID != "ten_a" || got.Principal != rec.ID {
		t.Errorf("identity = %+v", got)
	}
	if _, err := k.Revoke(ctx, adminA, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Handle(ctx, ev); err == nil || err.Error() != "Unauthorized" {
		t.Fatalf("revoked key: err = %v, want Unauthorized", err)
	}
}
