// Package mapping is Flux's canonical mappings domain: the object types Flux
// maps, the store-independent canonical path of each (one set of rules, here
// and in docs/mappings.md), the Shopify GID form each type accepts, and the
// Mapping value (tenant-less: the tenant is always the caller's).
package mapping

import (
	"fmt"
	"strings"

	"github.com/flux-platform/flux/shared/platform"
)

// ObjectType is a kind of Shopify object Flux maps (the GraphQL enum
// ObjectType of seed 000: lookupByGid(objectType: PRODUCT, ...)).
type ObjectType string

// The object types, named as the GraphQL enum values.
const (
	Product              ObjectType = "PRODUCT"
	Collection           ObjectType = "COLLECTION"
	Page                 ObjectType = "PAGE"
	Blog                 ObjectType = "BLOG"
	Article              ObjectType = "ARTICLE"
	Menu                 ObjectType = "MENU"
	Discount             ObjectType = "DISCOUNT"
	MetaobjectDefinition ObjectType = "METAOBJECT_DEFINITION"
	Metaobject           ObjectType = "METAOBJECT"
	MetafieldDefinition  ObjectType = "METAFIELD_DEFINITION"
	File                 ObjectType = "FILE"
	Theme                ObjectType = "THEME"
)

// ObjectTypes is every object type, in a stable order (the order of the
// GraphQL enum).
var ObjectTypes = []ObjectType{
	Product, Collection, Page, Blog, Article, Menu, Discount,
	MetaobjectDefinition, Metaobject, MetafieldDefinition, File, Theme,
}

// ParseObjectType validates an object type name.
func ParseObjectType(s string) (ObjectType, error) {
	t := ObjectType(s)
	if _, ok := rules[t]; ok {
		return t, nil
	}
	names := make([]string, len(ObjectTypes))
	for i, t := range ObjectTypes {
		names[i] = string(t)
	}
	return "", platform.E(platform.KindValidation,
		fmt.Sprintf("objectType %q is not one of %s", s, strings.Join(names, ", ")))
}

// Valid reports whether t is a known object type.
func (t ObjectType) Valid() bool { _, ok := rules[t]; return ok }

// Mapping maps one object of one shop: (objectType, canonical, shop) ↔ gid.
// Within a tenant and shop it is unique both ways.
type Mapping struct {
	ObjectType ObjectType
	Canonical  string
	GID        string
	Shop       string
}

// Validate checks the canonical path and the GID against the object type's
// rules (the shop is checked by the caller, against the tenant's group).
func (m Mapping) Validate() error {
	if !m.ObjectType.Valid() {
		_, err := ParseObjectType(string(m.ObjectType))
		return err
	}
	if err := ValidateCanonical(m.ObjectType, m.Canonical); err != nil {
		return err
	}
	return ValidateGID(m.ObjectType, m.GID)
}

// ListPage selects a page of a shop's mappings of one type, in canonical order:
// Limit items (at least 1), skipping Offset, after the canonical path After
// (exclusive) when it is set.
type ListPage struct {
	Limit  int
	Offset int
	After  string
}
