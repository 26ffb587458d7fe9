package syncworker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/shopify"
)

// Clients make Shopify clients for a tenant's shops (stores.Connector).
type Clients interface {
	Client(ctx context.Context, tenantID, shop string) (*shopify.Client, error)
}

// ShopReaders are Readers over catalog.Reader with Flux's tokens.
type ShopReaders struct{ Clients Clients }

// Reader is a Reader for shop of tenantID.
func (s ShopReaders) Reader(ctx context.Context, tenantID, shop string) (Reader, error) {
	c, err := s.Clients.Client(ctx, tenantID, shop)
	if err != nil {
		return nil, err
	}
	return shopReader{Reader: &catalog.Reader{Client: c}, client: c}, nil
}

type shopReader struct {
	*catalog.Reader
	client *shopify.Client
}

func (shopReader) BulkSupported(t mapping.ObjectType) bool { return catalog.SupportsBulk(t) }

func (r shopReader) BulkState(ctx context.Context, id string) (string, string, error) {
	op, err := r.Reader.BulkState(ctx, id)
	if err != nil {
		return "", "", err
	}
	return op.Status, op.URL, nil
}

const existsQuery = `query fluxExists($ids: [ID!]!) { nodes(ids: $ids) { id } }`

// Exists asks Shopify which of gids exist (nodes(ids:) answers null for
// the others). Cost: about one point per id.
func (r shopReader) Exists(ctx context.Context, _ mapping.ObjectType, gids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(gids))
	if len(gids) == 0 {
		return out, nil
	}
	resp, err := r.client.GraphQL(ctx, existsQuery, map[string]any{"ids": gids}, &shopify.GraphQLOptions{Cost: float64(len(gids)) + 1})
	if err != nil {
		return nil, fmt.Errorf("exists: %w", err)
	}
	var data struct {
		Nodes []*struct {
			ID string `json:"id"`
		} `json:"nodes"`
	}
	if err := resp.Decode(&data); err != nil {
		return nil, fmt.Errorf("exists: %w", err)
	}
	if len(data.Nodes) != len(gids) {
		return nil, fmt.Errorf("exists: %d answers for %d ids", len(data.Nodes), len(gids))
	}
	for i, n := range data.Nodes {
		// A GID of another type (DiscountNode answered as a
		// DiscountCodeNode, say) still names the object when non-null.
		out[gids[i]] = n != nil && n.ID != ""
	}
	return out, nil
}

// StartBulkIDs starts a bulk operation listing the GIDs of type t.
func (r shopReader) StartBulkIDs(ctx context.Context, t mapping.ObjectType) (string, error) {
	q, err := catalog.BulkIDsQuery(t)
	if err != nil {
		return "", err
	}
	op, err := r.client.StartBulkQuery(ctx, q, nil)
	if err != nil {
		return "", fmt.Errorf("bulk ids of %s: %w", t, err)
	}
	return op.ID, nil
}

// StreamBulkIDs calls fn with the GID of every root object of a bulk
// result (a full read's or StartBulkIDs'): lines with a __parentId are
// nested objects and skipped.
func (r shopReader) StreamBulkIDs(ctx context.Context, url string, fn func(gid string) error) error {
	return r.client.StreamBulkResult(ctx, url, 0, func(l shopify.BulkLine) error {
		if l.ParentID != "" {
			return nil
		}
		var n struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(l.Raw, &n); err != nil {
			return fmt.Errorf("bulk ids: %w", err)
		}
		if n.ID == "" {
			return nil
		}
		return fn(n.ID)
	})
}
