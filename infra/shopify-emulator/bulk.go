package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// BulkOperation is an asynchronous bulk query whose result is a JSONL file.
type BulkOperation struct {
	base
	Type        string
	Status      string
	ErrorCode   *string
	Query       string
	objectCount int
	rootCount   int
	result      []byte
	url         string
	CompletedAt *DateTime
}

// ObjectCount is the number of JSONL lines.
func (b *BulkOperation) ObjectCount() string { return strconv.Itoa(b.objectCount) }

// RootObjectCount is the number of top-level objects.
func (b *BulkOperation) RootObjectCount() string { return strconv.Itoa(b.rootCount) }

// FileSize is the result's size in bytes.
func (b *BulkOperation) FileSize() *string {
	if b.Status != "COMPLETED" {
		return nil
	}
	s := strconv.Itoa(len(b.result))
	return &s
}

// Url is where the JSONL result is served (null when empty or not done).
func (b *BulkOperation) Url() *URL {
	if b.Status != "COMPLETED" || len(b.result) == 0 {
		return nil
	}
	u := URL(b.url)
	return &u
}

// PartialDataUrl is always null.
func (b *BulkOperation) PartialDataUrl() *URL { return nil }

// BulkOperationUserError is a bulk mutation's user error.
type BulkOperationUserError struct {
	Field   *[]string
	Message string
	Code    *string
}

type bulkRunPayload struct {
	BulkOperation *BulkOperation
	UserErrors    []*BulkOperationUserError
}

type bulkCancelPayload struct {
	BulkOperation *BulkOperation
	UserErrors    []*UserError
}

// CurrentBulkOperation returns the shop's latest bulk operation of a type.
func (rootResolver) CurrentBulkOperation(ctx context.Context, a struct{ Type *string }) *BulkOperation {
	typ := "QUERY"
	if a.Type != nil {
		typ = *a.Type
	}
	ops := shopOf(ctx).bulkOps
	for i := len(ops) - 1; i >= 0; i-- {
		if ops[i].Type == typ {
			return ops[i]
		}
	}
	return nil
}

// BulkOperationRunQuery starts a bulk query. It runs in the background once the
// mutation's request has released the shop.
//
// groupObjects is accepted; the JSONL always lists a node's children right
// after it (the grouped order, which is also a valid ungrouped file).
func (rootResolver) BulkOperationRunQuery(ctx context.Context, a struct {
	Query        string
	GroupObjects *bool
}) *bulkRunPayload {
	st := stateOf(ctx)
	s := st.shop
	// Since 2025-10 an app may run several bulk queries per shop at once.
	limit := 1
	if st.apiVersion >= "2025-10" {
		limit = MaxConcurrentBulkQueries
	}
	var running []*BulkOperation
	for _, op := range s.bulkOps {
		if op.Type == "QUERY" && (op.Status == "CREATED" || op.Status == "RUNNING") {
			running = append(running, op)
		}
	}
	if len(running) >= limit {
		code := "OPERATION_IN_PROGRESS"
		return &bulkRunPayload{UserErrors: []*BulkOperationUserError{{Field: &[]string{"query"}, Message: "A bulk query operation for this app and shop is already in progress: " + string(running[0].ID()) + ".", Code: &code}}}
	}
	if err := st.srv.validateBulkQuery(a.Query); err != "" {
		code := "INVALID"
		return &bulkRunPayload{UserErrors: []*BulkOperationUserError{{Field: &[]string{"query"}, Message: err, Code: &code}}}
	}
	op := &BulkOperation{Type: "QUERY", Status: "CREATED", Query: a.Query}
	op.base = s.newBase("BulkOperation", now(), op)
	op.url = fmt.Sprintf("%s/_emulator/bulk/%s/%d.jsonl", st.baseURL, s.domain, op.num)
	s.bulkOps = append(s.bulkOps, op)
	st.bulkStarts = append(st.bulkStarts, op)
	return &bulkRunPayload{BulkOperation: op, UserErrors: []*BulkOperationUserError{}}
}

// MaxConcurrentBulkQueries is how many bulk queries may run at once per shop
// (API versions 2025-10 and later; one before).
const MaxConcurrentBulkQueries = 5

// BulkOperationCancel cancels a running bulk operation.
func (rootResolver) BulkOperationCancel(ctx context.Context, a idArg) *bulkCancelPayload {
	op, _ := lookup(shopOf(ctx), a.ID).(*BulkOperation)
	if op == nil {
		return &bulkCancelPayload{UserErrors: userErr([]string{"id"}, "Bulk operation does not exist")}
	}
	if op.Status != "CREATED" && op.Status != "RUNNING" {
		return &bulkCancelPayload{BulkOperation: op, UserErrors: userErr(nil, fmt.Sprintf("A bulk operation cannot be canceled when it is %s", strings.ToLower(op.Status)))}
	}
	op.Status = "CANCELED"
	t := now()
	op.CompletedAt = &t
	return &bulkCancelPayload{BulkOperation: op, UserErrors: []*UserError{}}
}

