package auth

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
)

func TestIdentityRequire(t *testing.T) {
	tests := []struct {
		name  string
		id    Identity
		scope Scope
		kind  platform.Kind
		ok    bool
	}{
		{"holds scope", Identity{TenantID: "t", Scopes: []Scope{ScopeConfigRead}}, ScopeConfigRead, 0, true},
		{"lacks scope", Identity{TenantID: "t", Scopes: []Scope{ScopeConfigRead}}, ScopeKeysAdmin, platform.KindForbidden, false},
		{"no tenant", Identity{Scopes: AllScopes}, ScopeConfigRead, platform.KindUnauthenticated, false},
		{"zero", Identity{}, ScopeConfigRead, platform.KindUnauthenticated, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.id.Require(tt.scope)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if k := platform.KindOf(err); err == nil || k != tt.kind {
				t.Errorf("Require = %v (kind %v), want kind %v", err, k, tt.kind)
			}
		})
	}
}

func TestIdentityContextRoundTrip(t *testing.T) {
	ids := []Identity{
		idKey1,
		idSession,
		{TenantID: "t", Principal: "key_1", PrincipalType: PrincipalAPIKey},
	}
	for _, id := range ids {
		if diff := cmp.Diff(id, FromContext(id.ToContext())); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

func TestFromContextIgnoresJunk(t *testing.T) {
	got := FromContext(map[string]any{
		"tenantId": 12, "principal": nil, "principalType": true, "scopes": "config:read root",
		"extra": "x",
	})
	want := Identity{Scopes: []Scope{ScopeConfigRead}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromContext (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Identity{}, FromContext(nil)); diff != "" {
		t.Errorf("FromContext(nil) (-want +got):\n%s", diff)
	}
}

func TestWithIdentity(t *testing.T) {
	ctx := context.Background()
	if diff := cmp.Diff(Identity{}, IdentityFrom(ctx)); diff != "" {
		t.Errorf("empty context (-want +got):\n%s", diff)
	}
	ctx = WithIdentity(ctx, idKey1)
	if diff := cmp.Diff(idKey1, IdentityFrom(ctx)); diff != "" {
		t.Errorf("IdentityFrom (-want +got):\n%s", diff)
	}
}
