package graphql

import (
	"context"

	graphqlgo "github.com/graph-gophers/graphql-go"

	"github.com/flux-platform/flux/shared/stores"
)

// The list queries of seed 000 (resolver group stores). Their result types
// are the group's wire types, resolved by field name
// (graphql.UseFieldResolvers); ids are stores.ID, which graphql-go takes as
// the ID scalar. These resolvers only translate arguments: graphql-go has
// applied the schema's defaults (limit 50, includeMetafields false), and the
// group validates and decides.

// listArgs are the arguments every list query shares.
type listArgs struct {
	Shop         string
	Cursor       *string
	Limit        graphqlgo.NullInt
	UpdatedSince *string
}

func (a listArgs) wire() stores.ListArgs {
	return stores.ListArgs{Shop: a.Shop, Cursor: a.Cursor, Limit: intOf(a.Limit), UpdatedSince: a.UpdatedSince}
}

// pageArgs are the arguments of the list queries without updatedSince.
type pageArgs struct {
	Shop   string
	Cursor *string
	Limit  graphqlgo.NullInt
}

func (a pageArgs) wire() stores.PageArgs {
	return stores.PageArgs{Shop: a.Shop, Cursor: a.Cursor, Limit: intOf(a.Limit)}
}

// intOf is a limit for the wire. graphql-go has applied the schema's
// default (50) when the argument is absent; an explicit null (or a null
// variable) is no limit given, which the group reads as its default, the same
// 50. graphql-go treats an argument with a default as non-null unless its Go
// type is nullable, hence graphql.NullInt and graphql.NullBool.
func intOf(v graphqlgo.NullInt) *int {
	if v.Value == nil {
		return nil
	}
	n := int(*v.Value)
	return &n
}

func boolOf(v graphqlgo.NullBool) bool { return v.Value != nil && *v.Value }

// listStores is one list query: the group call, the result as a nullable
// root field.
func listStores[R any](ctx context.Context, r *queryResolver, op string, args any) (*R, error) {
	res, err := call[R](ctx, r.t, stores.GroupName, op, args)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

type productSyncConfigInput struct {
	ProductFields    *[]string
	SyncVariants     *bool
	VariantFields    *[]string
	InventoryOptions *[]string
}

// ListProducts resolves Query.listProducts.
func (r *queryResolver) ListProducts(ctx context.Context, args struct {
	listArgs
	Config *productSyncConfigInput
}) (*stores.ProductList, error) {
	wire := stores.ListProductsArgs{ListArgs: args.wire()}
	if c := args.Config; c != nil {
		wire.Config = &stores.ProductSyncConfig{
			ProductFields: c.ProductFields, SyncVariants: c.SyncVariants,
			VariantFields: c.VariantFields, InventoryOptions: c.InventoryOptions,
		}
	}
	return listStores[stores.ProductList](ctx, r, stores.OpListProducts, wire)
}

// ListCollections resolves Query.listCollections.
func (r *queryResolver) ListCollections(ctx context.Context, args struct {
	listArgs
	IncludeMetafields graphqlgo.NullBool
}) (*stores.CollectionList, error) {
	return listStores[stores.CollectionList](ctx, r, stores.OpListCollections,
		stores.ListCollectionsArgs{ListArgs: args.wire(), IncludeMetafields: boolOf(args.IncludeMetafields)})
}

// ListPages resolves Query.listPages.
func (r *queryResolver) ListPages(ctx context.Context, args listArgs) (*stores.PageList, error) {
	return listStores[stores.PageList](ctx, r, stores.OpListPages, args.wire())
}

// ListBlogs resolves Query.listBlogs.
func (r *queryResolver) ListBlogs(ctx context.Context, args listArgs) (*stores.BlogList, error) {
	return listStores[stores.BlogList](ctx, r, stores.OpListBlogs, args.wire())
}

// ListArticles resolves Query.listArticles.
func (r *queryResolver) ListArticles(ctx context.Context, args struct {
	listArgs
	BlogID *graphqlgo.ID
}) (*stores.ArticleList, error) {
	wire := stores.ListArticlesArgs{ListArgs: args.wire()}
	if args.BlogID != nil {
		id := string(*args.BlogID)
		wire.BlogID = &id
	}
	return listStores[stores.ArticleList](ctx, r, stores.OpListArticles, wire)
}

// ListMenus resolves Query.listMenus.
func (r *queryResolver) ListMenus(ctx context.Context, args pageArgs) (*stores.MenuList, error) {
	return listStores[stores.MenuList](ctx, r, stores.OpListMenus, args.wire())
}

// ListDiscounts resolves Query.listDiscounts.
func (r *queryResolver) ListDiscounts(ctx context.Context, args struct {
	listArgs
	IncludeMetafields graphqlgo.NullBool
}) (*stores.DiscountList, error) {
	return listStores[stores.DiscountList](ctx, r, stores.OpListDiscounts,
		stores.ListDiscountsArgs{ListArgs: args.wire(), IncludeMetafields: boolOf(args.IncludeMetafields)})
}

// ListMetaobjectDefinitions resolves Query.listMetaobjectDefinitions.
func (r *queryResolver) ListMetaobjectDefinitions(ctx context.Context, args pageArgs) (*stores.MetaobjectDefinitionList, error) {
	return listStores[stores.MetaobjectDefinitionList](ctx, r, stores.OpListMetaobjectDefinitions, args.wire())
}

// ListMetaobjects resolves Query.listMetaobjects.
func (r *queryResolver) ListMetaobjects(ctx context.Context, args struct {
	listArgs
	Type string
}) (*stores.MetaobjectList, error) {
	return listStores[stores.MetaobjectList](ctx, r, stores.OpListMetaobjects,
		stores.ListMetaobjectsArgs{ListArgs: args.wire(), Type: args.Type})
}

// ListMetafieldDefinitions resolves Query.listMetafieldDefinitions.
func (r *queryResolver) ListMetafieldDefinitions(ctx context.Context, args struct {
	pageArgs
	OwnerType string
}) (*stores.MetafieldDefinitionList, error) {
	return listStores[stores.MetafieldDefinitionList](ctx, r, stores.OpListMetafieldDefinitions,
		stores.ListMetafieldDefinitionsArgs{PageArgs: args.wire(), OwnerType: args.OwnerType})
}

// ListFiles resolves Query.listFiles.
func (r *queryResolver) ListFiles(ctx context.Context, args listArgs) (*stores.FileList, error) {
	return listStores[stores.FileList](ctx, r, stores.OpListFiles, args.wire())
}
