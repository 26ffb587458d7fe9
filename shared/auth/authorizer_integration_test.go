package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

func integrationEvent(t *testing.T, name, authorization string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayCustomAuthorizerRequestTypeRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	ev.Headers["Authorization"] = authorization
	ev.MultiValueHeaders["Authorization"] = []string{authorization}
	return ev
}

// TestAuthorizerAgainstDynamoDB runs the authorizer on the real store
// (DynamoDB Local): issued keys authenticate as their tenant, use is
// recorded, revocation is immediate, and Shopify session tokens resolve the
// shop's tenant.
func TestAuthorizerAgainstDynamoDB(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := context.Background()
	storetest.NewTenant(t, s, "ten_a", "Tenant A")
	storetest.NewTenant(t, s, "ten_b", "Tenant B")
	if err := s.AddStore(ctx, "ten_a", config.Store{Domain: "flux-demo.myshopify.com", Classification: config.Source}); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1764000000, 0).UTC()
	clock := func() time.Time { return now }
	keys := &auth.Keys{Store: s, Now: clock}
	secretA, recA, err := keys.Issue(ctx, "ten_a", "test", "ci", []auth.Scope{auth.ScopeConfigRead, auth.ScopeSyncRead})
	if err != nil {
		t.Fatal(err)
	}
	secretB, recB, err := keys.Issue(ctx, "ten_b", "test", "ci", []auth.Scope{auth.ScopeConfigRead})
	if err != nil {
		t.Fatal(err)
	}
	sv, err := auth.NewSessionVerifier("test-shopify-api-key", "test-shopify-api-secret")
	if err != nil {
		t.Fatal(err)
	}
	sv.Now = clock
	a := &auth.Authorizer{Keys: s, Shops: s, Session: sv, Now: clock, TouchInterval: time.Minute}

	handle := func(ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (auth.Identity, error) {
		t.Helper()
		resp, err := a.Handle(ctx, ev)
		if err != nil {
			return auth.Identity{}, err
		}
		return auth.FromContext(resp.Context), nil
	}

	t.Run("issued keys authenticate as their tenant", func(t *testing.T) {
		for _, tc := range []struct {
			secret string
			want   auth.Identity
		}{
			{secretA, auth.Identity{TenantID: "ten_a", Principal: recA.ID, PrincipalType: auth.PrincipalAPIKey, Scopes: recA.Scopes}},
			{secretB, auth.Identity{TenantID: "ten_b", Principal: recB.ID, PrincipalType: auth.PrincipalAPIKey, Scopes: recB.Scopes}},
		} {
			got, err := handle(integrationEvent(t, "request-bearer-key.json", "Bearer "+tc.secret))
			if err != nil {
				t.Fatalf("key %s denied: %v", tc.want.Principal, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		}
	})

	t.Run("use is recorded", func(t *testing.T) {
		list, err := s.ListKeys(ctx, "ten_a")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(now) {
			t.Fatalf("keys of ten_a = %+v, want lastUsedAt %v", list, now)
		}
	})

	t.Run("unknown key is denied", func(t *testing.T) {
		secret, _, _, err := auth.NewKeySecret()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := handle(integrationEvent(t, "request-bearer-key.json", "Bearer "+secret)); !errors.Is(err, auth.ErrUnauthorized) {
			t.Fatalf("err = %v, want Unauthorized", err)
		}
	})

	t.Run("shopify session token resolves the shop's tenant", func(t *testing.T) {
		token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": "https://flux-demo.myshopify.com/admin", "dest": "https://flux-demo.myshopify.com",
			"aud": "test-shopify-api-key", "sub": "42", "nbf": now.Unix(), "iat": now.Unix(), "exp": now.Unix() + 60,
		}).SignedString([]byte("test-shopify-api-secret"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := handle(integrationEvent(t, "request-shopify-session.json", "Bearer "+token))
		if err != nil {
			t.Fatal(err)
		}
		want := auth.Identity{TenantID: "ten_a", Principal: "42", PrincipalType: auth.PrincipalShopifySession, Scopes: auth.AllScopes}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("identity (-want +got):\n%s", diff)
		}
		other, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"iss": "https://stranger.myshopify.com/admin", "dest": "https://stranger.myshopify.com",
			"aud": "test-shopify-api-key", "sub": "42", "nbf": now.Unix(), "exp": now.Unix() + 60,
		}).SignedString([]byte("test-shopify-api-secret"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := handle(integrationEvent(t, "request-shopify-session.json", "Bearer "+other)); !errors.Is(err, auth.ErrUnauthorized) {
			t.Fatalf("unknown shop: err = %v, want Unauthorized", err)
		}
	})

	t.Run("revoked key is denied at once", func(t *testing.T) {
		if _, err := s.RevokeKey(ctx, "ten_a", recA.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := handle(integrationEvent(t, "request-bearer-key.json", "Bearer "+secretA)); !errors.Is(err, auth.ErrUnauthorized) {
			t.Fatalf("err = %v, want Unauthorized", err)
		}
		// The other tenant's key still works.
		if _, err := handle(integrationEvent(t, "request-bearer-key.json", "Bearer "+secretB)); err != nil {
			t.Fatalf("ten_b key denied after ten_a's revocation: %v", err)
		}
	})

	t.Run("missing table is an internal error, not a denial", func(t *testing.T) {
		broken := store.New(s.DB, s.Table+"-missing")
		b := &auth.Authorizer{Keys: broken, Shops: broken, Session: sv, Now: clock}
		_, err := b.Handle(ctx, integrationEvent(t, "request-bearer-key.json", "Bearer "+secretB))
		if err == nil || err.Error() == "Unauthorized" {
			t.Fatalf("err = %v, want an internal error (API Gateway 500)", err)
		}
	})
}
