package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// Reader reads one shop's content. The zero options are production's.
type Reader struct {
	Client *shopify.Client
	// PageSize caps the objects per List page (0: as many as Shopify's
	// cost limit allows for the type, at most 250).
	PageSize int
	// MetafieldOwnerTypes are the owners a METAFIELD_DEFINITION read
	// iterates over; nil means DefaultMetafieldOwnerTypes.
	MetafieldOwnerTypes []string
	// Tries is each GraphQL call's attempts (0: 3). The client retries
	// throttling, 429 and 5xx.
	Tries int
	// HTTPClient fetches theme file bodies Shopify serves by URL; nil means
	// a client with a 60 s timeout.
	HTTPClient *http.Client

	// onCost, for tests, sees each query's estimated and requested cost.
	onCost func(query string, estimate int, requested float64)
}

func (r *Reader) spec(t mapping.ObjectType) (*spec, error) {
	if r == nil || r.Client == nil {
		return nil, platform.E(platform.KindInternal, "catalog.Reader has no Shopify client")
	}
	s, ok := specs[t]
	if !ok {
		_, err := mapping.ParseObjectType(string(t))
		if err == nil {
			err = platform.E(platform.KindValidation, fmt.Sprintf("object type %s cannot be read from Shopify", t))
		}
		return nil, err
	}
	return s, nil
}

func (r *Reader) ownerTypes() []string {
	if len(r.MetafieldOwnerTypes) > 0 {
		return r.MetafieldOwnerTypes
	}
	return DefaultMetafieldOwnerTypes
}

// query runs one query whose requested cost is estimate and decodes its
// data (numbers kept as written).
func (r *Reader) query(ctx context.Context, q string, vars map[string]any, estimate int) (map[string]any, error) {
	tries := r.Tries
	if tries <= 0 {
		tries = 3
	}
	resp, err := r.Client.GraphQL(ctx, q, vars, &shopify.GraphQLOptions{Tries: tries, Cost: float64(estimate)})
	if err != nil {
		return nil, err
	}
	if r.onCost != nil && resp.Cost != nil {
		r.onCost(q, estimate, resp.Cost.RequestedQueryCost)
	}
	var data map[string]any
	if err := decodeJSON(resp.Data, &data); err != nil || data == nil {
		return nil, platform.Wrap(platform.KindUnavailable, "Shopify answered "+r.Client.Shop()+" with no data", err)
	}
	return data, nil
}

func decodeJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// List reads one page of objects of type t. since non-zero restricts the
// read to objects updated at or after it where Shopify can search by
// updated_at (products, collections, pages, blogs, articles, discounts,
// metaobjects, files); other types are read in full. cursor "" is the first
// page; Page.Next "" means done. A page may be empty with a Next (a
// metaobject type or metafield owner with nothing in it).
func (r *Reader) List(ctx context.Context, t mapping.ObjectType, since time.Time, cursor string) (Page, error) {
	p, err := r.list(ctx, t, since, cursor, false)
	if err != nil {
		return Page{}, fmt.Errorf("list %s of %s: %w", t, r.shop(), err)
	}
	return p, nil
}

// IDs lists the GIDs of the objects of type t that exist now (for deletion
// detection): ids only, large pages, cursors as List's.
func (r *Reader) IDs(ctx context.Context, t mapping.ObjectType, cursor string) ([]string, string, error) {
	p, err := r.list(ctx, t, time.Time{}, cursor, true)
	if err != nil {
		return nil, "", fmt.Errorf("list %s ids of %s: %w", t, r.shop(), err)
	}
	gids := make([]string, len(p.Objects))
	for i, o := range p.Objects {
		gids[i] = o.GID
	}
	return gids, p.Next, nil
}

func (r *Reader) shop() string {
	if r == nil || r.Client == nil {
		return "?"
	}
	return r.Client.Shop()
}

