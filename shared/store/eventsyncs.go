package store

// Event syncs: the incremental syncs webhook events are recorded under. One
// per (tenant, sync type, UTC day), so a merchant's day of edits reads as one
// entry of syncHistory whose operations are the day's changes.
//
// An event sync is created COMPLETED and never takes the RUNNING or QUEUED
// place of the SYNCSLOT item: webhooks must neither wait for a full sync nor
// block one (a full sync and the day's events may both capture an object;
// PutVersion's CURRENT condition serialises them and its SourceUpdatedAt
// check keeps the newer state). completedAt stays empty: the day's sync keeps
// receiving events until the day ends. startedAt and triggeredAt are the time
// of the event that created it.
//
// Its id is deterministic, so concurrent workers agree on it without a
// lookup: "sync_" + the 10-character ULID time prefix of the day's 00:00 UTC
// (lower case, as syncgroup's ids) + "-webhook-<type>-<yyyymmdd>". Sync ids
// sort by their SK in history queries; the ULID prefix puts the day's event
// sync among the full syncs by time instead of above all of them.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/flux-platform/flux/shared/platform"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// EventSyncTriggeredBy is the triggeredBy of event syncs.
const EventSyncTriggeredBy = "webhook"

// EventSyncID is the id of tenant's event sync of type t for the UTC day of at.
func EventSyncID(t fsync.Type, at time.Time) string {
	day := at.UTC().Truncate(24 * time.Hour)
	var u ulid.ULID
	_ = u.SetTime(ulid.Timestamp(day)) // days since 1970 are far within ULID's 48 bits
	return "sync_" + strings.ToLower(u.String()[:10]) + "-webhook-" + strings.ToLower(string(t)) + "-" + day.Format("20060102")
}

// EnsureEventSync returns the id of the tenant's event sync of type t for
// the UTC day of at, creating it (COMPLETED, startedAt at) on first use. The
// sync item is put with attribute_not_exists(PK) in one transaction with the
// SYNCCOUNT counters, exactly as CreateSync counts a new sync, so racing
// workers create it once and syncHistory totals count it once.
func (s *Store) EnsureEventSync(ctx context.Context, tenantID string, t fsync.Type, at time.Time) (string, error) {
	if err := ValidateTenantID(tenantID); err != nil {
		return "", err
	}
	if _, err := fsync.ParseType(string(t)); err != nil {
		return "", err
	}
	if at.IsZero() {
		return "", platform.E(platform.KindValidation, "an event sync needs the time of its event")
	}
	at = at.UTC()
	id := EventSyncID(t, at)
	// The common case: the sync exists. A read is cheaper than a transaction
	// that fails its condition.
	var it syncItem
	found, err := s.getItem(ctx, TenantPK(tenantID), SyncSK(id), &it)
	if err != nil {
		return "", fmt.Errorf("get event sync %s: %w", id, err)
	}
	if found {
		return id, nil
	}
	av, err := marshal(syncToItem(fsync.Sync{
		ID: id, TenantID: tenantID, Type: t, Status: fsync.Completed,
		TriggeredBy: EventSyncTriggeredBy, TriggeredAt: at, StartedAt: &at,
	}))
	if err != nil {
		return "", err
	}
	err = s.transact(ctx, []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: aws.String(s.Table), Item: av,
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}},
		s.counterUpdate(tenantID, created(t, fsync.Completed)),
	})
	err = classify("create event sync "+id, err, platform.E(platform.KindConflict, "event sync "+id+" exists"))
	if err == nil {
		return id, nil
	}
	if platform.KindOf(err) != platform.KindConflict {
		return "", err
	}
	// A conflict is another worker creating it between the read and the
	// write, or a race on SYNCCOUNT that outlasted transact's retries: only
	// the first means the sync exists.
	if found, rerr := s.getItem(ctx, TenantPK(tenantID), SyncSK(id), &it); rerr != nil || !found {
		return "", err
	}
	return id, nil
}
