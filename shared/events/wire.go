package events

import (
	"log/slog"
	"time"

	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/shopify"
	"github.com/flux-platform/flux/shared/store"
)

// DefaultReserve is the time kept back before the invocation's deadline:
// one object read and capture fits in it.
const DefaultReserve = 10 * time.Second

// New is the worker over the table, the version bodies' blob store and a
// client maker for the tenants' shops (stores.Connector).
func New(st *store.Store, blobs store.Blobs, clients Clients, log *slog.Logger) *Handler {
	return &Handler{
		Store:   st,
		Clients: clients,
		Reader:  func(c *shopify.Client) Getter { return &catalog.Reader{Client: c} },
		Capturer: func(tenantID, shop, syncID string) Capturer {
			return ingest.New(st, blobs, tenantID, shop, syncID)
		},
		Now:     time.Now,
		Log:     log,
		Reserve: DefaultReserve,
	}
}