// validateBulkQuery checks a bulk query as Shopify does: valid against the
// schema, a query (not a mutation), with at least one connection.
func (srv *Server) validateBulkQuery(q string) string {
	doc, errs := gqlparser.LoadQueryWithRules(srv.astSchema, q, nil)
	if len(errs) > 0 {
		return "Invalid bulk query: " + errs[0].Message
	}
	if len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Query {
		return "Bulk queries must contain exactly one query operation."
	}
	if !hasConnection(doc.Operations[0].SelectionSet) {
		return "Bulk queries must contain at least one connection."
	}
	return ""
}

func hasConnection(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			if f.Definition != nil && isConnection(f.Definition.Type) {
				return true
			}
			if hasConnection(f.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if hasConnection(f.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if f.Definition != nil && hasConnection(f.Definition.SelectionSet) {
				return true
			}
		}
	}
	return false
}

func isConnection(t *ast.Type) bool {
	return t.Elem == nil && strings.HasSuffix(t.NamedType, "Connection")
}

// runBulk executes op's query without page limits and writes the JSONL result:
// one line per node, nested connection nodes on their own lines with __parentId.
func (srv *Server) runBulk(s *shopData, op *BulkOperation) {
	s.mu.Lock()
	if op.Status != "CREATED" {
		s.mu.Unlock()
		return
	}
	op.Status = "RUNNING"
	s.mu.Unlock()

	s.mu.RLock()
	ctx := context.WithValue(context.WithValue(srv.baseCtx, reqKey{}, &reqState{srv: srv, shop: s}), bulkKey{}, true)
	resp := srv.schema.Exec(ctx, op.Query, "", nil)
	s.mu.RUnlock()

	var buf bytes.Buffer
	objects, roots := 0, 0
	failed := len(resp.Errors) > 0
	if !failed {
		var data map[string]any
		if err := json.Unmarshal(resp.Data, &data); err != nil {
			failed = true
		} else {
			doc, _ := gqlparser.LoadQueryWithRules(srv.astSchema, op.Query, nil)
			enc := json.NewEncoder(&buf)
			for _, sel := range doc.Operations[0].SelectionSet {
				f, ok := sel.(*ast.Field)
				if !ok {
					continue
				}
				val := data[f.Alias]
				if f.Definition != nil && isConnection(f.Definition.Type) {
					for _, n := range connNodes(val) {
						roots++
						objects += flattenBulk(enc, n, "")
					}
				} else if m, ok := val.(map[string]any); ok {
					objects += flattenNested(enc, m)
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if op.Status == "CANCELED" {
		return
	}
	t := DateTime(time.Now().UTC().Format(time.RFC3339))
	op.CompletedAt = &t
	if failed {
		op.Status = "FAILED"
		code := "INTERNAL_SERVER_ERROR"
		op.ErrorCode = &code
		return
	}
	op.Status, op.result, op.objectCount, op.rootCount = "COMPLETED", buf.Bytes(), objects, roots
	srv.enqueue(func(ctx context.Context) {
		s.mu.RLock()
		ev, ok := buildEventRaw(s, "bulk_operations/finish", map[string]any{
			"admin_graphql_api_id": op.gid(), "completed_at": op.CompletedAt, "created_at": op.CreatedAt,
			"error_code": nil, "status": "completed", "type": "query"})
		s.mu.RUnlock()
		if ok {
			srv.deliver(ctx, []webhookEvent{ev})
		}
	})
}

// connNodes returns a connection value's nodes (from edges.node or nodes).
func connNodes(v any) []map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var out []map[string]any
	if edges, ok := m["edges"].([]any); ok {
		for _, e := range edges {
			if em, ok := e.(map[string]any); ok {
				if n, ok := em["node"].(map[string]any); ok {
					out = append(out, n)
				}
			}
		}
		return out
	}
	if nodes, ok := m["nodes"].([]any); ok {
		for _, n := range nodes {
			if nm, ok := n.(map[string]any); ok {
				out = append(out, nm)
			}
		}
	}
	return out
}

func isConnValue(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, e := m["edges"]
	_, n := m["nodes"]
	return e || n
}

// flattenBulk writes node (without its nested connections) then the nested
// connections' nodes with __parentId set to node's id.
func flattenBulk(enc *json.Encoder, node map[string]any, parent string) int {
	line := map[string]any{}
	var nested []any
	for k, v := range node {
		if isConnValue(v) {
			nested = append(nested, v)
			continue
		}
		line[k] = v
	}
	if parent != "" {
		line["__parentId"] = parent
	}
	_ = enc.Encode(line)
	n := 1
	id, _ := node["id"].(string)
	for _, c := range nested {
		for _, child := range connNodes(c) {
			n += flattenBulk(enc, child, id)
		}
	}
	return n
}

// flattenNested handles a top-level object (e.g. product(id:)) whose nested
// connections are the bulk's lists.
func flattenNested(enc *json.Encoder, obj map[string]any) int {
	return flattenBulk(enc, obj, "")
}

func buildEventRaw(s *shopData, topic string, payload map[string]any) (webhookEvent, bool) {
	enum := strings.ToUpper(strings.ReplaceAll(topic, "/", "_"))
	var targets []*WebhookSubscription
	for _, w := range s.webhooks {
		if w.Topic == enum {
			targets = append(targets, w)
		}
	}
	if len(targets) == 0 {
		return webhookEvent{}, false
	}
	body, _ := json.Marshal(payload)
	return webhookEvent{shop: s.domain, topic: topic, payload: body, targets: targets, triggered: time.Now().UTC()}, true
}
