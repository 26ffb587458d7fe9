package mcp

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/mapping/mappinggroup"
	"github.com/flux-platform/flux/shared/objects"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/stores"
	"github.com/flux-platform/flux/shared/sync/syncgroup"
)

// Tool is one MCP tool: its MCP description (name, schemas, annotations),
// the scope it needs, and what it runs. Every tool but the object history
// and diff is one operation of a resolver group, called through shared/rpc
// exactly as the GraphQL gateway calls it, with the tool's arguments as the
// operation's (they carry the GraphQL arguments' names).
type Tool struct {
	Name        string
	Title       string
	Description string
	Scope       auth.Scope
	// ReadOnly tools change nothing; the others say what they change in
	// their description. Destructive ones end or overwrite something (a
	// release, a store's content); Idempotent ones have no further effect
	// when called again with the same arguments. OpenWorld tools reach the
	// Shopify stores.
	ReadOnly    bool
	Destructive bool
	Idempotent  bool
	OpenWorld   bool
	Input       *jsonschema.Schema
	Output      *jsonschema.Schema
	// Wrap names the one property of the structured content when the
	// operation answers a JSON array.
	Wrap string

	run   func(ctx context.Context, d deps, args json.RawMessage) (json.RawMessage, error)
	input *jsonschema.Resolved
}

// deps is what tools run against.
type deps struct {
	groups  rpc.Transport
	objects *objects.Service
}

// groupOp is a tool that is the resolver-group operation group.op.
func groupOp(group, op string) func(ctx context.Context, d deps, args json.RawMessage) (json.RawMessage, error) {
	return func(ctx context.Context, d deps, args json.RawMessage) (json.RawMessage, error) {
		return rpc.Call[json.RawMessage](ctx, d.groups, group, op, args)
	}
}

// Descriptions of shared arguments.
const (
	shopDesc         = "A *.myshopify.com domain of your store group."
	cursorDesc       = "pageInfo.cursor of the previous page; omit for the first page."
	updatedSinceDesc = "RFC 3339 time: only objects updated after it."
	storesNote       = " Reads the store live from Shopify. Requires the scope stores:read. Keep paging while pageInfo.hasNextPage (a page may hold fewer items than limit)."
)

var (
	syncTypes      = []string{"OBJECTS", "THEME", "FILES"}
	syncStatuses   = []string{"QUEUED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"}
	operationTypes = []string{"CREATE", "UPDATE", "DELETE"}
)

func objectTypeNames() []string {
	out := make([]string, len(mapping.ObjectTypes))
	for i, t := range mapping.ObjectTypes {
		out[i] = string(t)
	}
	return out
}