func (r *Reader) list(ctx context.Context, t mapping.ObjectType, since time.Time, cursor string, idsOnly bool) (Page, error) {
	s, err := r.spec(t)
	if err != nil {
		return Page{}, err
	}
	cur, err := decodeCursor(cursor)
	if err != nil {
		return Page{}, err
	}
	switch t {
	case mapping.Theme:
		return r.listTheme(ctx, s, idsOnly)
	case mapping.Metaobject:
		return r.listSub(ctx, t, s, since, cur, idsOnly, func(ctx context.Context) ([]string, error) { return r.metaobjectTypes(ctx) }, "type")
	case mapping.MetafieldDefinition:
		return r.listSub(ctx, t, s, since, cur, idsOnly, func(context.Context) ([]string, error) { return r.ownerTypes(), nil }, "ownerType")
	}
	if cur.Sub != "" {
		return Page{}, errBadCursor("a sub-list for a type without one")
	}
	return r.listRoot(ctx, t, s, since, "", cur.After, idsOnly)
}

// listSub lists a type that Shopify lists per key (metaobjects per type,
// metafield definitions per owner type), one key after the other in the
// order keys gives.
func (r *Reader) listSub(ctx context.Context, t mapping.ObjectType, s *spec, since time.Time, cur cursorState,
	idsOnly bool, keys func(context.Context) ([]string, error), argName string) (Page, error) {
	all, err := keys(ctx)
	if err != nil {
		return Page{}, err
	}
	sub := cur.Sub
	if sub == "" {
		if cur.After != "" {
			return Page{}, errBadCursor("a page cursor without its sub-list")
		}
		if len(all) == 0 {
			return Page{}, nil
		}
		sub = all[0]
	}
	if t == mapping.MetafieldDefinition && !contains(all, sub) {
		return Page{}, errBadCursor("owner type " + sub + " is not read")
	}
	if t == mapping.Metaobject && !typePattern(sub) {
		return Page{}, errBadCursor("not a metaobject type")
	}
	arg := fmt.Sprintf("%s: %s", argName, gqlValue(t, sub))
	p, err := r.listRoot(ctx, t, s, since, arg, cur.After, idsOnly)
	if err != nil {
		return Page{}, err
	}
	if p.Next != "" {
		// listRoot's cursor holds the page; keep the sub-list.
		c, _ := decodeCursor(p.Next)
		c.Sub = sub
		p.Next = c.encode()
		return p, nil
	}
	if next, ok := after(all, sub, t == mapping.Metaobject); ok {
		p.Next = cursorState{Sub: next}.encode()
	}
	return p, nil
}

// after is the key following sub: in sorted order for metaobject types (a
// type deleted meanwhile still has a successor), by position otherwise.
func after(all []string, sub string, sorted bool) (string, bool) {
	if sorted {
		i := sort.SearchStrings(all, sub)
		if i < len(all) && all[i] == sub {
			i++
		}
		if i < len(all) {
			return all[i], true
		}
		return "", false
	}
	for i, k := range all {
		if k == sub && i+1 < len(all) {
			return all[i+1], true
		}
	}
	return "", false
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func typePattern(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_$:-", c)) {
			return false
		}
	}
	return true
}

// gqlValue is the sub-list key as a GraphQL argument: an enum for owner
// types, a string for metaobject types.
func gqlValue(t mapping.ObjectType, k string) string {
	if t == mapping.MetafieldDefinition {
		return k
	}
	b, _ := json.Marshal(k)
	return string(b)
}

