package stores

import (
	"strconv"
	"strings"
)

// MaxQueryCost is Shopify's limit on one query's requestedQueryCost. A list
// query asks Shopify for as many objects per request as fit under it (and at
// most the caller's limit).
const MaxQueryCost = 1000

// sel is a piece of a GraphQL selection set with its requested cost, computed
// the way Shopify documents it: scalars and enums cost 0, an object 1 plus
// its selection, a connection 2 plus first × (1 + the node's selection).
// Building queries from sels keeps the text and its cost in one place, so a
// page size can be chosen that Shopify will accept.
type sel struct {
	text string
	cost int
}

// scalars selects scalar fields (cost 0).
func scalars(names ...string) sel { return sel{text: strings.Join(names, " ")} }

// obj selects an object field (or a list of objects without paging, which
// Shopify prices like one object).
func obj(name string, sub ...sel) sel {
	inner := join(sub)
	return sel{text: name + " { " + inner.text + " }", cost: 1 + inner.cost}
}

// conn selects a nested connection's first nodes.
func conn(name string, first int, sub ...sel) sel {
	inner := join(sub)
	return sel{
		text: name + "(first: " + strconv.Itoa(first) + ") { nodes { " + inner.text + " } }",
		cost: 2 + first*(1+inner.cost),
	}
}

// on is an inline fragment. Its cost counts fully: an upper bound of
// Shopify's "the costliest alternative".
func on(typ string, sub ...sel) sel {
	inner := join(sub)
	return sel{text: "... on " + typ + " { " + inner.text + " }", cost: inner.cost}
}

func join(sub []sel) sel {
	var out sel
	parts := make([]string, 0, len(sub))
	for _, s := range sub {
		if s.text == "" {
			continue
		}
		parts = append(parts, s.text)
		out.cost += s.cost
	}
	out.text = strings.Join(parts, " ")
	return out
}

// rootQuery is a paged read of one top-level connection: the query text with
// variables $first, $after and $query (and extra, e.g. "$type: String!"),
// and the cost of one node.
type rootQuery struct {
	text     string
	nodeCost int // 1 + the node selection's cost
}

// newRootQuery builds `query(...) { field(first: $first, after: $after, ...) {
// nodes { node } pageInfo { hasNextPage endCursor } } }`. varDefs and args
// are the extra variable definitions and connection arguments.
func newRootQuery(field string, varDefs, args []string, node ...sel) rootQuery {
	n := join(node)
	defs := append([]string{"$first: Int!", "$after: String"}, varDefs...)
	as := append([]string{"first: $first", "after: $after"}, args...)
	text := "query(" + strings.Join(defs, ", ") + ") { " + field + "(" + strings.Join(as, ", ") +
		") { nodes { " + n.text + " } pageInfo { hasNextPage endCursor } } }"
	return rootQuery{text: text, nodeCost: 1 + n.cost}
}

// pageSize is how many nodes one request may ask for: at most limit, and no
// more than keep the query's requested cost within MaxQueryCost (never less
// than one: a single node over the limit is Shopify's answer to give).
func (q rootQuery) pageSize(limit int) int {
	fit := (MaxQueryCost - 2) / q.nodeCost
	return max(1, min(limit, fit))
}

// cost is the query's requested cost for a page of first nodes.
func (q rootQuery) cost(first int) int { return 2 + first*q.nodeCost }
