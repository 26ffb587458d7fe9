package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxPageSize is the largest first/last Shopify accepts on a connection.
const MaxPageSize = 250

// PageInfo is the Relay page info of every connection.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Connection is a Relay connection of T.
type Connection[T any] struct {
	edges []*Edge[T]
	info  *PageInfo
}

// Edge is one node of a connection with its cursor.
type Edge[T any] struct {
	cursor string
	node   T
}

// Edges returns the page's edges.
func (c *Connection[T]) Edges() []*Edge[T] { return c.edges }

// Nodes returns the page's nodes.
func (c *Connection[T]) Nodes() []T {
	out := make([]T, len(c.edges))
	for i, e := range c.edges {
		out[i] = e.node
	}
	return out
}

// PageInfo returns the page info.
func (c *Connection[T]) PageInfo() *PageInfo { return c.info }

// Cursor returns the edge's opaque cursor.
func (e *Edge[T]) Cursor() string { return e.cursor }

// Node returns the edge's node.
func (e *Edge[T]) Node() T { return e.node }

// pageArgs are the Relay arguments every connection accepts.
type pageArgs struct {
	First   *int32
	After   *string
	Last    *int32
	Before  *string
	Reverse *bool
	SortKey *string
	Query   *string
}

// cursorPayload is what an opaque cursor holds (base64 JSON, as Shopify's do).
type cursorPayload struct {
	LastID    int64  `json:"last_id"`
	LastValue string `json:"last_value"`
}

func encodeCursor(id int64, value string) string {
	b, _ := json.Marshal(cursorPayload{LastID: id, LastValue: value})
	return base64.StdEncoding.EncodeToString(b)
}

//lint:ignore ST1005 Shopify's message, verbatim.
var errInvalidCursor = errors.New("Invalid cursor for current pagination sort.")

func decodeCursor(s string) (cursorPayload, error) {
	var p cursorPayload
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil || json.Unmarshal(b, &p) != nil || p.LastID <= 0 {
		return p, errInvalidCursor
	}
	return p, nil
}

type bulkKey struct{}

// inBulk reports whether the resolver runs inside a bulk operation, where
// connections need no first/last and have no page size limit.
func inBulk(ctx context.Context) bool { v, _ := ctx.Value(bulkKey{}).(bool); return v }

