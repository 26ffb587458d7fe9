package graphql

import (
	"context"

	graphqlgo "github.com/graph-gophers/graphql-go"

	"github.com/flux-platform/flux/shared/mapping/mappinggroup"
)

// The canonical-mapping fields of seed 000 (resolver group mappings). Results
// are the group's wire types, resolved by field name; these resolvers only
// translate arguments (graphql-go has applied the defaults), the group
// validates and decides.

// LookupByGid resolves Query.lookupByGid.
func (r *queryResolver) LookupByGid(ctx context.Context, args struct {
	ObjectType string
	Gids       []string
	Shop       *string
}) (*[]mappinggroup.Mapping, error) {
	return callPtr[[]mappinggroup.Mapping](ctx, r, mappinggroup.OpLookupByGID,
		mappinggroup.LookupByGIDArgs{ObjectType: args.ObjectType, GIDs: args.Gids, Shop: args.Shop})
}

// LookupByCanonical resolves Query.lookupByCanonical.
func (r *queryResolver) LookupByCanonical(ctx context.Context, args struct {
	ObjectType string
	Canonicals []string
	Shop       *string
}) (*[]mappinggroup.Mapping, error) {
	return callPtr[[]mappinggroup.Mapping](ctx, r, mappinggroup.OpLookupByCanonical,
		mappinggroup.LookupByCanonicalArgs{ObjectType: args.ObjectType, Canonicals: args.Canonicals, Shop: args.Shop})
}

// Mappings resolves Query.mappings.
func (r *queryResolver) Mappings(ctx context.Context, args struct {
	ObjectType string
	Shop       string
	Limit      graphqlgo.NullInt
	Offset     graphqlgo.NullInt
	After      *string
}) (*mappingList, error) {
	res, err := callPtr[mappinggroup.MappingsResult](ctx, r, mappinggroup.OpMappings, mappinggroup.MappingsArgs{
		ObjectType: args.ObjectType, Shop: args.Shop, Limit: intOf(args.Limit), Offset: intOf(args.Offset), After: args.After,
	})
	if err != nil {
		return nil, err
	}
	return &mappingList{Items: res.Items, Total: int32(res.Total)}, nil
}

// mappingList is MappingList: the group's result with the total as GraphQL's
// 32-bit Int.
type mappingList struct {
	Items []mappinggroup.Mapping
	Total int32
}

// UpsertMappings resolves Mutation.upsertMappings.
func (r *mutationResolver) UpsertMappings(ctx context.Context, args struct {
	Mappings []mappinggroup.MappingInput
}) (*[]mappinggroup.Mapping, error) {
	out, err := call[[]mappinggroup.Mapping](ctx, r.t, mappinggroup.GroupName, mappinggroup.OpUpsertMappings,
		mappinggroup.UpsertMappingsArgs{Mappings: args.Mappings})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteMappings resolves Mutation.deleteMappings: the number deleted.
func (r *mutationResolver) DeleteMappings(ctx context.Context, args struct {
	ObjectType string
	Canonicals []string
	Shop       string
}) (*int32, error) {
	n, err := call[int32](ctx, r.t, mappinggroup.GroupName, mappinggroup.OpDeleteMappings,
		mappinggroup.DeleteMappingsArgs{ObjectType: args.ObjectType, Canonicals: args.Canonicals, Shop: args.Shop})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// callPtr is call for a query field of the mappings group whose result is nullable.
func callPtr[R any](ctx context.Context, r *queryResolver, op string, args any) (*R, error) {
	out, err := call[R](ctx, r.t, mappinggroup.GroupName, op, args)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
