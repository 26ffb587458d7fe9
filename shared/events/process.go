package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/catalog"
	"github.com/flux-platform/flux/shared/ingest"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/webhooks"
)

// outcome is what becomes of a message.
type outcome int

const (
	applied outcome = iota // done (or nothing to do): ack
	ignored                // deliberately not applied: ack
	dropped                // permanent failure: ack, logged
	retry                  // transient failure: SQS redelivers
	dead                   // unreadable envelope: redelivered until the DLQ
)

func (o outcome) String() string {
	return [...]string{"applied", "ignored", "dropped", "retry", "dead"}[o]
}

// result is one message's outcome and what the log line says about it.
type result struct {
	outcome  outcome
	what     string
	err      error
	env      *webhooks.Envelope
	tenantID string
	syncID   string
	ops      []fsync.Operation
}

// failed classifies err: input or state that a retry cannot change is
// dropped; everything else (Shopify unavailable or throttled, DynamoDB,
// conflicts, anything unclassified) is retried.
func failed(what string, err error) result {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return result{outcome: retry, what: what, err: err}
	}
	switch platform.KindOf(err) {
	case platform.KindValidation, platform.KindNotFound, platform.KindForbidden, platform.KindUnauthenticated:
		return result{outcome: dropped, what: what, err: err}
	}
	return result{outcome: retry, what: what, err: err}
}

func (h *Handler) process(ctx context.Context, m events.SQSMessage) result {
	env, err := ParseEnvelope(m.Body)
	if err != nil {
		return result{outcome: dead, what: "envelope", err: err}
	}
	r := h.apply(ctx, env)
	r.env = &env
	return r
}

func (h *Handler) apply(ctx context.Context, env webhooks.Envelope) result {
	rt := routeOf(env.Topic)
	if rt.act == actIgnore {
		return result{outcome: ignored, what: rt.why}
	}
	tenantID, err := h.Store.TenantByShop(ctx, env.Shop)
	if err != nil {
		r := failed("tenant of shop", err)
		if r.outcome == dropped {
			r.what = "shop is in no tenant's store group"
		}
		return r
	}
	var r result
	switch rt.act {
	case actUninstall, actShopRedact:
		r = h.uninstall(ctx, tenantID, env)
	case actCompliance:
		// Flux stores no customer data: nothing to report or erase.
		r = result{outcome: applied, what: "compliance: Flux holds no customer data"}
	default:
		r = h.object(ctx, tenantID, env, rt)
	}
	r.tenantID = tenantID
	return r
}

// uninstall marks the shop's connection uninstalled, unless the app was
// (re)installed after the event: a late app/uninstalled must not delete the
// tokens of a new install.
func (h *Handler) uninstall(ctx context.Context, tenantID string, env webhooks.Envelope) result {
	what := env.Topic + ": connection marked uninstalled"
	conn, err := h.Store.ShopConnection(ctx, tenantID, env.Shop)
	switch {
	case platform.KindOf(err) == platform.KindNotFound:
		return result{outcome: applied, what: env.Topic + ": no connection"}
	case err != nil:
		return failed("shop connection", err)
	case conn.Status == store.ConnectionUninstalled:
		return result{outcome: applied, what: env.Topic + ": already uninstalled"}
	case conn.InstalledAt.After(env.TriggeredAt):
		return result{outcome: ignored, what: env.Topic + ": the app was installed again after the event"}
	}
	err = h.Store.MarkShopUninstalled(ctx, tenantID, env.Shop, h.now())
	if platform.KindOf(err) == platform.KindNotFound {
		return result{outcome: applied, what: env.Topic + ": no connection"}
	}
	// Audited when the connection changed, and when changing it failed
	// (each failed delivery is an entry; the redelivery that succeeds
	// records the success).
	e := audit.Entry{TenantID: tenantID, Actor: Actor, Action: audit.ActionStoreUninstall, ResourceType: audit.ResourceStore,
		ResourceID: env.Shop, Shop: env.Shop, Result: audit.Success, Detail: what + " (Shopify " + env.Topic + ")",
		RequestID: "webhook:" + env.WebhookID}
	if err != nil {
		e.Result, e.Detail = audit.Failure, env.Topic+": the connection could not be marked uninstalled; retried"
	}
	audit.Write(ctx, h.Audit, e)
	if err != nil {
		return failed("mark uninstalled", err)
	}
	return result{outcome: applied, what: what}
}

