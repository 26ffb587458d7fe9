package stores

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/flux-platform/flux/shared/platform"
)

// ---- metaobject definitions -------------------------------------------------

// MetaobjectDefinitionList is listMetaobjectDefinitions' answer.
type MetaobjectDefinitionList struct {
	Definitions []MetaobjectDefinition `json:"definitions"`
	PageInfo    PageInfo               `json:"pageInfo"`
}

// MetaobjectDefinition is a metaobject type's definition.
type MetaobjectDefinition struct {
	ID               ID                `json:"id"`
	Name             string            `json:"name"`
	Type             string            `json:"type"`
	Description      *string           `json:"description"`
	DisplayNameKey   *string           `json:"displayNameKey"`
	FieldDefinitions []FieldDefinition `json:"fieldDefinitions"`
}

// FieldDefinition is one field of a metaobject definition. Type is the
// field's type name (single_line_text_field, ...).
type FieldDefinition struct {
	Key         string  `json:"key"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Required    bool    `json:"required"`
	Type        string  `json:"type"`
}

type shopifyTypeName struct {
	Name string `json:"name"`
}

type shopifyMetaobjectDefinition struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Type             string  `json:"type"`
	Description      *string `json:"description"`
	DisplayNameKey   *string `json:"displayNameKey"`
	FieldDefinitions []struct {
		Key         string          `json:"key"`
		Name        *string         `json:"name"`
		Description *string         `json:"description"`
		Required    bool            `json:"required"`
		Type        shopifyTypeName `json:"type"`
	} `json:"fieldDefinitions"`
}

var metaobjectDefinitionsQuery = newRootQuery("metaobjectDefinitions", nil, nil,
	scalars("id", "name", "type", "description", "displayNameKey"),
	obj("fieldDefinitions", scalars("key", "name", "description", "required"), obj("type", scalars("name"))))

func metaobjectDefinitionFromShopify(d shopifyMetaobjectDefinition) MetaobjectDefinition {
	out := MetaobjectDefinition{
		ID: ID(d.ID), Name: d.Name, Type: d.Type, Description: d.Description, DisplayNameKey: d.DisplayNameKey,
		FieldDefinitions: make([]FieldDefinition, len(d.FieldDefinitions)),
	}
	for i, f := range d.FieldDefinitions {
		out.FieldDefinitions[i] = FieldDefinition{Key: f.Key, Name: f.Name, Description: f.Description, Required: f.Required, Type: f.Type.Name}
	}
	return out
}

// ListMetaobjectDefinitions is listMetaobjectDefinitions.
func (g *Group) ListMetaobjectDefinitions(ctx context.Context, args PageArgs) (MetaobjectDefinitionList, error) {
	if err := authorize(ctx); err != nil {
		return MetaobjectDefinitionList{}, err
	}
	items, pi, err := list(ctx, g, args.list(), listing{op: OpListMetaobjectDefinitions,
		field: "metaobjectDefinitions", query: metaobjectDefinitionsQuery}, metaobjectDefinitionFromShopify)
	if err != nil {
		return MetaobjectDefinitionList{}, err
	}
	return MetaobjectDefinitionList{Definitions: items, PageInfo: pi}, nil
}

// ---- metaobjects ------------------------------------------------------------

// ListMetaobjectsArgs are listMetaobjects' arguments.
type ListMetaobjectsArgs struct {
	ListArgs
	// Type is the metaobject definition's type ("lookbook").
	Type string `json:"type"`
}

// MetaobjectList is listMetaobjects' answer.
type MetaobjectList struct {
	Metaobjects []Metaobject `json:"metaobjects"`
	PageInfo    PageInfo     `json:"pageInfo"`
}

// Metaobject is one metaobject entry.
type Metaobject struct {
	ID          ID                `json:"id"`
	Handle      string            `json:"handle"`
	Type        string            `json:"type"`
	DisplayName string            `json:"displayName"`
	UpdatedAt   string            `json:"updatedAt"`
	Fields      []MetaobjectField `json:"fields"`
}

// MetaobjectField is one field of a metaobject; Value is null when unset.
type MetaobjectField struct {
	Key   string  `json:"key"`
	Value *string `json:"value"`
	Type  string  `json:"type"`
}

type shopifyMetaobject = Metaobject

var metaobjectsQuery = newRootQuery("metaobjects",
	[]string{"$type: String!", "$query: String"}, []string{"type: $type", "query: $query"},
	scalars("id", "handle", "type", "displayName", "updatedAt"), obj("fields", scalars("key", "value", "type")))

func metaobjectFromShopify(m shopifyMetaobject) Metaobject {
	if m.Fields == nil {
		m.Fields = []MetaobjectField{}
	}
	return m
}

// ListMetaobjects is listMetaobjects: the entries of one metaobject type.
func (g *Group) ListMetaobjects(ctx context.Context, args ListMetaobjectsArgs) (MetaobjectList, error) {
	if err := authorize(ctx); err != nil {
		return MetaobjectList{}, err
	}
	if !metaobjectType.MatchString(args.Type) {
		return MetaobjectList{}, platform.E(platform.KindValidation,
			fmt.Sprintf("type %q is not a metaobject type such as lookbook", args.Type))
	}
	items, pi, err := list(ctx, g, args.ListArgs, listing{op: OpListMetaobjects, field: "metaobjects",
		query: metaobjectsQuery, vars: map[string]any{"type": args.Type}}, metaobjectFromShopify)
	if err != nil {
		return MetaobjectList{}, err
	}
	return MetaobjectList{Metaobjects: items, PageInfo: pi}, nil
}

// ---- metafield definitions --------------------------------------------------

// ListMetafieldDefinitionsArgs are listMetafieldDefinitions' arguments.
type ListMetafieldDefinitionsArgs struct {
	PageArgs
	// OwnerType is Shopify's MetafieldOwnerType (PRODUCT, COLLECTION, ...).
	OwnerType string `json:"ownerType"`
}

// MetafieldDefinitionList is listMetafieldDefinitions' answer.
type MetafieldDefinitionList struct {
	Definitions []MetafieldDefinition `json:"definitions"`
	PageInfo    PageInfo              `json:"pageInfo"`
}

// MetafieldDefinition is a metafield definition; Type is its type name.
type MetafieldDefinition struct {
	ID             ID                     `json:"id"`
	Name           string                 `json:"name"`
	Namespace      string                 `json:"namespace"`
	Key            string                 `json:"key"`
	Type           string                 `json:"type"`
	Description    *string                `json:"description"`
	OwnerType      string                 `json:"ownerType"`
	PinnedPosition *int32                 `json:"pinnedPosition"`
	Validations    []DefinitionValidation `json:"validations"`
}

// DefinitionValidation is one validation rule of a metafield definition.
type DefinitionValidation struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

type shopifyMetafieldDefinition struct {
	ID             string                 `json:"id"`
	Name           string                 `json:"name"`
	Namespace      string                 `json:"namespace"`
	Key            string                 `json:"key"`
	Type           shopifyTypeName        `json:"type"`
	Description    *string                `json:"description"`
	OwnerType      string                 `json:"ownerType"`
	PinnedPosition *int32                 `json:"pinnedPosition"`
	Validations    []DefinitionValidation `json:"validations"`
}

var metafieldDefinitionsQuery = newRootQuery("metafieldDefinitions",
	[]string{"$ownerType: MetafieldOwnerType!"}, []string{"ownerType: $ownerType"},
	scalars("id", "name", "namespace", "key", "description", "ownerType", "pinnedPosition"),
	obj("type", scalars("name")), obj("validations", scalars("name", "value")))

func metafieldDefinitionFromShopify(d shopifyMetafieldDefinition) MetafieldDefinition {
	out := MetafieldDefinition{
		ID: ID(d.ID), Name: d.Name, Namespace: d.Namespace, Key: d.Key, Type: d.Type.Name,
		Description: d.Description, OwnerType: d.OwnerType, PinnedPosition: d.PinnedPosition,
		Validations: d.Validations,
	}
	if out.Validations == nil {
		out.Validations = []DefinitionValidation{}
	}
	return out
}

// ListMetafieldDefinitions is listMetafieldDefinitions: the definitions of
// one owner type.
func (g *Group) ListMetafieldDefinitions(ctx context.Context, args ListMetafieldDefinitionsArgs) (MetafieldDefinitionList, error) {
	if err := authorize(ctx); err != nil {
		return MetafieldDefinitionList{}, err
	}
	owner := strings.ToUpper(strings.TrimSpace(args.OwnerType))
	if !slices.Contains(metafieldOwnerTypes, owner) {
		return MetafieldDefinitionList{}, platform.E(platform.KindValidation,
			fmt.Sprintf("ownerType %q is not a Shopify MetafieldOwnerType such as PRODUCT or COLLECTION", args.OwnerType))
	}
	items, pi, err := list(ctx, g, args.list(), listing{op: OpListMetafieldDefinitions, field: "metafieldDefinitions",
		query: metafieldDefinitionsQuery, vars: map[string]any{"ownerType": owner}}, metafieldDefinitionFromShopify)
	if err != nil {
		return MetafieldDefinitionList{}, err
	}
	return MetafieldDefinitionList{Definitions: items, PageInfo: pi}, nil
}