// metaobjectTypes are the shop's metaobject definitions' types, sorted.
func (r *Reader) metaobjectTypes(ctx context.Context) ([]string, error) {
	var types []string
	afterCur := ""
	for {
		q := fmt.Sprintf(`query fluxMetaobjectTypes($after: String) { metaobjectDefinitions(first: %d, after: $after) { nodes { type } pageInfo { hasNextPage endCursor } } }`, maxPage)
		data, err := r.query(ctx, q, map[string]any{"after": nilIfEmpty(afterCur)}, 2+maxPage)
		if err != nil {
			return nil, err
		}
		conn := obj(data, "metaobjectDefinitions")
		for _, n := range nodes(conn) {
			if ty := str(asObj(n), "type"); ty != "" {
				types = append(types, ty)
			}
		}
		pi := obj(conn, "pageInfo")
		if pi["hasNextPage"] != true {
			break
		}
		afterCur = str(pi, "endCursor")
	}
	sort.Strings(types)
	return types, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// listRoot reads one page of a root list field. arg is an extra argument
// (a metaobject type).
func (r *Reader) listRoot(ctx context.Context, t mapping.ObjectType, s *spec, since time.Time, arg, afterCur string, idsOnly bool) (Page, error) {
	args := []string{"after: $after"}
	sel, size := "id", maxPage
	if !idsOnly {
		sel, size = s.nodeSel(), s.pageSize(r.PageSize)
	}
	args = append([]string{fmt.Sprintf("first: %d", size)}, args...)
	if arg != "" {
		args = append(args, arg)
	}
	vars := map[string]any{"after": nilIfEmpty(afterCur)}
	decl := "$after: String"
	if s.search && !since.IsZero() && !idsOnly {
		args = append(args, "query: $query")
		decl += ", $query: String"
		vars["query"] = "updated_at:>='" + since.UTC().Format(time.RFC3339) + "'"
	}
	q := fmt.Sprintf("query fluxList(%s) { %s(%s) { nodes { %s } pageInfo { hasNextPage endCursor } } }",
		decl, s.root, strings.Join(args, ", "), sel)
	estimate := 2 + size
	if !idsOnly {
		estimate = 2 + size*s.nodeCost()
	}
	data, err := r.query(ctx, q, vars, estimate)
	if err != nil {
		return Page{}, err
	}
	conn := obj(data, s.root)
	if conn == nil {
		return Page{}, platform.E(platform.KindUnavailable, "Shopify answered no "+s.root)
	}
	var p Page
	for _, n := range nodes(conn) {
		node := asObj(n)
		if node == nil {
			continue
		}
		if idsOnly {
			p.Objects = append(p.Objects, Object{Type: t, GID: str(node, "id")})
			continue
		}
		if err := r.complete(ctx, s, node); err != nil {
			return Page{}, err
		}
		r.add(&p, t, s, node)
	}
	if pi := obj(conn, "pageInfo"); pi["hasNextPage"] == true {
		end := str(pi, "endCursor")
		if end == "" {
			return Page{}, platform.E(platform.KindUnavailable, "Shopify said there is a next page of "+s.root+" but gave no cursor")
		}
		p.Next = cursorState{After: end}.encode()
	}
	return p, nil
}

// add makes node an Object (or an Invalid) of p.
func (r *Reader) add(p *Page, t mapping.ObjectType, s *spec, node map[string]any) {
	o, err := makeObject(t, s, node)
	if err != nil {
		p.Invalid = append(p.Invalid, Invalid{Type: t, GID: str(node, "id"), Message: err.Error()})
		return
	}
	p.Objects = append(p.Objects, o)
}

func makeObject(t mapping.ObjectType, s *spec, node map[string]any) (Object, error) {
	o := Object{Type: t, GID: str(node, "id")}
	if s.updated != nil {
		if u := s.updated(node); u != "" {
			if ts, err := time.Parse(time.RFC3339, u); err == nil {
				o.UpdatedAt = ts
			}
		}
	}
	raw, err := json.Marshal(node)
	if err != nil {
		return o, err
	}
	o.Raw = raw
	c, err := mapping.Canonical(t, s.fields(node))
	if err != nil {
		return o, err
	}
	o.Canonical = c
	return o, nil
}

// complete reads the rest of node's nested connections (every page), then
// drops their pageInfo, so that node holds them in full as {nodes: [...]}.
func (r *Reader) complete(ctx context.Context, s *spec, node map[string]any) error {
	if s.prune != nil {
		s.prune(node)
	}
	return r.completeConns(ctx, s.conns, node)
}

func (r *Reader) completeConns(ctx context.Context, conns []connSpec, node map[string]any) error {
	for _, c := range conns {
		conn := at(node, c.pathKeys())
		if conn == nil {
			continue // not selected for this node (another union branch, pruned)
		}
		list := nodes(conn)
		for _, ch := range list {
			if err := r.completeConns(ctx, c.children, asObj(ch)); err != nil {
				return err
			}
		}
		pi := obj(conn, "pageInfo")
		for pi["hasNextPage"] == true {
			more, next, err := r.morePage(ctx, c, str(node, "id"), str(pi, "endCursor"))
			if err != nil {
				return err
			}
			for _, ch := range more {
				if err := r.completeConns(ctx, c.children, asObj(ch)); err != nil {
					return err
				}
			}
			list = append(list, more...)
			pi = next
		}
		delete(conn, "pageInfo")
		delete(conn, "edges")
		if list == nil {
			list = []any{}
		}
		conn["nodes"] = list
	}
	return nil
}

// morePage reads the page of connection c after cursor on the node id.
func (r *Reader) morePage(ctx context.Context, c connSpec, id, cursor string) ([]any, map[string]any, error) {
	if id == "" || cursor == "" {
		return nil, nil, platform.E(platform.KindUnavailable, "Shopify said "+c.key+" has more pages but gave no id or cursor")
	}
	wrap := c.wrap
	if wrap == "" {
		wrap = "... on " + c.owner + " { %[1]s }"
	}
	n := c.more()
	q := fmt.Sprintf("query fluxMore($id: ID!, $after: String) { node(id: $id) { %s } }",
		fmt.Sprintf(wrap, c.render(n, "$after")))
	data, err := r.query(ctx, q, map[string]any{"id": id, "after": cursor}, c.overhead()+c.cost(n))
	if err != nil {
		return nil, nil, fmt.Errorf("%s of %s: %w", c.key, id, err)
	}
	conn := at(obj(data, "node"), c.pathKeys())
	if conn == nil {
		// The owner was deleted between the pages.
		return nil, nil, platform.E(platform.KindUnavailable, id+" changed while its "+c.key+" were read; read it again")
	}
	pi := obj(conn, "pageInfo")
	if pi["hasNextPage"] == true && str(pi, "endCursor") == cursor {
		return nil, nil, platform.E(platform.KindUnavailable, "Shopify returned the same "+c.key+" cursor twice for "+id)
	}
	return nodes(conn), pi, nil
}

// at follows keys through nested objects.
func at(m map[string]any, keys []string) map[string]any {
	for _, k := range keys {
		m = obj(m, k)
	}
	return m
}

// Get reads one object by GID; a KindNotFound error when it does not exist
// (any more). A discount may be named by its DiscountNode,
// DiscountCodeNode or DiscountAutomaticNode GID; a theme's canonical is
// live for the published theme, name/<slug> for another.
func (r *Reader) Get(ctx context.Context, t mapping.ObjectType, gid string) (Object, error) {
	o, err := r.get(ctx, t, gid)
	if err != nil {
		return Object{}, fmt.Errorf("get %s %s of %s: %w", t, gid, r.shop(), err)
	}
	return o, nil
}

func (r *Reader) get(ctx context.Context, t mapping.ObjectType, gid string) (Object, error) {
	s, err := r.spec(t)
	if err != nil {
		return Object{}, err
	}
	if err := mapping.ValidateGID(t, gid); err != nil {
		return Object{}, err
	}
	if t == mapping.Discount {
		_, id, _ := mapping.ParseGID(gid)
		gid = fmt.Sprintf("gid://shopify/DiscountNode/%d", id)
	}
	q := fmt.Sprintf("query fluxGet($id: ID!) { node(id: $id) { %s } }", s.getSel())
	data, err := r.query(ctx, q, map[string]any{"id": gid}, s.nodeCost())
	if err != nil {
		return Object{}, err
	}
	node := obj(data, "node")
	if node == nil || str(node, "id") == "" {
		return Object{}, platform.E(platform.KindNotFound, fmt.Sprintf("%s %s does not exist in %s", t, gid, r.shop()))
	}
	if err := r.complete(ctx, s, node); err != nil {
		return Object{}, err
	}
	o, err := makeObject(t, s, node)
	if err != nil {
		return Object{}, platform.Wrap(platform.KindValidation, fmt.Sprintf("%s %s has no valid canonical path", t, gid), err)
	}
	return o, nil
}
