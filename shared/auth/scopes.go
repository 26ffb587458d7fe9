// Package auth holds who a caller is: API keys, scopes, Shopify session
// tokens and the identity the authorizer hands to every function.
package auth

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Scope is one permission an API key can carry.
type Scope string

const (
	ScopeConfigRead      Scope = "config:read"
	ScopeSyncRead        Scope = "sync:read"
	ScopeSyncWrite       Scope = "sync:write"
	ScopeStoresRead      Scope = "stores:read"
	ScopeStoresWrite     Scope = "stores:write"
	ScopeMappingsRead    Scope = "mappings:read"
	ScopeMappingsWrite   Scope = "mappings:write"
	ScopeReleasesRead    Scope = "releases:read"
	ScopeReleasesWrite   Scope = "releases:write"
	ScopeReleasesApprove Scope = "releases:approve"
	ScopeReleasesDeploy  Scope = "releases:deploy"
	ScopeFilesRead       Scope = "files:read"
	ScopeFilesWrite      Scope = "files:write"
	ScopeAuditRead       Scope = "audit:read"
	ScopeKeysAdmin       Scope = "keys:admin"
)

// AllScopes is every scope, in a stable order.
var AllScopes = []Scope{
	ScopeConfigRead, ScopeSyncRead, ScopeSyncWrite, ScopeStoresRead, ScopeStoresWrite,
	ScopeMappingsRead, ScopeMappingsWrite, ScopeReleasesRead, ScopeReleasesWrite,
	ScopeReleasesApprove, ScopeReleasesDeploy, ScopeFilesRead, ScopeFilesWrite,
	ScopeAuditRead, ScopeKeysAdmin,
}

// ParseScope validates one scope name.
func ParseScope(s string) (Scope, error) {
	sc := Scope(s)
	if slices.Contains(AllScopes, sc) {
		return sc, nil
	}
	return "", fmt.Errorf("unknown scope %q", s)
}

// ParseScopes validates, de-duplicates and sorts scope names.
func ParseScopes(names []string) ([]Scope, error) {
	out := make([]Scope, 0, len(names))
	for _, n := range names {
		sc, err := ParseScope(strings.TrimSpace(n))
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// JoinScopes is the space-separated form used in the authorizer context.
func JoinScopes(scopes []Scope) string {
	s := make([]string, len(scopes))
	for i, sc := range scopes {
		s[i] = string(sc)
	}
	return strings.Join(s, " ")
}

// SplitScopes reads JoinScopes' form, dropping names it does not know.
func SplitScopes(s string) []Scope {
	var out []Scope
	for _, f := range strings.Fields(s) {
		if sc, err := ParseScope(f); err == nil {
			out = append(out, sc)
		}
	}
	return out
}
