package catalog

import (
	"context"
	"errors"
	"fmt"

	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/shopify"
)

// ErrBulkUnsupported is in the chain of StartBulk's error for a type that
// is not read by bulk operation: the caller paginates with List instead.
var ErrBulkUnsupported = errors.New("bulk read not supported for this type")

// SupportsBulk reports whether type t can be read by bulk operation
// (PRODUCT, COLLECTION, PAGE, BLOG, ARTICLE, FILE).
func SupportsBulk(t mapping.ObjectType) bool {
	s, ok := specs[t]
	return ok && s.bulk
}

// BulkQuery is the bulk query StartBulk runs for t: the same fields as
// List, every nested connection without page limits.
func BulkQuery(t mapping.ObjectType) (string, error) {
	s, ok := specs[t]
	if !ok || !s.bulk {
		return "", platform.Wrap(platform.KindValidation, fmt.Sprintf("%s is not read by bulk operation; use List", t), ErrBulkUnsupported)
	}
	return fmt.Sprintf("{ %s { edges { node { %s } } } }", s.root, s.bulkNodeSel()), nil
}

// StartBulk starts a bulk operation reading every object of type t and
// returns its id, without waiting (poll with BulkState; a sync keeps the id
// in its checkpoint across Lambda runs). Shopify runs up to 5 bulk queries
// per shop at once (API 2025-10+); more get OPERATION_IN_PROGRESS.
func (r *Reader) StartBulk(ctx context.Context, t mapping.ObjectType) (string, error) {
	q, err := BulkQuery(t)
	if err != nil {
		return "", err
	}
	if r == nil || r.Client == nil {
		return "", platform.E(platform.KindInternal, "catalog.Reader has no Shopify client")
	}
	// Grouped: each object's children follow it, so StreamBulk can emit an
	// object as soon as the next one starts.
	op, err := r.Client.StartBulkQuery(ctx, q, &shopify.BulkOptions{GroupObjects: true, Tries: r.Tries})
	if err != nil {
		return "", fmt.Errorf("start bulk read of %s on %s: %w", t, r.shop(), err)
	}
	return op.ID, nil
}

// BulkState polls a bulk operation once: Status (shopify.BulkCompleted,
// BulkRunning, BulkFailed...) and, once completed, URL ("" when it found no
// objects). An unknown operation is KindNotFound.
func (r *Reader) BulkState(ctx context.Context, opID string) (*shopify.BulkOperation, error) {
	if r == nil || r.Client == nil {
		return nil, platform.E(platform.KindInternal, "catalog.Reader has no Shopify client")
	}
	op, err := r.Client.BulkOperationState(ctx, opID, &shopify.BulkOptions{Tries: r.Tries})
	if err != nil {
		return nil, fmt.Errorf("bulk operation %s on %s: %w", opID, r.shop(), err)
	}
	return op, nil
}

// StreamBulk downloads a completed bulk read of type t (url from
// BulkState), reassembles each object with its nested objects (variants,
// media, metafields...: the same Raw shape as List), skips the first skip
// objects (those a previous run already handled) and calls fn per object,
// or invalid (when not nil) per object without a valid canonical; both
// count toward skip. An error from fn or invalid stops the stream and is
// returned. url "" (no objects) calls nothing.
func (r *Reader) StreamBulk(ctx context.Context, t mapping.ObjectType, url string, skip int,
	fn func(Object) error, invalid func(Invalid) error) error {
	if _, err := BulkQuery(t); err != nil {
		return err
	}
	if url == "" {
		return nil
	}
	if r == nil || r.Client == nil {
		return platform.E(platform.KindInternal, "catalog.Reader has no Shopify client")
	}
	a := newAssembler(t)
	emit := func(node map[string]any) error {
		a.roots++
		if a.roots <= skip {
			return nil
		}
		o, err := makeObject(t, a.s, node)
		if err != nil {
			if invalid == nil {
				return nil
			}
			return invalid(Invalid{Type: t, GID: o.GID, Message: err.Error()})
		}
		return fn(o)
	}
	err := r.Client.StreamBulkResult(ctx, url, 0, func(l shopify.BulkLine) error {
		done, err := a.line(l.ParentID, l.Raw)
		if err != nil {
			return err
		}
		if done != nil {
			return emit(done)
		}
		return nil
	})
	if err == nil {
		if done := a.flush(); done != nil {
			err = emit(done)
		}
	}
	if err != nil {
		return fmt.Errorf("bulk read of %s on %s: %w", t, r.shop(), err)
	}
	return nil
}

// assembler rebuilds objects from a grouped bulk JSONL: a line without
// __parentId starts an object; a line with one is an element of a nested
// connection of an object of the current group, which connection told by
// its GID's resource.
type assembler struct {
	t     mapping.ObjectType
	s     *spec
	root  map[string]any
	byID  map[string]assembled
	roots int
}

type assembled struct {
	node  map[string]any
	conns []connSpec
}

func newAssembler(t mapping.ObjectType) *assembler {
	return &assembler{t: t, s: specs[t], byID: map[string]assembled{}}
}

// line takes one JSONL line; it returns the previous object when this line
// starts a new one.
func (a *assembler) line(parentID string, raw []byte) (map[string]any, error) {
	var node map[string]any
	if err := decodeJSON(raw, &node); err != nil || node == nil {
		return nil, platform.E(platform.KindUnavailable, "a bulk result line is not a JSON object")
	}
	delete(node, "__parentId")
	if parentID == "" {
		done := a.flush()
		a.root = node
		a.register(node, a.s.conns)
		return done, nil
	}
	parent, ok := a.byID[parentID]
	if !ok {
		return nil, platform.E(platform.KindUnavailable, fmt.Sprintf("bulk result line's parent %.100q is not the current object (not a grouped result)", parentID))
	}
	id := str(node, "id")
	res, _, ok := mapping.ParseGID(id)
	if !ok {
		return nil, platform.E(platform.KindUnavailable, fmt.Sprintf("bulk result line under %.100q has no GID", parentID))
	}
	for _, c := range parent.conns {
		if !contains(c.res, res) {
			continue
		}
		conn := obj(parent.node, c.key)
		conn["nodes"] = append(conn["nodes"].([]any), node)
		a.register(node, c.children)
		return nil, nil
	}
	return nil, platform.E(platform.KindUnavailable, fmt.Sprintf("bulk result has a %s under %.100q, which this read did not ask for", res, parentID))
}

// register gives node an empty list per nested connection and makes it a
// parent children may name.
func (a *assembler) register(node map[string]any, conns []connSpec) {
	if len(conns) == 0 {
		return
	}
	for _, c := range conns {
		node[c.key] = map[string]any{"nodes": []any{}}
	}
	if id := str(node, "id"); id != "" {
		a.byID[id] = assembled{node, conns}
	}
}

// flush ends the current object and returns it (nil when none).
func (a *assembler) flush() map[string]any {
	done := a.root
	a.root = nil
	clear(a.byID)
	if done != nil && a.s.prune != nil {
		a.s.prune(done)
	}
	return done
}
