// Package reconcile is the daily reconciliation (functions/schedule-reconcile,
// an EventBridge schedule in template.yaml): for every tenant with stores it
// starts one sync of each type (OBJECTS, THEME, FILES) triggered by
// "reconciliation", whose reads are full (never incremental) so that
// whatever webhooks missed — a delivery Shopify gave up on, a topic Shopify
// does not send (pages, blogs, articles, menus, files), an edit while the
// app was being reinstalled — is captured, and deletions are detected. A
// tenant whose sync of a type is running gets the reconciliation queued
// behind it; one that already has a queued sync keeps that one (it reads the
// same stores).
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// Trigger is the reconciliation syncs' triggeredBy (the worker reads in
// full for it).
const Trigger = "reconciliation"

// Tenants lists tenants and their store groups (store.Store).
type Tenants interface {
	ListTenants(ctx context.Context) ([]config.Tenant, error)
	StoreGroup(ctx context.Context, tenantID string) (config.StoreGroup, error)
}

// Reconciler starts the reconciliation syncs.
type Reconciler struct {
	Tenants Tenants
	Starter fsync.Starter
	Log     *slog.Logger
}

// Result counts what one run did.
type Result struct {
	Started, Queued, AlreadyQueued, NoStores, Failed int
}

// Run starts the reconciliation syncs of every tenant with stores (one per
// sync type; Result counts syncs, and tenants without stores). One tenant's
// failure does not stop the others; Run fails (so the schedule retries)
// only when some tenant failed.
func (r Reconciler) Run(ctx context.Context) (Result, error) {
	var res Result
	tenants, err := r.Tenants.ListTenants(ctx)
	if err != nil {
		return res, fmt.Errorf("reconcile: %w", err)
	}
	var errs []error
	for _, t := range tenants {
		g, err := r.Tenants.StoreGroup(ctx, t.ID)
		if platform.KindOf(err) == platform.KindNotFound || (err == nil && len(g.Stores) == 0) {
			res.NoStores++
			continue
		}
		for _, typ := range fsync.Types {
			if err != nil {
				break
			}
			var sy fsync.Sync
			var created bool
			sy, created, err = r.Starter.Start(ctx, t.ID, g, typ, Trigger)
			switch {
			case err != nil:
			case !created:
				res.AlreadyQueued++
			case sy.Status == fsync.Queued:
				res.Queued++
			default:
				res.Started++
			}
		}
		if err != nil {
			res.Failed++
			r.Log.ErrorContext(ctx, "reconciliation not started", "tenant", t.ID, "error", err)
			errs = append(errs, fmt.Errorf("tenant %s: %w", t.ID, err))
		}
	}
	r.Log.InfoContext(ctx, "reconciliation scheduled", "tenants", len(tenants), "started", res.Started,
		"queued", res.Queued, "alreadyQueued", res.AlreadyQueued, "noStores", res.NoStores, "failed", res.Failed)
	if len(errs) > 0 {
		return res, fmt.Errorf("reconcile: %d tenants failed: %w", len(errs), errors.Join(errs...))
	}
	return res, nil
}

// Handle is the scheduled event handler (the event's content is unused).
func (r Reconciler) Handle(ctx context.Context, _ any) error {
	_, err := r.Run(ctx)
	return err
}
