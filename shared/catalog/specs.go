package catalog

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/flux-platform/flux/shared/mapping"
)

// What is read of each type. Every field here exists both in Shopify's
// Admin API (2026-10) and in the emulator's schema
// (infra/shopify-emulator/schema.graphql).

// spec is how one object type is read.
type spec struct {
	// root is the list field (products); "" for types listed specially.
	root string
	// gqlType is the GraphQL type a node(id:) fragment names (Product).
	gqlType string
	// get, when set, is the selection inside node(id:) (default "... on
	// <gqlType> { node }").
	get string
	// node is the selection of one object. {key} placeholders mark where a
	// nested connection goes; connections without one are appended.
	node string
	// base is the cost of one node's selection without the node itself and
	// without its nested connections (objects 1, lists of objects 1 each).
	base int
	// conns are the nested connections, read in full.
	conns []connSpec
	// search: the list field takes query: "updated_at:>=..."
	search bool
	// bulk: full reads may use a bulk operation.
	bulk bool
	// fields gives the canonical's fields of a node.
	fields func(n map[string]any) mapping.Fields
	// updated is the node's updatedAt ("" when the type has none).
	updated func(n map[string]any) string
	// prune drops what is not content before nested connections are
	// completed (a smart collection's products).
	prune func(n map[string]any)
}

// connSpec is one nested connection of a node.
type connSpec struct {
	key  string
	args string // extra arguments, such as `reverse: false`
	// node is the selection of one element; base its cost as in spec.
	node string
	base int
	// first is the page size inside the parent's query.
	first int
	// children are connections of each element (a variant's metafields).
	children []connSpec
	// owner is the GraphQL type whose node(id:) reads more pages; path the
	// keys from that node to the connection (default [key]); wrap the
	// follow-up selection around the connection (%[1]s), default
	// "... on <owner> { %[1]s }".
	owner string
	path  []string
	wrap  string
	// wrapCost is the cost of node(id:) and the objects wrap adds (0: 1).
	wrapCost int
	// res are the GID resources of the elements (bulk reassembly).
	res []string
}

// maxCost is the requested cost a query may have (Shopify refuses > 1000).
const maxCost = 1000

// maxPage is Shopify's largest page.
const maxPage = 250

func (c connSpec) nodeCost() int {
	n := 1 + c.base
	for _, ch := range c.children {
		n += ch.cost(ch.first)
	}
	return n
}

func (c connSpec) cost(first int) int { return 2 + first*c.nodeCost() }

func (c connSpec) overhead() int { return max(1, c.wrapCost) }

// more is the page size of a follow-up query.
func (c connSpec) more() int { return min(maxPage, (maxCost-c.overhead()-2)/c.nodeCost()) }

func (c connSpec) pathKeys() []string {
	if len(c.path) > 0 {
		return c.path
	}
	return []string{c.key}
}

// render is the connection's selection with page size first; after names
// the cursor variable ("" for none).
func (c connSpec) render(first int, after string) string {
	args := fmt.Sprintf("first: %d", first)
	if after != "" {
		args += ", after: " + after
	}
	if c.args != "" {
		args += ", " + c.args
	}
	return fmt.Sprintf("%s(%s) { nodes { %s } pageInfo { hasNextPage endCursor } }", c.key, args, fill(c.node, c.children, false))
}

// renderBulk is the connection in a bulk query: no page size, edges.
func (c connSpec) renderBulk() string {
	args := ""
	if c.args != "" {
		args = "(" + c.args + ")"
	}
	return fmt.Sprintf("%s%s { edges { node { %s } } }", c.key, args, fill(c.node, c.children, true))
}

// fill puts the rendered connections into a selection.
func fill(sel string, conns []connSpec, bulk bool) string {
	for _, c := range conns {
		r := c.render(c.first, "")
		if bulk {
			r = c.renderBulk()
		}
		ph := "{" + c.key + "}"
		if strings.Contains(sel, ph) {
			sel = strings.ReplaceAll(sel, ph, r)
		} else {
			sel += " " + r
		}
	}
	return sel
}

