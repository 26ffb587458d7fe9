package shopify

import (
	"regexp"
	"slices"
	"strings"
)

// AuthScopes is a set of access scopes, as seed 003's AuthScopes: a
// write_x scope implies read_x (and unauthenticated_write_x implies
// unauthenticated_read_x), so "write_products" has "read_products", and
// "write_products" equals "write_products,read_products".
type AuthScopes struct {
	compressed []string            // given scopes minus the implied ones, in input order
	expanded   map[string]struct{} // given plus implied
}

var impliedScope = regexp.MustCompile(`^(unauthenticated_)?write_(.*)$`)

// ParseAuthScopes parses a comma-separated list ("read_products, write_orders").
// Blank entries and surrounding spaces are ignored, as Shopify's libraries do.
func ParseAuthScopes(s string) AuthScopes {
	return NewAuthScopes(strings.Split(s, ","))
}

// NewAuthScopes builds the set from individual scopes.
func NewAuthScopes(scopes []string) AuthScopes {
	var given []string
	seen := map[string]struct{}{}
	for _, sc := range scopes {
		sc = strings.TrimSpace(sc)
		if sc == "" {
			continue
		}
		if _, dup := seen[sc]; dup {
			continue
		}
		seen[sc] = struct{}{}
		given = append(given, sc)
	}
	implied := map[string]struct{}{}
	for _, sc := range given {
		if m := impliedScope.FindStringSubmatch(sc); m != nil {
			implied[m[1]+"read_"+m[2]] = struct{}{}
		}
	}
	a := AuthScopes{expanded: map[string]struct{}{}}
	for _, sc := range given {
		a.expanded[sc] = struct{}{}
		if _, ok := implied[sc]; !ok {
			a.compressed = append(a.compressed, sc)
		}
	}
	for sc := range implied {
		a.expanded[sc] = struct{}{}
	}
	return a
}

// Has reports whether every scope of other is in a (directly or implied).
func (a AuthScopes) Has(other AuthScopes) bool {
	for _, sc := range other.compressed {
		if _, ok := a.expanded[sc]; !ok {
			return false
		}
	}
	return true
}

// HasScope is Has for one scope or a comma-separated list.
func (a AuthScopes) HasScope(s string) bool { return a.Has(ParseAuthScopes(s)) }

// Equals reports whether a and other grant the same access.
func (a AuthScopes) Equals(other AuthScopes) bool {
	return len(a.compressed) == len(other.compressed) && other.Has(a) && a.Has(other)
}

// Array is the scopes without the implied ones, sorted so that equal sets
// print the same.
func (a AuthScopes) Array() []string {
	out := slices.Clone(a.compressed)
	slices.Sort(out)
	return out
}

// String is Array joined with commas: what Shopify's authorize URL and
// token responses use.
func (a AuthScopes) String() string { return strings.Join(a.Array(), ",") }
