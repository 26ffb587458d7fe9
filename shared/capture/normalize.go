package capture

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
)

// Resolver maps a GID found inside an object to the canonical path of the
// object it names in the same shop. The mapping store provides it. A GID it
// does not know is ("", nil) or an error of kind platform.KindNotFound:
// Normalize then keeps an {"$unresolved": gid} marker and reports a
// Warning. Any other error fails the normalisation (a transient lookup
// failure must not produce a different canonical form, hence a spurious
// version).
type Resolver interface {
	CanonicalOf(ctx context.Context, objectType mapping.ObjectType, gid string) (string, error)
}

// Warning is something Normalize kept but could not make store-independent.
type Warning struct {
	// Path is the JSON pointer of the value in the canonical form.
	Path string
	// GID is the unresolved GID.
	GID string
	// Message says why.
	Message string
}

// Options configure Normalize.
type Options struct {
	// KeepInventory keeps inventory quantities and levels, which otherwise
	// are dropped: they change with every sale, not with the content.
	KeepInventory bool
}

// Normalizer normalises objects with a Resolver and Options.
type Normalizer struct {
	Resolver Resolver
	Options  Options
}

// Reference markers in the canonical form.
const (
	RefKey        = "$ref"
	UnresolvedKey = "$unresolved"
)

// Fields dropped at any depth of every object type: they are per store
// (ids), per read (cursors, pagination) or per moment (timestamps, counts),
// so keeping them would make every store's copy and every read differ.
var volatileAll = set(
	"id", "legacyResourceId", "cursor", "pageInfo",
	"createdAt", "updatedAt",
	// Channel publication is per store (its publication ids and dates).
	"publishedAt", "publishedOnCurrentPublication", "publications",
	"resourcePublications", "resourcePublicationOnCurrentPublication", "resourcePublicationsCount",
	"onlineStoreUrl", "onlineStorePreviewUrl", "adminGraphqlApiId",
	"totalCount",
)

// volatileInventory is dropped unless Options.KeepInventory.
var volatileInventory = set(
	"inventoryQuantity", "totalInventory", "inventoryLevels", "quantities",
	"tracksInventory", "availableForSale", "sellableOnlineQuantity",
)

// volatileByType are the fields dropped for one object type only.
var volatileByType = map[mapping.ObjectType]map[string]bool{
	mapping.Product:    set("variantsCount", "mediaCount", "hasOnlyDefaultVariant", "totalVariants"),
	mapping.Collection: set("productsCount"),
	mapping.Blog:       set("articlesCount"),
	mapping.Article:    set("commentsCount"),
	mapping.Page:       set(),
	mapping.Menu:       set(),
	// A discount's status (ACTIVE, EXPIRED, SCHEDULED) follows from its
	// dates and the clock; usage counts grow with orders.
	mapping.Discount:             set("status", "asyncUsageCount", "usageCount", "codesCount", "discountClass"),
	mapping.MetaobjectDefinition: set("metaobjectsCount"),
	mapping.Metaobject:           set("updatedBy"),
	mapping.MetafieldDefinition:  set("metafieldsCount"),
	// A file's processing status and preview are Shopify's, not content.
	mapping.File:  set("fileStatus", "fileErrors", "preview"),
	mapping.Theme: set("processing", "processingFailed", "prefix"),
}

// unordered are arrays whose order carries no meaning: they are sorted
// (tags; metafields by namespace and key; a metaobject's fields by key;
// collections a product is in; validations by name). All other arrays keep
// their order (variants by position, media, options, menu items, rules).
var unordered = set("tags", "metafields", "fields", "collections", "validations")

// positioned arrays are ordered by their elements' "position" field when
// every element has one (Shopify's order of variants and options).
var positioned = set("variants", "options")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Normalize is Normalizer{Resolver: r}.Normalize.
func Normalize(ctx context.Context, objectType mapping.ObjectType, raw []byte, r Resolver) (Canonical, []Warning, error) {
	return Normalizer{Resolver: r}.Normalize(ctx, objectType, raw)
}