func (s *spec) nodeSel() string     { return fill(s.node, s.conns, false) }
func (s *spec) bulkNodeSel() string { return fill(s.node, s.conns, true) }

// getSel is the selection inside node(id:).
func (s *spec) getSel() string {
	if s.get != "" {
		return fill(s.get, s.conns, false)
	}
	return "... on " + s.gqlType + " { " + s.nodeSel() + " }"
}
func (s *spec) nodeCost() int {
	n := 1 + s.base
	for _, c := range s.conns {
		n += c.cost(c.first)
	}
	return n
}

// pageSize is the largest root page within maxCost, capped by limit (> 0).
func (s *spec) pageSize(limit int) int {
	n := (maxCost - 2) / s.nodeCost()
	if limit > 0 {
		n = min(n, limit)
	}
	return max(1, min(n, maxPage))
}

func metafieldsConn(owner string, first int) connSpec {
	return connSpec{key: "metafields", node: "id namespace key type value", first: first, owner: owner, res: []string{"Metafield"}}
}

const (
	seoSel     = "seo { title description }"
	imageSel   = "url altText width height"
	combines   = "combinesWith { orderDiscounts productDiscounts shippingDiscounts }"
	getsSel    = "customerGets { value { __typename ... on DiscountPercentage { percentage } ... on DiscountAmount { amount { amount currencyCode } appliesOnEachItem } } }"
	discCommon = "title summary status startsAt endsAt asyncUsageCount createdAt updatedAt " + combines
	menuItem   = "id title type url resourceId tags"

	fileCommon  = "__typename id alt fileStatus createdAt updatedAt"
	fileImage   = "mimeType image { " + imageSel + " } originalSource { fileSize url }"
	fileGeneric = "url mimeType originalFileSize"
)

var codesConn = connSpec{
	key: "codes", node: "id code", first: 5, owner: "DiscountNode", path: []string{"discount", "codes"},
	wrap:     "... on DiscountNode { discount { ... on DiscountCodeBasic { %[1]s } ... on DiscountCodeFreeShipping { %[1]s } } }",
	wrapCost: 2,
}

