// Package catalog reads a shop's content from Shopify's Admin GraphQL API as
// raw JSON nodes, one object type at a time, for captures: full reads
// (paginated or by bulk operation), incremental reads (updatedSince), one
// object by GID (webhooks), and the GIDs that still exist (deletion
// detection). It decides what is read (every content field a release needs)
// and how (page sizes within Shopify's cost limit); normalising what it
// returns is shared/capture's job.
//
// Reader.List / Get / IDs read page by page (queries sized to stay within
// Shopify's 1000-point cost limit; nested connections completed with
// node(id:) follow-ups, never truncated). Reader.StartBulk / BulkState /
// StreamBulk read a whole type by bulk operation across Lambda runs
// (PRODUCT, COLLECTION, PAGE, BLOG, ARTICLE, FILE; ErrBulkUnsupported
// otherwise). Reader.ThemeFileBodies reads theme file bodies. Errors are
// platform errors wrapped with the type and shop.
package catalog

import (
	"encoding/json"
	"time"

	"github.com/flux-platform/flux/shared/mapping"
)

// Object is one Shopify object as read.
type Object struct {
	Type mapping.ObjectType
	// GID is the object's Shopify GID in this shop.
	GID string
	// Canonical is the object's canonical path (mapping.Canonical of its
	// fields); "" when its fields do not make a valid one (see Invalid).
	Canonical string
	// UpdatedAt is Shopify's updatedAt for the object (zero when the type
	// has none).
	UpdatedAt time.Time
	// Raw is the GraphQL node, nested connections included in full (all
	// variants, media, metafields...), as capture.Normalize takes it.
	Raw json.RawMessage
}

// Invalid is an object read but not capturable: its fields make no valid
// canonical path (a sync records it as a warning, not a failure).
type Invalid struct {
	Type    mapping.ObjectType
	GID     string
	Message string
}

// Page is one page of a list read.
type Page struct {
	Objects []Object
	Invalid []Invalid
	// Next is the opaque cursor of the next page; "" after the last page.
	Next string
}

// ObjectOrder is the dependency order a sync reads the OBJECTS types in:
// what others reference comes first, so that references resolve to
// canonicals in the same sync.
var ObjectOrder = []mapping.ObjectType{
	mapping.MetafieldDefinition, mapping.MetaobjectDefinition, mapping.Metaobject,
	mapping.Product, mapping.Collection, mapping.Page, mapping.Blog, mapping.Article,
	mapping.Menu, mapping.Discount,
}