// Normalize turns raw, one Shopify object of objectType (the Admin GraphQL
// node, with connections as {nodes} or {edges{node}}, or shared/stores'
// read shape with plain arrays: both give the same form), into its
// canonical form: volatile fields dropped, connections flattened, GIDs
// replaced by {"$ref": {"type", "canonical"}} through the Resolver,
// unordered arrays sorted, Shopify CDN URLs stripped of their per-store
// prefix and query, numbers normalised. Unknown GIDs never fail it: they
// become {"$unresolved": gid} with a Warning.
func (n Normalizer) Normalize(ctx context.Context, objectType mapping.ObjectType, raw []byte) (Canonical, []Warning, error) {
	if !objectType.Valid() {
		_, err := mapping.ParseObjectType(string(objectType))
		return Canonical{}, nil, err
	}
	c, err := Parse(raw)
	if err != nil {
		return Canonical{}, nil, err
	}
	if _, ok := c.v.(map[string]any); !ok {
		return Canonical{}, nil, platform.E(platform.KindValidation, "object is not a JSON object")
	}
	w := walker{n: n, t: objectType, drop: volatileByType[objectType]}
	v, err := w.walk(ctx, "", "", c.v)
	if err != nil {
		return Canonical{}, nil, err
	}
	return Canonical{v: v}, w.warnings, nil
}

type walker struct {
	n        Normalizer
	t        mapping.ObjectType
	drop     map[string]bool
	warnings []Warning
	cache    map[string]any
}

func (w *walker) dropped(k string) bool {
	return volatileAll[k] || w.drop[k] || (!w.n.Options.KeepInventory && volatileInventory[k])
}

// walk normalises v found under key (its parent's field name) at path.
func (w *walker) walk(ctx context.Context, path, key string, v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if arr, ok := connection(x); ok {
			return w.walk(ctx, path, key, arr)
		}
		if gid, ok := referenceNode(x); ok {
			// A node read only for its id (a manual collection's
			// products): the id is the content, so it becomes a
			// reference rather than being dropped as volatile.
			return w.ref(ctx, path, gid)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if w.dropped(k) {
				continue
			}
			nv, err := w.walk(ctx, path+"/"+escapePointer(k), k, e)
			if err != nil {
				return nil, err
			}
			out[k] = nv
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			nv, err := w.walk(ctx, path+"/"+strconv.Itoa(i), key, e)
			if err != nil {
				return nil, err
			}
			out[i] = nv
		}
		switch {
		case unordered[key]:
			sortUnordered(out)
		case positioned[key]:
			sortByPosition(out)
		}
		return out, nil
	case string:
		return w.str(ctx, path, key, x)
	default:
		return v, nil
	}
}

// connection flattens a GraphQL connection ({nodes: [...]} or
// {edges: [{node}]}, with pageInfo or totalCount) into its array.
func connection(m map[string]any) ([]any, bool) {
	for k := range m {
		if k != "nodes" && k != "edges" && k != "pageInfo" && k != "totalCount" {
			return nil, false
		}
	}
	if nodes, ok := m["nodes"].([]any); ok {
		return nodes, true
	}
	edges, ok := m["edges"].([]any)
	if !ok {
		return nil, false
	}
	out := make([]any, 0, len(edges))
	for _, e := range edges {
		em, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		out = append(out, em["node"])
	}
	return out, true
}

func (w *walker) str(ctx context.Context, path, key, s string) (any, error) {
	if strings.HasPrefix(s, "gid://shopify/") {
		return w.ref(ctx, path, s)
	}
	// A list reference metafield's value is a JSON array of GIDs in a
	// string: it becomes an array of references.
	if strings.HasPrefix(s, `["gid://shopify/`) {
		var gids []string
		if json.Unmarshal([]byte(s), &gids) == nil {
			out := make([]any, len(gids))
			for i, g := range gids {
				r, err := w.ref(ctx, path+"/"+strconv.Itoa(i), g)
				if err != nil {
					return nil, err
				}
				out[i] = r
			}
			return out, nil
		}
	}
	if key == "url" || key == "src" || key == "originalSrc" || key == "transformedSrc" || key == "previewUrl" {
		return cdnURL(s), nil
	}
	return s, nil
}