var specs = map[mapping.ObjectType]*spec{
	mapping.Product: {
		root: "products", gqlType: "Product", search: true, bulk: true,
		node: "id handle title status vendor productType tags descriptionHtml templateSuffix isGiftCard requiresSellingPlan " +
			"createdAt updatedAt publishedAt " + seoSel + " category { id name fullName } " +
			"options(first: 3) { id name position optionValues { id name } }",
		base: 1 + 1 + 3*2, // seo, category, 3 options × (option + optionValues)
		conns: []connSpec{
			{
				key: "variants", first: 10, owner: "Product", res: []string{"ProductVariant"},
				node: "id title sku barcode price compareAtPrice position taxable inventoryPolicy inventoryQuantity createdAt updatedAt " +
					"selectedOptions { name value } inventoryItem { id sku tracked requiresShipping } image { " + imageSel + " }",
				base:     3,
				children: []connSpec{metafieldsConn("ProductVariant", 3)},
			},
			{
				key: "media", first: 5, owner: "Product", res: []string{"MediaImage", "Video", "ExternalVideo", "Model3d"},
				node: "id alt mediaContentType ... on MediaImage { mimeType image { " + imageSel + " } }",
				base: 1,
			},
			metafieldsConn("Product", 10),
		},
		fields:  func(n map[string]any) mapping.Fields { return mapping.Fields{Handle: str(n, "handle")} },
		updated: func(n map[string]any) string { return str(n, "updatedAt") },
	},
	mapping.Collection: {
		root: "collections", gqlType: "Collection", search: true, bulk: true,
		node: "id handle title descriptionHtml sortOrder templateSuffix updatedAt " + seoSel +
			" image { " + imageSel + " } ruleSet { appliedDisjunctively rules { column relation condition } }",
		base: 4,
		conns: []connSpec{
			{key: "products", node: "id", first: 25, owner: "Collection", res: []string{"Product"}},
			metafieldsConn("Collection", 10),
		},
		fields:  func(n map[string]any) mapping.Fields { return mapping.Fields{Handle: str(n, "handle")} },
		updated: func(n map[string]any) string { return str(n, "updatedAt") },
		prune: func(n map[string]any) {
			// A smart collection's products follow from its rules: not content.
			if rs, ok := n["ruleSet"].(map[string]any); ok && rs != nil {
				delete(n, "products")
			}
		},
	},
	mapping.Page: {
		root: "pages", gqlType: "Page", search: true, bulk: true,
		node:    "id handle title body isPublished publishedAt templateSuffix createdAt updatedAt",
		conns:   []connSpec{metafieldsConn("Page", 10)},
		fields:  func(n map[string]any) mapping.Fields { return mapping.Fields{Handle: str(n, "handle")} },
		updated: func(n map[string]any) string { return str(n, "updatedAt") },
	},
	mapping.Blog: {
		root: "blogs", gqlType: "Blog", search: true, bulk: true,
		node:    "id handle title commentPolicy templateSuffix tags createdAt updatedAt",
		conns:   []connSpec{metafieldsConn("Blog", 10)},
		fields:  func(n map[string]any) mapping.Fields { return mapping.Fields{Handle: str(n, "handle")} },
		updated: func(n map[string]any) string { return str(n, "updatedAt") },
	},
	mapping.Article: {
		root: "articles", gqlType: "Article", search: true, bulk: true,
		node: "id handle title body summary tags isPublished publishedAt templateSuffix createdAt updatedAt " +
			"author { name } blog { id handle } image { " + imageSel + " }",
		base:  3,
		conns: []connSpec{metafieldsConn("Article", 10)},
		fields: func(n map[string]any) mapping.Fields {
			return mapping.Fields{Handle: str(n, "handle"), BlogHandle: str(obj(n, "blog"), "handle")}
		},
		updated: func(n map[string]any) string { return str(n, "updatedAt") },
	},
	mapping.Menu: {
		root: "menus", gqlType: "Menu",
		// Shopify nests menu items three levels deep.
		node:   "id handle title isDefault items { " + menuItem + " items { " + menuItem + " items { " + menuItem + " } } }",
		base:   3,
		fields: func(n map[string]any) mapping.Fields { return mapping.Fields{Handle: str(n, "handle")} },
	},
	mapping.Discount: {
		root: "discountNodes", gqlType: "DiscountNode", search: true,
		node: "id discount { __typename " +
			"... on DiscountCodeBasic { " + discCommon + " usageLimit appliesOncePerCustomer " + getsSel + " {codes} } " +
			"... on DiscountAutomaticBasic { " + discCommon + " " + getsSel + " } " +
			"... on DiscountCodeFreeShipping { " + discCommon + " usageLimit appliesOncePerCustomer {codes} } }",
		base:  1 + 4, // discount; combinesWith, customerGets, value, amount (codes counted as a connection)
		conns: []connSpec{codesConn, metafieldsConn("DiscountNode", 10)},
		fields: func(n map[string]any) mapping.Fields {
			d := obj(n, "discount")
			f := mapping.Fields{Title: str(d, "title")}
			if codes := nodes(obj(d, "codes")); len(codes) > 0 {
				f.Code = str(asObj(codes[0]), "code")
			}
			return f
		},
		updated: func(n map[string]any) string { return str(obj(n, "discount"), "updatedAt") },
	},
	mapping.MetaobjectDefinition: {
		root: "metaobjectDefinitions", gqlType: "MetaobjectDefinition",
		node: "id type name description displayNameKey " +
			"fieldDefinitions { key name description required type { name category } validations { name value type } } " +
			"access { admin storefront } " +
			"capabilities { publishable { enabled } translatable { enabled } renderable { enabled } onlineStore { enabled } }",
		base:   3 + 1 + 5,
		fields: func(n map[string]any) mapping.Fields { return mapping.Fields{Type: str(n, "type")} },
	},
	mapping.Metaobject: {
		root: "metaobjects", gqlType: "Metaobject", search: true,
		node: "id handle type displayName createdAt updatedAt fields { key type value } capabilities { publishable { status } }",
		base: 3,
		fields: func(n map[string]any) mapping.Fields {
			return mapping.Fields{Type: str(n, "type"), Handle: str(n, "handle")}
		},
		updated: func(n map[string]any) string { return str(n, "updatedAt") },
	},
	mapping.MetafieldDefinition: {
		root: "metafieldDefinitions", gqlType: "MetafieldDefinition",
		node: "id name namespace key description ownerType pinnedPosition type { name category } " +
			"validations { name value type } access { admin storefront } " +
			"capabilities { adminFilterable { enabled } smartCollectionCondition { enabled } uniqueValues { enabled } }",
		base: 1 + 1 + 1 + 4,
		fields: func(n map[string]any) mapping.Fields {
			return mapping.Fields{OwnerType: str(n, "ownerType"), Namespace: str(n, "namespace"), Key: str(n, "key")}
		},
	},
	mapping.File: {
		root: "files", gqlType: "File", search: true, bulk: true,
		node: fileCommon + " ... on MediaImage { " + fileImage + " } ... on GenericFile { " + fileGeneric + " }",
		// One fragment per concrete type: the emulator cannot nest a
		// concrete fragment in an interface fragment under node(id:).
		get:     "... on MediaImage { " + fileCommon + " " + fileImage + " } ... on GenericFile { " + fileCommon + " " + fileGeneric + " }",
		base:    2,
		fields:  func(n map[string]any) mapping.Fields { return mapping.Fields{Filename: fileName(n)} },
		updated: func(n map[string]any) string { return str(n, "updatedAt") },
	},
	mapping.Theme: {
		gqlType: "OnlineStoreTheme",
		node:    "id name role themeStoreId processing processingFailed createdAt updatedAt",
		conns: []connSpec{{
			key: "files", node: "filename checksumMd5 size contentType", first: maxPage, owner: "OnlineStoreTheme",
		}},
		fields: func(n map[string]any) mapping.Fields {
			return mapping.Fields{ThemeRole: str(n, "role"), Title: str(n, "name")}
		},
		updated: func(n map[string]any) string { return str(n, "updatedAt") },
	},
}