// paginate applies the search query, sort key, cursors and first/last to items.
// id gives an item's numeric id, sortValue its value for a sort key ("" when the
// key is unknown, which sorts by id), match its search filter.
func paginate[T any](ctx context.Context, items []T, a pageArgs, id func(T) int64, sortValue func(T, string) string, fields func(T, string) []string) (*Connection[T], error) {
	bulk := inBulk(ctx)
	if !bulk {
		if a.First == nil && a.Last == nil {
			return nil, errors.New("you must provide one of first or last")
		}
		if a.First != nil && a.Last != nil {
			return nil, errors.New("providing both first and last is not supported")
		}
	}
	for _, n := range []*int32{a.First, a.Last} {
		if n != nil && (*n < 0 || (!bulk && *n > MaxPageSize)) {
			return nil, fmt.Errorf("the maximum number of items that can be requested with first or last is %d", MaxPageSize)
		}
	}
	if a.Query != nil && strings.TrimSpace(*a.Query) != "" && fields != nil {
		q := parseSearch(*a.Query)
		kept := make([]T, 0, len(items))
		for _, it := range items {
			if q.match(func(name string) []string { return fields(it, name) }) {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	key := "ID"
	if a.SortKey != nil && *a.SortKey != "" {
		key = *a.SortKey
	}
	val := func(t T) string {
		if key != "ID" && sortValue != nil {
			if v := sortValue(t, key); v != "" {
				return v
			}
		}
		return fmt.Sprintf("%020d", id(t))
	}
	type row struct {
		v  string
		id int64
		t  T
	}
	rows := make([]row, len(items))
	for i, it := range items {
		rows[i] = row{val(it), id(it), it}
	}
	less := func(av string, aid int64, bv string, bid int64) bool {
		if av != bv {
			return av < bv
		}
		return aid < bid
	}
	sort.SliceStable(rows, func(i, j int) bool { return less(rows[i].v, rows[i].id, rows[j].v, rows[j].id) })
	if a.Reverse != nil && *a.Reverse {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	reverse := a.Reverse != nil && *a.Reverse
	// after(c, r): r comes after the cursor in the current order.
	after := func(c cursorPayload, r row) bool {
		if reverse {
			return less(r.v, r.id, c.LastValue, c.LastID)
		}
		return less(c.LastValue, c.LastID, r.v, r.id)
	}
	lo, hi := 0, len(rows)
	if a.After != nil && *a.After != "" {
		c, err := decodeCursor(*a.After)
		if err != nil {
			return nil, err
		}
		for lo < len(rows) && !after(c, rows[lo]) {
			lo++
		}
	}
	if a.Before != nil && *a.Before != "" {
		c, err := decodeCursor(*a.Before)
		if err != nil {
			return nil, err
		}
		for hi > lo && !(rows[hi-1].id != c.LastID && !after(c, rows[hi-1])) {
			hi--
		}
	}
	if a.First != nil && hi-lo > int(*a.First) {
		hi = lo + int(*a.First)
	}
	if a.Last != nil && hi-lo > int(*a.Last) {
		lo = hi - int(*a.Last)
	}
	c := &Connection[T]{info: &PageInfo{HasNextPage: hi < len(rows), HasPreviousPage: lo > 0}}
	for _, r := range rows[lo:hi] {
		c.edges = append(c.edges, &Edge[T]{cursor: encodeCursor(r.id, r.v), node: r.t})
	}
	if len(c.edges) > 0 {
		s, e := c.edges[0].cursor, c.edges[len(c.edges)-1].cursor
		c.info.StartCursor, c.info.EndCursor = &s, &e
	}
	return c, nil
}

// ---- search syntax -------------------------------------------------------------

// searchTerm is one term of Shopify's search syntax: field:value, field:>value,
// field:<=value, a bare word (matched against the default field), with "-" or
// NOT negating it.
type searchTerm struct {
	field string
	op    string // ":", ">", ">=", "<", "<="
	value string
	neg   bool
}

// searchQuery is a disjunction (OR) of conjunctions (AND, the default) of terms.
type searchQuery [][]searchTerm

func tokenizeSearch(s string) []string {
	var out []string
	var cur strings.Builder
	quote := rune(0)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ' ' || r == '\t' || r == '\n':
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		case r == '(' || r == ')':
			// Grouping is flattened: the emulator supports AND within OR groups.
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func parseSearch(s string) searchQuery {
	q := searchQuery{nil}
	neg := false
	for _, tok := range tokenizeSearch(s) {
		switch tok {
		case "AND":
			continue
		case "OR":
			q = append(q, nil)
			continue
		case "NOT":
			neg = true
			continue
		}
		t := searchTerm{neg: neg}
		neg = false
		if strings.HasPrefix(tok, "-") && len(tok) > 1 {
			t.neg = true
			tok = tok[1:]
		}
		if i := strings.Index(tok, ":"); i > 0 {
			t.field = strings.ToLower(tok[:i])
			rest := tok[i+1:]
			t.op = ":"
			for _, op := range []string{">=", "<=", ">", "<"} {
				if strings.HasPrefix(rest, op) {
					t.op, rest = op, rest[len(op):]
					break
				}
			}
			t.value = rest
		} else {
			t.field, t.op, t.value = "", ":", tok
		}
		q[len(q)-1] = append(q[len(q)-1], t)
	}
	return q
}

func (q searchQuery) match(get func(string) []string) bool {
	for _, group := range q {
		ok := true
		for _, t := range group {
			if t.match(get) == t.neg {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (t searchTerm) match(get func(string) []string) bool {
	field := t.field
	if field == "" {
		field = "default"
	}
	vals := get(field)
	if vals == nil && field == "default" {
		vals = get("title")
	}
	if t.value == "*" && t.op == ":" {
		return len(vals) > 0 && vals[0] != ""
	}
	for _, v := range vals {
		if compareSearch(field, v, t.op, t.value) {
			return true
		}
	}
	return false
}

func compareSearch(field, have, op, want string) bool {
	if strings.HasSuffix(field, "_at") {
		h, err1 := parseSearchTime(have)
		w, err2 := parseSearchTime(want)
		if err1 != nil || err2 != nil {
			return false
		}
		switch op {
		case ">":
			return h.After(w)
		case ">=":
			return !h.Before(w)
		case "<":
			return h.Before(w)
		case "<=":
			return !h.After(w)
		default:
			return h.Equal(w)
		}
	}
	if hn, err := strconv.ParseFloat(have, 64); err == nil && op != ":" {
		if wn, err := strconv.ParseFloat(want, 64); err == nil {
			switch op {
			case ">":
				return hn > wn
			case ">=":
				return hn >= wn
			case "<":
				return hn < wn
			case "<=":
				return hn <= wn
			}
		}
	}
	h, w := strings.ToLower(have), strings.ToLower(want)
	switch op {
	case ">":
		return h > w
	case ">=":
		return h >= w
	case "<":
		return h < w
	case "<=":
		return h <= w
	}
	for _, alt := range strings.Split(w, ",") {
		if strings.HasSuffix(alt, "*") {
			if strings.HasPrefix(h, strings.TrimSuffix(alt, "*")) {
				return true
			}
			continue
		}
		if field == "title" || field == "default" {
			if strings.Contains(h, alt) {
				return true
			}
			continue
		}
		if h == alt {
			return true
		}
	}
	return false
}

func parseSearchTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}