// ref replaces a GID by a canonical reference, or an unresolved marker.
func (w *walker) ref(ctx context.Context, path, gid string) (any, error) {
	if r, ok := w.cache[gid]; ok {
		return r, nil
	}
	t, ok := gidType(gid)
	if !ok || w.n.Resolver == nil {
		msg := "no resolver"
		if !ok {
			msg = "GID of a type Flux does not map"
		}
		return w.unresolved(path, gid, msg), nil
	}
	c, err := w.n.Resolver.CanonicalOf(ctx, t, gid)
	if err != nil && platform.KindOf(err) != platform.KindNotFound {
		return nil, fmt.Errorf("resolve %s: %w", gid, err)
	}
	if c == "" {
		return w.unresolved(path, gid, "no mapping for this GID in the shop"), nil
	}
	r := map[string]any{RefKey: map[string]any{"type": string(t), "canonical": c}}
	if w.cache == nil {
		w.cache = map[string]any{}
	}
	w.cache[gid] = r
	return r, nil
}

func (w *walker) unresolved(path, gid, msg string) any {
	w.warnings = append(w.warnings, Warning{Path: path, GID: gid, Message: msg})
	return map[string]any{UnresolvedKey: gid}
}

// gidType is the object type whose GID form gid has.
func gidType(gid string) (mapping.ObjectType, bool) {
	for _, t := range mapping.ObjectTypes {
		if mapping.ValidateGID(t, gid) == nil {
			return t, true
		}
	}
	return "", false
}

// cdnURL makes a Shopify CDN URL store-independent: the per-shop path
// prefix (/s/files/1/<shop>/<id>/) and the query (?v=<timestamp>, or a
// signature on private files) are dropped, leaving cdn:files/<name>.
// Other URLs lose only query parameters that sign or expire them.
func cdnURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	if u.Host == "cdn.shopify.com" || strings.HasSuffix(u.Host, ".shopifycdn.com") {
		p := u.Path
		if i := strings.LastIndex(p, "/files/"); i >= 0 {
			p = p[i+1:]
		}
		return "cdn:" + strings.TrimPrefix(p, "/")
	}
	q := u.Query()
	changed := false
	for k := range q {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") || lk == "signature" || lk == "expires" || lk == "token" {
			q.Del(k)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
		return u.String()
	}
	return s
}

// sortKey orders an unordered array's element: metafields by namespace
// and key, fields by key, validations by name, anything else by its
// canonical encoding.
func sortKey(v any) string {
	if m, ok := v.(map[string]any); ok {
		ns, _ := m["namespace"].(string)
		k, _ := m["key"].(string)
		if k != "" {
			return ns + "\x00" + k
		}
		if name, ok := m["name"].(string); ok {
			return "\x00" + name
		}
	}
	return "\x01" + string(Encode(Canonical{v: v}))
}

func sortUnordered(a []any) {
	keys := make([]string, len(a))
	full := make([]string, len(a))
	for i, e := range a {
		keys[i] = sortKey(e)
		full[i] = string(Encode(Canonical{v: e}))
	}
	idx := make([]int, len(a))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		if keys[idx[i]] != keys[idx[j]] {
			return keys[idx[i]] < keys[idx[j]]
		}
		return full[idx[i]] < full[idx[j]]
	})
	tmp := make([]any, len(a))
	for i, j := range idx {
		tmp[i] = a[j]
	}
	copy(a, tmp)
}

// sortByPosition orders elements by their numeric "position" field when
// every element has one; otherwise it keeps Shopify's order.
func sortByPosition(a []any) {
	pos := make([]float64, len(a))
	for i, e := range a {
		m, ok := e.(map[string]any)
		if !ok {
			return
		}
		n, ok := m["position"].(json.Number)
		if !ok {
			return
		}
		f, err := n.Float64()
		if err != nil {
			return
		}
		pos[i] = f
	}
	idx := make([]int, len(a))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return pos[idx[i]] < pos[idx[j]] })
	tmp := make([]any, len(a))
	for i, j := range idx {
		tmp[i] = a[j]
	}
	copy(a, tmp)
}

// escapePointer escapes a key as a JSON pointer segment (RFC 6901).
func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// referenceNode reports whether m is a node read only for its identity
// ({"id": gid}, optionally with __typename), and its GID.
func referenceNode(m map[string]any) (string, bool) {
	gid, ok := m["id"].(string)
	if !ok || !strings.HasPrefix(gid, "gid://shopify/") {
		return "", false
	}
	for k := range m {
		if k != "id" && k != "__typename" {
			return "", false
		}
	}
	return gid, true
}