// listProps are the arguments every store list tool shares.
func listProps(withUpdatedSince bool, extra map[string]*jsonschema.Schema) map[string]*jsonschema.Schema {
	p := map[string]*jsonschema.Schema{
		"shop":   bounded(shopDesc, 255),
		"cursor": bounded(cursorDesc, 1024),
		"limit":  integer("The most items wanted.", 1, stores.MaxLimit, stores.DefaultLimit),
	}
	if withUpdatedSince {
		p["updatedSince"] = str(updatedSinceDesc)
	}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// storeTool is a list query of the stores group.
func storeTool(name, title, desc string, op string, input *jsonschema.Schema, output *jsonschema.Schema) Tool {
	return Tool{Name: name, Title: title, Description: desc + storesNote, Scope: auth.ScopeStoresRead,
		ReadOnly: true, OpenWorld: true, Input: input, Output: output, run: groupOp(stores.GroupName, op)}
}

// Tools is every tool Flux serves, in the order tools/list shows them.
func Tools() []Tool {
	objectType := enum("The kind of object.", objectTypeNames()...)
	canonical := bounded("The object's canonical path (docs/mappings.md): a product's handle, blog/article for articles, type/handle for metaobjects, ...", mapping.MaxCanonicalLength)
	mappingOut := outputOf[mappinggroup.Mapping]()
	return append([]Tool{
		{
			Name: "config", Title: "Store group configuration",
			Description: "The store group of your tenant: its name and each store's domain and classification (SOURCE, QA, RELEASE_CANDIDATE, PRODUCTION). storeGroup is null until one is set up. Requires the scope config:read.",
			Scope:       auth.ScopeConfigRead, ReadOnly: true,
			Input: object(nil), Output: outputOf[configgroup.ConfigResult](),
			run: groupOp(configgroup.GroupName, configgroup.OpConfig),
		},
		{
			Name: "syncStatus", Title: "Sync status",
			Description: "The running and the queued sync of a type (default OBJECTS); null when there is none. Requires the scope sync:read.",
			Scope:       auth.ScopeSyncRead, ReadOnly: true,
			Input:  object(map[string]*jsonschema.Schema{"type": enum("What the sync reads. Default OBJECTS.", syncTypes...)}),
			Output: outputOf[syncgroup.SyncStatusResult](),
			run:    groupOp(syncgroup.GroupName, syncgroup.OpSyncStatus),
		},
		{
			Name: "syncHistory", Title: "Sync history",
			Description: "Your syncs, newest first, with the total matching the filters. Requires the scope sync:read.",
			Scope:       auth.ScopeSyncRead, ReadOnly: true,
			Input: object(map[string]*jsonschema.Schema{
				"type":   enum("Only syncs of this type.", syncTypes...),
				"status": enum("Only syncs in this status.", syncStatuses...),
				"limit":  integer("The most syncs wanted.", 1, syncgroup.MaxLimit, 20),
				"offset": integer("How many syncs to skip.", 0, syncgroup.MaxOffset, 0),
			}),
			Output: outputOf[syncgroup.SyncHistoryResult](),
			run:    groupOp(syncgroup.GroupName, syncgroup.OpSyncHistory),
		},
		{
			Name: "sync", Title: "One sync",
			Description: "One sync by id: its status, times, error and stats. Requires the scope sync:read.",
			Scope:       auth.ScopeSyncRead, ReadOnly: true,
			Input:  object(map[string]*jsonschema.Schema{"id": bounded("The sync's id.", 64)}, "id"),
			Output: outputOf[syncgroup.Sync](),
			run:    groupOp(syncgroup.GroupName, syncgroup.OpSync),
		},
		{
			Name: "syncOperations", Title: "A sync's operations",
			Description: "The changes a sync recorded (CREATE, UPDATE, DELETE of one object in one shop), by type then id, with their total. Requires the scope sync:read.",
			Scope:       auth.ScopeSyncRead, ReadOnly: true,
			Input: object(map[string]*jsonschema.Schema{
				"syncId": bounded("The sync's id.", 64),
				"type":   enum("Only operations of this type.", operationTypes...),
				"limit":  integer("The most operations wanted.", 1, syncgroup.MaxLimit, 100),
				"offset": integer("How many operations to skip.", 0, syncgroup.MaxOffset, 0),
			}, "syncId"),
			Output: outputOf[syncgroup.SyncOperationsResult](),
			run:    groupOp(syncgroup.GroupName, syncgroup.OpSyncOperations),
		},
		{
			Name: "startSync", Title: "Start a sync",
			Description: "Starts a sync that reads your stores into versions: RUNNING when none of that type runs, QUEUED when one runs; when one is already queued, that one is returned with a message and nothing is created. Changes Flux's data (never a store). Requires the scope sync:write.",
			Scope:       auth.ScopeSyncWrite, OpenWorld: true,
			Input: object(map[string]*jsonschema.Schema{
				"type":        enum("What the sync reads.", syncTypes...),
				"triggeredBy": bounded("Who or what started it, shown in the history.", 200),
			}, "type"),
			Output: outputOf[syncgroup.StartSyncResult](),
			run:    groupOp(syncgroup.GroupName, syncgroup.OpStartSync),
		},
		storeTool("listProducts", "Products", "One page of a store's products. config chooses the field groups read; fields of other groups are null.",
			stores.OpListProducts, object(listProps(true, map[string]*jsonschema.Schema{
				"config": {Type: "object", Description: "Which product fields to read. Without it every group is read, inventory too.",
					Properties: map[string]*jsonschema.Schema{
						"productFields":    stringList("Product field groups: core, content, seo, options, media, metafields, publications. Default: all.", 0, 7),
						"syncVariants":     {Type: "boolean", Description: "Whether to read variants. Default true."},
						"variantFields":    stringList("Variant field groups: core, pricing, inventory.", 0, 3),
						"inventoryOptions": stringList("Inventory fields: quantity.", 0, 1),
					}, AdditionalProperties: &jsonschema.Schema{Not: &jsonschema.Schema{}}},
			}), "shop"), outputOf[stores.ProductList]()),
		storeTool("listCollections", "Collections", "One page of a store's collections; metafields only with includeMetafields.",
			stores.OpListCollections, object(listProps(true, map[string]*jsonschema.Schema{
				"includeMetafields": boolean("Read each collection's first 25 metafields.", false),
			}), "shop"), outputOf[stores.CollectionList]()),
		storeTool("listPages", "Pages", "One page of a store's online store pages.",
			stores.OpListPages, object(listProps(true, nil), "shop"), outputOf[stores.PageList]()),
		storeTool("listBlogs", "Blogs", "One page of a store's blogs.",
			stores.OpListBlogs, object(listProps(true, nil), "shop"), outputOf[stores.BlogList]()),
		storeTool("listArticles", "Articles", "One page of a store's blog articles, of every blog or of blogId's.",
			stores.OpListArticles, object(listProps(true, map[string]*jsonschema.Schema{
				"blogId": bounded("Only this blog's articles (gid://shopify/Blog/123).", 128),
			}), "shop"), outputOf[stores.ArticleList]()),
		storeTool("listMenus", "Menus", "One page of a store's navigation menus, with their items.",
			stores.OpListMenus, object(listProps(false, nil), "shop"), outputOf[stores.MenuList]()),
		storeTool("listDiscounts", "Discounts", "One page of a store's discounts; metafields only with includeMetafields.",
			stores.OpListDiscounts, object(listProps(true, map[string]*jsonschema.Schema{
				"includeMetafields": boolean("Read each discount's first 25 metafields.", false),
			}), "shop"), outputOf[stores.DiscountList]()),
		storeTool("listMetaobjectDefinitions", "Metaobject definitions", "One page of a store's metaobject definitions.",
			stores.OpListMetaobjectDefinitions, object(listProps(false, nil), "shop"), outputOf[stores.MetaobjectDefinitionList]()),
		storeTool("listMetaobjects", "Metaobjects", "One page of the metaobjects of one type (a definition's type, e.g. lookbook).",
			stores.OpListMetaobjects, object(listProps(true, map[string]*jsonschema.Schema{
				"type": bounded("The metaobject definition's type.", 255),
			}), "shop", "type"), outputOf[stores.MetaobjectList]()),
		storeTool("listMetafieldDefinitions", "Metafield definitions", "One page of the metafield definitions of one owner type (Shopify's MetafieldOwnerType: PRODUCT, COLLECTION, ...).",
			stores.OpListMetafieldDefinitions, object(listProps(false, map[string]*jsonschema.Schema{
				"ownerType": bounded("Shopify's MetafieldOwnerType.", 64),
			}), "shop", "ownerType"), outputOf[stores.MetafieldDefinitionList]()),
		storeTool("listFiles", "Files", "One page of a store's file library.",
			stores.OpListFiles, object(listProps(true, nil), "shop"), outputOf[stores.FileList]()),
		{
			Name: "lookupByGid", Title: "Canonical paths by GID",
			Description: "The canonical paths of objects by their Shopify GIDs (up to 250), in one shop or every shop of your group. Requires the scope mappings:read.",
			Scope:       auth.ScopeMappingsRead, ReadOnly: true,
			Input: object(map[string]*jsonschema.Schema{
				"objectType": objectType,
				"gids":       stringList("Shopify GIDs (gid://shopify/Product/123).", 1, mappinggroup.MaxBatch),
				"shop":       bounded("Only this shop (a *.myshopify.com domain of your store group).", 255),
			}, "objectType", "gids"),
			Output: wrapped("mappings", mappingOut), Wrap: "mappings",
			run: groupOp(mappinggroup.GroupName, mappinggroup.OpLookupByGID),
		},
		{
			Name: "lookupByCanonical", Title: "GIDs by canonical path",
			Description: "The Shopify GIDs of objects by canonical path (up to 250), in one shop or every shop of your group. Requires the scope mappings:read.",
			Scope:       auth.ScopeMappingsRead, ReadOnly: true,
			Input: object(map[string]*jsonschema.Schema{
				"objectType": objectType,
				"canonicals": stringList("Canonical paths.", 1, mappinggroup.MaxBatch),
				"shop":       bounded("Only this shop (a *.myshopify.com domain of your store group).", 255),
			}, "objectType", "canonicals"),
			Output: wrapped("mappings", mappingOut), Wrap: "mappings",
			run: groupOp(mappinggroup.GroupName, mappinggroup.OpLookupByCanonical),
		},
		{
			Name: "mappings", Title: "Mappings of a type",
			Description: "The mappings of one object type in one shop, in canonical order, with their total. Page with offset, or cheaper with after (the last canonical of the previous page). Requires the scope mappings:read.",
			Scope:       auth.ScopeMappingsRead, ReadOnly: true,
			Input: object(map[string]*jsonschema.Schema{
				"objectType": objectType,
				"shop":       bounded(shopDesc, 255),
				"limit":      integer("The most mappings wanted.", 1, mappinggroup.MaxLimit, mappinggroup.DefaultLimit),
				"offset":     integer("How many mappings to skip.", 0, mappinggroup.MaxOffset, 0),
				"after":      bounded("Start after this canonical path.", mapping.MaxCanonicalLength),
			}, "objectType", "shop"),
			Output: outputOf[mappinggroup.MappingsResult](),
			run:    groupOp(mappinggroup.GroupName, mappinggroup.OpMappings),
		},
		{
			Name: "objectHistory", Title: "Object history",
			Description: "The captured versions of one object in one shop, newest first (as GET /api/object-history). Pass nextCursor back as cursor for the next page. Requires the scope sync:read.",
			Scope:       objects.Scope, ReadOnly: true,
			Input: object(map[string]*jsonschema.Schema{
				"objectType": objectType,
				"canonical":  canonical,
				"shop":       bounded(shopDesc, 255),
				"limit":      integer("The most versions wanted.", 1, objects.MaxLimit, objects.DefaultLimit),
				"cursor":     bounded("nextCursor of the previous page.", 12),
			}, "objectType", "canonical", "shop"),
			Output: outputOf[objects.History](),
			run: func(ctx context.Context, d deps, args json.RawMessage) (json.RawMessage, error) {
				q, err := objects.ParseHistoryQuery(query(args))
				if err != nil {
					return nil, err
				}
				return encode(d.objects.History(ctx, q))
			},
		},
		{
			Name: "objectDiff", Title: "Object diff",
			Description: "A field-level diff between two versions of one object (from/to version numbers; default the current version against the one before), or between its current versions in shop and otherShop (as GET /api/object-diff). Requires the scope sync:read.",
			Scope:       objects.Scope, ReadOnly: true,
			Input: object(map[string]*jsonschema.Schema{
				"objectType": objectType,
				"canonical":  canonical,
				"shop":       bounded(shopDesc, 255),
				"from":       version("The older version's number. Default: the one before to."),
				"to":         version("The newer version's number. Default: the current one."),
				"otherShop":  bounded("Compare the current versions in shop (from) and otherShop (to); not with from or to.", 255),
			}, "objectType", "canonical", "shop"),
			Output: outputOf[objects.DiffResult](),
			run: func(ctx context.Context, d deps, args json.RawMessage) (json.RawMessage, error) {
				q, err := objects.ParseDiffQuery(query(args))
				if err != nil {
					return nil, err
				}
				return encode(d.objects.Diff(ctx, q))
			},
		},
	}, releaseTools()...) // releases.go
}

// query turns validated arguments into the REST endpoints' query string, so
// object history and diff parse and check them exactly as those endpoints
// do. The arguments passed the input schema: strings and integers only.
func query(args json.RawMessage) string {
	var m map[string]any
	_ = json.Unmarshal(args, &m)
	v := url.Values{}
	for k, x := range m {
		switch x := x.(type) {
		case string:
			v.Set(k, x)
		case float64:
			v.Set(k, strconv.FormatInt(int64(x), 10))
		}
	}
	return v.Encode()
}

func encode[T any](v T, err error) (json.RawMessage, error) {
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
