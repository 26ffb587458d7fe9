package sync

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/flux-platform/flux/shared/config"
)

// Message is the SyncQueue message: which sync the worker runs (or
// continues).
type Message struct {
	TenantID string `json:"tenantId"`
	SyncID   string `json:"syncId"`
	Type     Type   `json:"type"`
}

// Creator creates syncs under the one-running-one-queued rule and ends
// them (store.Store).
type Creator interface {
	CreateSync(ctx context.Context, in Sync) (Sync, bool, error)
	FinishSync(ctx context.Context, tenantID string, t Type, syncID string, st Status, errMsg string, at time.Time) error
}

// Starter starts syncs: the one path of startSync and of the daily
// reconciliation.
type Starter struct {
	Store Creator
	// Send puts a message on SyncQueue.
	Send func(ctx context.Context, m Message) error
	// Now and NewID default to time.Now and "sync_" + a lower-case ULID.
	Now   func() time.Time
	NewID func() string
}

// NewID is a new sync id: "sync_" + a lower-case ULID (sorts by time).
func NewID() string { return "sync_" + strings.ToLower(ulid.Make().String()) }

// Start creates a sync of type t for tenantID over group g: RUNNING (and
// sent to the worker) when none of its type runs, QUEUED when one runs, or
// the already queued one (created false). A RUNNING sync that cannot be
// sent is ended FAILED so the slot is free again.
func (s Starter) Start(ctx context.Context, tenantID string, g config.StoreGroup, t Type, triggeredBy string) (Sync, bool, error) {
	now, newID := s.Now, s.NewID
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = NewID
	}
	at := now().UTC()
	sy, created, err := s.Store.CreateSync(ctx, Sync{
		ID: newID(), TenantID: tenantID, Type: t, TriggeredBy: triggeredBy, TriggeredAt: at,
		ReadFromStores: ReadFromStores(g),
	})
	if err != nil || !created || sy.Status != Running {
		return sy, created, err
	}
	if err := s.Send(ctx, Message{TenantID: tenantID, SyncID: sy.ID, Type: t}); err != nil {
		ferr := s.Store.FinishSync(ctx, tenantID, t, sy.ID, Failed, "could not be queued for the worker", now())
		if ferr != nil {
			err = fmt.Errorf("%w (and marking it failed: %v)", err, ferr)
		}
		return Sync{}, false, fmt.Errorf("enqueue sync %s: %w", sy.ID, err)
	}
	return sy, true, nil
}