// fileName is a file's name in the library: the last segment of its URL
// (the image's for an image, the file's for others), unescaped, without the
// query.
func fileName(n map[string]any) string {
	u := str(n, "url")
	if im := obj(n, "image"); u == "" && im != nil {
		u = str(im, "url")
	}
	if os := obj(n, "originalSource"); u == "" && os != nil {
		u = str(os, "url")
	}
	if u == "" {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	name := path.Base(p.Path)
	if name == "/" || name == "." {
		return ""
	}
	return name
}

// DefaultMetafieldOwnerTypes are the owners whose metafield definitions a
// METAFIELD_DEFINITION read lists: the content Flux manages.
var DefaultMetafieldOwnerTypes = []string{
	"PRODUCT", "PRODUCTVARIANT", "COLLECTION", "PAGE", "BLOG", "ARTICLE", "SHOP", "MEDIA_IMAGE", "DISCOUNT",
}

func str(m map[string]any, k string) string {
	if m == nil {
		return ""
	}
	s, _ := m[k].(string)
	return s
}

func obj(m map[string]any, k string) map[string]any {
	if m == nil {
		return nil
	}
	return asObj(m[k])
}

func asObj(v any) map[string]any {
	o, _ := v.(map[string]any)
	return o
}

// nodes are a connection value's elements ({nodes} or {edges{node}}).
func nodes(conn map[string]any) []any {
	if conn == nil {
		return nil
	}
	if ns, ok := conn["nodes"].([]any); ok {
		return ns
	}
	if es, ok := conn["edges"].([]any); ok {
		out := make([]any, 0, len(es))
		for _, e := range es {
			if n := obj(asObj(e), "node"); n != nil {
				out = append(out, n)
			}
		}
		return out
	}
	return nil
}