// object captures or deletes the object an event is about, under the
// day's event sync of its type.
func (h *Handler) object(ctx context.Context, tenantID string, env webhooks.Envelope, rt route) result {
	p, err := parsePayload(env.Payload)
	if err != nil {
		return failed("payload", err)
	}
	gid, err := p.gid(rt)
	if err != nil {
		return failed("payload", err)
	}
	if rt.typ == mapping.Theme && p.notLiveTheme() {
		return result{outcome: ignored, what: "not the live theme"}
	}
	what, gone := "delete", rt.act == actDelete
	var obj catalog.Object
	if !gone {
		// Read before the event sync exists, so that an ignored event
		// leaves no empty sync behind.
		what = "capture"
		if obj, err = h.read(ctx, tenantID, env.Shop, rt, gid); platform.KindOf(err) == platform.KindNotFound {
			what, gone = "gone from the shop: delete", true
		} else if err != nil {
			return failed("read object", err)
		} else if rt.typ == mapping.Theme && obj.Canonical != liveTheme {
			return result{outcome: ignored, what: "not the live theme"}
		} else if obj.Canonical == "" {
			return failed("read object", platform.E(platform.KindValidation,
				fmt.Sprintf("%s %s has no valid canonical path", rt.typ, gid)))
		}
	}
	syncID, err := h.eventSync(ctx, tenantID, rt.syncType, env.TriggeredAt)
	if err != nil {
		return failed("event sync", err)
	}
	c := h.Capturer(tenantID, env.Shop, syncID)
	var res ingest.Result
	if gone {
		// As of the event: a delete older than the current version is stale.
		res, err = c.Delete(ctx, rt.typ, gid, env.TriggeredAt)
	} else {
		res, err = c.Capture(ctx, obj, sourceAt(obj, p, env))
	}
	if err != nil {
		r := failed(what, err)
		r.syncID = syncID
		return r
	}
	return h.record(ctx, tenantID, syncID, what, res)
}

// liveTheme is the canonical of the published theme (mapping's THEME rule).
const liveTheme = "live"

// read is the object from the shop; KindNotFound when the shop has no such
// object, KindForbidden when the shop is no longer connected.
func (h *Handler) read(ctx context.Context, tenantID, shop string, rt route, gid string) (catalog.Object, error) {
	cl, err := h.Clients.Client(ctx, tenantID, shop)
	if err != nil {
		return catalog.Object{}, h.notConnected(ctx, tenantID, shop, err)
	}
	return h.Reader(cl).Get(ctx, rt.typ, gid)
}

// sourceAt is the time of the state captured: the object was read now, so
// its state is at least as new as its own updatedAt and as the event (the
// payload's updated_at, else X-Shopify-Triggered-At).
func sourceAt(obj catalog.Object, p payload, env webhooks.Envelope) time.Time {
	at := p.updatedAt()
	if at.IsZero() {
		at = env.TriggeredAt
	}
	if obj.UpdatedAt.After(at) {
		at = obj.UpdatedAt.UTC()
	}
	return at
}

// notConnected turns the client error of a shop without tokens (the app
// was uninstalled; a late event) into a permanent one. Not KindNotFound:
// that would read as "the object is gone".
func (h *Handler) notConnected(ctx context.Context, tenantID, shop string, err error) error {
	conn, cerr := h.Store.ShopConnection(ctx, tenantID, shop)
	if platform.KindOf(cerr) == platform.KindNotFound || (cerr == nil && conn.Status == store.ConnectionUninstalled) {
		return platform.Wrap(platform.KindForbidden, "shop "+shop+" is not connected", err)
	}
	return err
}

// record records res's operations under the event sync and adds the
// message to its stats (created and updated follow from the operations).
func (h *Handler) record(ctx context.Context, tenantID, syncID, what string, res ingest.Result) result {
	ops := res.Operations()
	if len(ops) > 0 {
		if err := h.Store.RecordOperations(ctx, tenantID, syncID, ops); err != nil {
			return result{outcome: retry, what: "record operations", err: err, syncID: syncID}
		}
	}
	if err := h.Store.AddSyncStats(ctx, tenantID, syncID, fsync.Stats{Processed: 1, Warnings: len(res.Warnings)}); err != nil {
		r := failed("sync stats", err)
		r.outcome, r.syncID = retry, syncID
		return r
	}
	if res.Stale {
		what += ": stale, nothing written"
	} else if len(ops) == 0 {
		what += ": no change"
	}
	return result{outcome: applied, what: what, syncID: syncID, ops: ops}
}

// eventSync is the day's event sync, cached for the process's life.
func (h *Handler) eventSync(ctx context.Context, tenantID string, t fsync.Type, at time.Time) (string, error) {
	k := tenantID + "|" + store.EventSyncID(t, at)
	if id, ok := h.syncs.Load(k); ok {
		return id.(string), nil
	}
	id, err := h.Store.EnsureEventSync(ctx, tenantID, t, at)
	if err != nil {
		return "", err
	}
	h.syncs.Store(k, id)
	return id, nil
}
