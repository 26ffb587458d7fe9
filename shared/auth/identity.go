package auth

import (
	"context"
	"slices"

	"github.com/flux-platform/flux/shared/platform"
)

// PrincipalType says how a caller authenticated.
type PrincipalType string

const (
	PrincipalAPIKey         PrincipalType = "api_key"
	PrincipalShopifySession PrincipalType = "shopify_session"
)

// Identity is who is calling: the tenant whose data they may read, the
// principal (key id or Shopify user), and the scopes they hold. The authorizer
// produces it; every function reads it from the request and trusts nothing else.
type Identity struct {
	TenantID      string        `json:"tenantId"`
	Principal     string        `json:"principal"`
	PrincipalType PrincipalType `json:"principalType"`
	Scopes        []Scope       `json:"scopes"`
}

// Has reports whether the identity holds scope.
func (id Identity) Has(scope Scope) bool { return slices.Contains(id.Scopes, scope) }

// Require fails with FORBIDDEN unless the identity holds scope. An identity
// without a tenant is not authenticated at all.
func (id Identity) Require(scope Scope) error {
	if id.TenantID == "" {
		return platform.E(platform.KindUnauthenticated, "authentication required")
	}
	if !id.Has(scope) {
		return platform.E(platform.KindForbidden, "missing scope "+string(scope))
	}
	return nil
}

// Authorizer context keys: API Gateway passes these string values to every
// integration as requestContext.authorizer.
const (
	CtxTenantID      = "tenantId"
	CtxPrincipal     = "principal"
	CtxPrincipalType = "principalType"
	CtxScopes        = "scopes"
)

// ToContext is the authorizer's context map for id.
func (id Identity) ToContext() map[string]any {
	return map[string]any{
		CtxTenantID:      id.TenantID,
		CtxPrincipal:     id.Principal,
		CtxPrincipalType: string(id.PrincipalType),
		CtxScopes:        JoinScopes(id.Scopes),
	}
}

// FromContext reads the authorizer's context map as API Gateway delivers it.
func FromContext(m map[string]any) Identity {
	str := func(k string) string { s, _ := m[k].(string); return s }
	return Identity{
		TenantID:      str(CtxTenantID),
		Principal:     str(CtxPrincipal),
		PrincipalType: PrincipalType(str(CtxPrincipalType)),
		Scopes:        SplitScopes(str(CtxScopes)),
	}
}

type identityKey struct{}

// WithIdentity stores the caller in ctx.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom is the caller of ctx; the zero Identity when there is none.
func IdentityFrom(ctx context.Context) Identity {
	id, _ := ctx.Value(identityKey{}).(Identity)
	return id
}
