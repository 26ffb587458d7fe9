package store

// Syncs: the sync items, the per-(tenant, type) slot that enforces "one
// running and one queued", the per-tenant counters that give syncHistory its
// totals without scans, and the operations of a sync.
//
// The key functions and item structs of syncs live in this file rather than
// in keys.go/items.go, which other work edits concurrently.
//
//	PK                               SK                       item
//	TENANT#<t>                       SYNC#<syncId>            a sync (GSI1: by type, GSI2: by status)
//	TENANT#<t>                       SYNCSLOT#<type>          running and queued sync ids of a type
//	TENANT#<t>                       SYNCCOUNT                counters: all, per type, per status, per type+status
//	TENANT#<t>#SYNCOPS#<syncId>      OP#<opType>#<opId>       an operation of a sync
//
// Sync ids are "sync_" + a ULID, so SK order is creation order: history is a
// backwards query. GSI1PK TENANT#<t>#SYNCTYPE#<type> and GSI2PK
// TENANT#<t>#SYNCSTATUS#<status> (GSI*SK = the sync's SK) serve the type and
// status filters; both filters read the status index and filter by type.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/platform"
	fsync "github.com/flux-platform/flux/shared/sync"
)

const (
	skSyncs     = "SYNC" + sep
	skSyncSlot  = "SYNCSLOT" + sep
	skSyncCount = "SYNCCOUNT"
	skOps       = "OP" + sep
	typeSync    = "sync"
	typeSyncOp  = "syncOperation"

	// maxOpsPerTransaction leaves room for the sync item's counter update
	// in one TransactWriteItems (100 items).
	maxOpsPerTransaction = 99
	// startAttempts bounds CreateSync's read-then-conditional-write rounds.
	startAttempts = 8
)

// SyncSK is the sort key of sync syncID under its tenant.
func SyncSK(syncID string) string { return skSyncs + syncID }

// SyncPrefix is the SK prefix of a tenant's syncs.
func SyncPrefix() string { return skSyncs }

// SyncSlotSK is the slot of sync type t (running and queued sync ids).
func SyncSlotSK(t fsync.Type) string { return skSyncSlot + string(t) }

// SyncCountSK is the tenant's sync counters item.
func SyncCountSK() string { return skSyncCount }

// SyncTypeGSI1PK is the GSI1 partition of a tenant's syncs of type t.
func SyncTypeGSI1PK(tenantID string, t fsync.Type) string {
	return TenantPK(tenantID) + sep + "SYNCTYPE" + sep + string(t)
}

// SyncStatusGSI2PK is the GSI2 partition of a tenant's syncs in status st.
func SyncStatusGSI2PK(tenantID string, st fsync.Status) string {
	return TenantPK(tenantID) + sep + "SYNCSTATUS" + sep + string(st)
}

// SyncOpsPK is the partition of the operations of one sync.
func SyncOpsPK(tenantID, syncID string) string {
	return TenantPK(tenantID) + sep + "SYNCOPS" + sep + syncID
}

// SyncOpSK is the sort key of one operation; SyncOpPrefix(t) its type's prefix.
func SyncOpSK(t fsync.OperationType, opID string) string { return SyncOpPrefix(t) + opID }

// SyncOpPrefix is the SK prefix of the operations of type t ("" = all).
func SyncOpPrefix(t fsync.OperationType) string {
	if t == "" {
		return skOps
	}
	return skOps + string(t) + sep
}

// Counter attribute names on the SYNCCOUNT item.
func countAll() string                                    { return "n" }
func countType(t fsync.Type) string                       { return "t_" + string(t) }
func countStatus(s fsync.Status) string                   { return "s_" + string(s) }
func countTypeStatus(t fsync.Type, s fsync.Status) string { return "ts_" + string(t) + "_" + string(s) }
func countOps(t fsync.OperationType) string               { return "ops_" + string(t) }

type syncItem struct {
	PK              string   `dynamodbav:"PK"`
	SK              string   `dynamodbav:"SK"`
	GSI1PK          string   `dynamodbav:"GSI1PK"`
	GSI1SK          string   `dynamodbav:"GSI1SK"`
	GSI2PK          string   `dynamodbav:"GSI2PK"`
	GSI2SK          string   `dynamodbav:"GSI2SK"`
	Type            string   `dynamodbav:"type"`
	TenantID        string   `dynamodbav:"tenantId"`
	SyncID          string   `dynamodbav:"syncId"`
	SyncType        string   `dynamodbav:"syncType"`
	Status          string   `dynamodbav:"status"`
	TriggeredBy     string   `dynamodbav:"triggeredBy,omitempty"`
	TriggeredAt     string   `dynamodbav:"triggeredAt"`
	StartedAt       string   `dynamodbav:"startedAt,omitempty"`
	CompletedAt     string   `dynamodbav:"completedAt,omitempty"`
	Error           string   `dynamodbav:"error,omitempty"`
	Processed       int      `dynamodbav:"processed"`
	Created         int      `dynamodbav:"created"`
	Updated         int      `dynamodbav:"updated"`
	Warnings        int      `dynamodbav:"warnings"`
	Errors          int      `dynamodbav:"errors"`
	OperationsCount int      `dynamodbav:"operationsCount"`
	OpsCreate       int      `dynamodbav:"ops_CREATE"`
	OpsUpdate       int      `dynamodbav:"ops_UPDATE"`
	OpsDelete       int      `dynamodbav:"ops_DELETE"`
	ReadFromStores  []string `dynamodbav:"readFromStores,omitempty"`
}

type syncSlotItem struct {
	Running string `dynamodbav:"running"`
	Queued  string `dynamodbav:"queued"`
}

type syncOpItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	OpID       string `dynamodbav:"opId"`
	OpType     string `dynamodbav:"opType"`
	ObjectType string `dynamodbav:"objectType"`
	Canonical  string `dynamodbav:"canonical"`
	Shop       string `dynamodbav:"shop"`
	Details    string `dynamodbav:"details,omitempty"`
	CreatedAt  string `dynamodbav:"createdAt"`
}

func syncToItem(s fsync.Sync) syncItem {
	return syncItem{
		PK: TenantPK(s.TenantID), SK: SyncSK(s.ID),
		GSI1PK: SyncTypeGSI1PK(s.TenantID, s.Type), GSI1SK: SyncSK(s.ID),
		GSI2PK: SyncStatusGSI2PK(s.TenantID, s.Status), GSI2SK: SyncSK(s.ID),
		Type: typeSync, TenantID: s.TenantID, SyncID: s.ID, SyncType: string(s.Type), Status: string(s.Status),
		TriggeredBy: s.TriggeredBy, TriggeredAt: formatTime(s.TriggeredAt),
		StartedAt: formatTimePtr(s.StartedAt), CompletedAt: formatTimePtr(s.CompletedAt), Error: s.Error,
		Processed: s.Stats.Processed, Created: s.Stats.Created, Updated: s.Stats.Updated,
		Warnings: s.Stats.Warnings, Errors: s.Stats.Errors, OperationsCount: s.OperationsCount,
		ReadFromStores: s.ReadFromStores,
	}
}

func syncFromItem(it syncItem) (fsync.Sync, error) {
	trig, err := parseTime(it.TriggeredAt)
	if err != nil {
		return fsync.Sync{}, err
	}
	started, err := parseTimePtr(it.StartedAt)
	if err != nil {
		return fsync.Sync{}, err
	}
	done, err := parseTimePtr(it.CompletedAt)
	if err != nil {
		return fsync.Sync{}, err
	}
	return fsync.Sync{
		ID: it.SyncID, TenantID: it.TenantID, Type: fsync.Type(it.SyncType), Status: fsync.Status(it.Status),
		TriggeredBy: it.TriggeredBy, TriggeredAt: trig, StartedAt: started, CompletedAt: done, Error: it.Error,
		Stats: fsync.Stats{
			// Created and updated are the sync's CREATE and UPDATE
			// operations, counted in the transactions that record them,
			// so they are exact however often a page is replayed.
			Processed: it.Processed, Created: it.OpsCreate, Updated: it.OpsUpdate, Warnings: it.Warnings, Errors: it.Errors,
		},
		OperationsCount: it.OperationsCount, ReadFromStores: it.ReadFromStores,
	}, nil
}

func syncNotFound(id string) *platform.Error {
	return platform.E(platform.KindNotFound, "sync "+id+" not found")
}

// counterUpdate adds delta to the counter attributes of the tenant's
// SYNCCOUNT item in one update (a transaction may touch an item only once).
func (s *Store) counterUpdate(tenantID string, delta map[string]int64) types.TransactWriteItem {
	names := map[string]string{}
	vals := map[string]types.AttributeValue{}
	var parts []string
	i := 0
	for attr, d := range delta {
		a, v := "#c"+strconv.Itoa(i), ":c"+strconv.Itoa(i)
		names[a], vals[v] = attr, num(d)
		parts = append(parts, a+" "+v)
		i++
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.Table), Key: key(TenantPK(tenantID), SyncCountSK()),
		UpdateExpression:          aws.String("ADD " + strings.Join(parts, ", ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals,
	}}
}

// created is the counter change of a new sync of type t in status st.
func created(t fsync.Type, st fsync.Status) map[string]int64 {
	return map[string]int64{countAll(): 1, countType(t): 1, countStatus(st): 1, countTypeStatus(t, st): 1}
}

// moved is the counter change of a sync of type t moving from one status to another.
func moved(t fsync.Type, from, to fsync.Status) map[string]int64 {
	return map[string]int64{
		countStatus(from): -1, countTypeStatus(t, from): -1, countStatus(to): 1, countTypeStatus(t, to): 1,
	}
}

// CreateSync starts or queues sync s (ID, TenantID, Type, TriggeredBy,
// TriggeredAt, ReadFromStores set; Status is decided here): RUNNING when no
// sync of its type runs for the tenant, QUEUED when one runs and none waits.
// When one already waits, that one is returned with created false and
// nothing is written. The slot item SYNCSLOT#<type> is updated with a
// condition in the same transaction that creates the sync, so concurrent
// callers cannot both take the running or the queued place; a loser re-reads
// the slot and decides again.
func (s *Store) CreateSync(ctx context.Context, in fsync.Sync) (fsync.Sync, bool, error) {
	if in.TenantID == "" || in.ID == "" || in.Type == "" {
		return fsync.Sync{}, false, platform.E(platform.KindValidation, "sync needs a tenant, an id and a type")
	}
	pk := TenantPK(in.TenantID)
	for range startAttempts {
		var slot syncSlotItem
		if _, err := s.getItem(ctx, pk, SyncSlotSK(in.Type), &slot); err != nil {
			return fsync.Sync{}, false, fmt.Errorf("read sync slot: %w", err)
		}
		if slot.Queued != "" {
			q, err := s.GetSync(ctx, in.TenantID, slot.Queued)
			if err != nil {
				return fsync.Sync{}, false, fmt.Errorf("queued sync: %w", err)
			}
			return q, false, nil
		}
		out := in
		var slotUpdate *types.Update
		if slot.Running == "" {
			out.Status = fsync.Running
			started := in.TriggeredAt
			out.StartedAt = &started
			slotUpdate = &types.Update{
				UpdateExpression:          aws.String("SET running = :id"),
				ConditionExpression:       aws.String("attribute_not_exists(running) AND attribute_not_exists(queued)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(in.ID)},
			}
		} else {
			out.Status = fsync.Queued
			slotUpdate = &types.Update{
				UpdateExpression:          aws.String("SET queued = :id"),
				ConditionExpression:       aws.String("running = :running AND attribute_not_exists(queued)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(in.ID), ":running": str(slot.Running)},
			}
		}
		slotUpdate.TableName, slotUpdate.Key = aws.String(s.Table), key(pk, SyncSlotSK(in.Type))
		av, err := marshal(syncToItem(out))
		if err != nil {
			return fsync.Sync{}, false, err
		}
		err = s.transact(ctx, []types.TransactWriteItem{
			{Update: slotUpdate},
			{Put: &types.Put{
				TableName: aws.String(s.Table), Item: av,
				ConditionExpression: aws.String("attribute_not_exists(PK)"),
			}},
			s.counterUpdate(in.TenantID, created(in.Type, out.Status)),
		})
		err = classify("create sync", err,
			platform.E(platform.KindConflict, "sync slot changed"),
			platform.E(platform.KindConflict, "sync "+in.ID+" exists"))
		if err == nil {
			return out, true, nil
		}
		if platform.KindOf(err) != platform.KindConflict {
			return fsync.Sync{}, false, err
		}
		// Lost a race (or the slot changed): read the slot again.
	}
	return fsync.Sync{}, false, platform.E(platform.KindConflict, "too many concurrent sync requests, try again")
}

// FinishSync ends the RUNNING sync syncID of type t with status st
// (COMPLETED or FAILED) and errMsg, freeing the running place of the slot.
// It does not promote the queued sync: the worker ends syncs with EndSync,
// which does both at once; FinishSync is for a sync that never reached the
// worker (startSync could not enqueue it, so nothing is queued behind it).
func (s *Store) FinishSync(ctx context.Context, tenantID string, t fsync.Type, syncID string, st fsync.Status, errMsg string, at time.Time) error {
	if st != fsync.Completed && st != fsync.Failed {
		return platform.E(platform.KindValidation, "a running sync ends COMPLETED or FAILED")
	}
	pk := TenantPK(tenantID)
	vals := map[string]types.AttributeValue{
		":id": str(syncID), ":st": str(string(st)), ":running": str(string(fsync.Running)),
		":at": str(formatTime(at)), ":g2": str(SyncStatusGSI2PK(tenantID, st)),
	}
	names := map[string]string{"#status": "status"}
	expr := "SET #status = :st, completedAt = :at, GSI2PK = :g2"
	if errMsg != "" {
		vals[":err"], names["#error"] = str(errMsg), "error"
		expr += ", #error = :err"
	}
	err := s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.Table), Key: key(pk, SyncSlotSK(t)),
			UpdateExpression:          aws.String("REMOVE running"),
			ConditionExpression:       aws.String("running = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(syncID)},
		}},
		{Update: &types.Update{
			TableName: aws.String(s.Table), Key: key(pk, SyncSK(syncID)),
			UpdateExpression:          aws.String(expr),
			ConditionExpression:       aws.String("#status = :running AND syncId = :id"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: vals,
		}},
		s.counterUpdate(tenantID, moved(t, fsync.Running, st)),
	})
	return classify("finish sync", err,
		platform.E(platform.KindConflict, "sync "+syncID+" is not the running sync"),
		platform.E(platform.KindConflict, "sync "+syncID+" is not running"))
}

// GetSync is one sync of the tenant; KindNotFound when the tenant has no
// sync with that id (another tenant's id included).
func (s *Store) GetSync(ctx context.Context, tenantID, syncID string) (fsync.Sync, error) {
	if tenantID == "" || syncID == "" {
		return fsync.Sync{}, syncNotFound(syncID)
	}
	var it syncItem
	found, err := s.getItem(ctx, TenantPK(tenantID), SyncSK(syncID), &it)
	if err != nil {
		return fsync.Sync{}, fmt.Errorf("get sync: %w", err)
	}
	if !found {
		return fsync.Sync{}, syncNotFound(syncID)
	}
	return syncFromItem(it)
}

// SyncSlot is the running and the queued sync of type t (nil when none).
func (s *Store) SyncSlot(ctx context.Context, tenantID string, t fsync.Type) (running, queued *fsync.Sync, err error) {
	var slot syncSlotItem
	if _, err := s.getItem(ctx, TenantPK(tenantID), SyncSlotSK(t), &slot); err != nil {
		return nil, nil, fmt.Errorf("read sync slot: %w", err)
	}
	get := func(id string) (*fsync.Sync, error) {
		if id == "" {
			return nil, nil
		}
		sy, err := s.GetSync(ctx, tenantID, id)
		if err != nil {
			return nil, err
		}
		return &sy, nil
	}
	if running, err = get(slot.Running); err != nil {
		return nil, nil, err
	}
	if queued, err = get(slot.Queued); err != nil {
		return nil, nil, err
	}
	return running, queued, nil
}

// SyncFilter selects syncs of a history page ("" = any).
type SyncFilter struct {
	Type   fsync.Type
	Status fsync.Status
}

// Page is a limit/offset page; the reads are bounded by Offset+Limit items.
type Page struct {
	Limit  int
	Offset int
}

// ListSyncs is one page of the tenant's syncs, newest first, and the total
// matching f, read from the SYNCCOUNT counters (no scan, no counting query).
// Index reads (a filter) are eventually consistent.
func (s *Store) ListSyncs(ctx context.Context, tenantID string, f SyncFilter, p Page) ([]fsync.Sync, int, error) {
	if tenantID == "" || p.Limit < 1 || p.Offset < 0 {
		return nil, 0, platform.E(platform.KindValidation, "limit must be positive and offset not negative")
	}
	in := &dynamodb.QueryInput{TableName: aws.String(s.Table), ScanIndexForward: aws.Bool(false)}
	counter := countAll()
	switch {
	case f.Status != "":
		in.IndexName = aws.String(IndexGSI2)
		in.KeyConditionExpression = aws.String("GSI2PK = :pk")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": str(SyncStatusGSI2PK(tenantID, f.Status))}
		counter = countStatus(f.Status)
		if f.Type != "" {
			in.FilterExpression = aws.String("syncType = :t")
			in.ExpressionAttributeValues[":t"] = str(string(f.Type))
			counter = countTypeStatus(f.Type, f.Status)
		}
	case f.Type != "":
		in.IndexName = aws.String(IndexGSI1)
		in.KeyConditionExpression = aws.String("GSI1PK = :pk")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": str(SyncTypeGSI1PK(tenantID, f.Type))}
		counter = countType(f.Type)
	default:
		in.KeyConditionExpression = aws.String("PK = :pk AND begins_with(SK, :prefix)")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{
			":pk": str(TenantPK(tenantID)), ":prefix": str(SyncPrefix()),
		}
		in.ConsistentRead = aws.Bool(true)
	}
	raw, err := s.queryN(ctx, in, p.Offset+p.Limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list syncs: %w", err)
	}
	raw = window(raw, p)
	var its []syncItem
	if err := attributevalue.UnmarshalListOfMaps(raw, &its); err != nil {
		return nil, 0, fmt.Errorf("list syncs: unmarshal: %w", err)
	}
	out := make([]fsync.Sync, 0, len(its))
	for _, it := range its {
		sy, err := syncFromItem(it)
		if err != nil {
			return nil, 0, fmt.Errorf("list syncs: %w", err)
		}
		out = append(out, sy)
	}
	total, err := s.counter(ctx, TenantPK(tenantID), SyncCountSK(), counter)
	if err != nil {
		return nil, 0, fmt.Errorf("count syncs: %w", err)
	}
	return out, total, nil
}

// queryN reads up to want matching items of a query.
func (s *Store) queryN(ctx context.Context, in *dynamodb.QueryInput, want int) ([]map[string]types.AttributeValue, error) {
	var raw []map[string]types.AttributeValue
	for len(raw) < want {
		in.Limit = aws.Int32(int32(min(want-len(raw), 1000)))
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		raw = append(raw, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return raw, nil
}

func window[T any](xs []T, p Page) []T {
	if p.Offset >= len(xs) {
		return nil
	}
	return xs[p.Offset:min(len(xs), p.Offset+p.Limit)]
}

// counter is one numeric attribute of an item (0 when absent).
func (s *Store) counter(ctx context.Context, pk, sk, attr string) (int, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.Table), Key: key(pk, sk), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("#c"), ExpressionAttributeNames: map[string]string{"#c": attr},
	})
	if err != nil {
		return 0, err
	}
	n, ok := out.Item[attr].(*types.AttributeValueMemberN)
	if !ok {
		return 0, nil
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0, fmt.Errorf("counter %s: %w", attr, err)
	}
	return v, nil
}

// AppendOperations records ops (each with its ID, type, objectType,
// canonical, shop, CreatedAt) under sync syncID of the tenant, and adds them
// to the sync's operationsCount and per-type counts in the same transaction
// (99 operations per transaction). An operation id already recorded fails its
// transaction as a conflict and writes nothing of it: the worker gives
// operations deterministic ids and checkpoints after each call. The sync must
// exist (KindNotFound otherwise).
func (s *Store) AppendOperations(ctx context.Context, tenantID, syncID string, ops []fsync.Operation) error {
	for len(ops) > 0 {
		n := min(len(ops), maxOpsPerTransaction)
		if err := s.appendOps(ctx, tenantID, syncID, ops[:n]); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return nil
}

func (s *Store) appendOps(ctx context.Context, tenantID, syncID string, ops []fsync.Operation) error {
	byType := map[fsync.OperationType]int64{}
	items := make([]types.TransactWriteItem, 0, len(ops)+1)
	conds := make([]cond, 0, len(ops)+1)
	conds = append(conds, syncNotFound(syncID))
	items = append(items, types.TransactWriteItem{}) // the sync update, below
	for _, op := range ops {
		if _, err := fsync.ParseOperationType(string(op.Type)); err != nil || op.ID == "" {
			return platform.E(platform.KindValidation, "an operation needs an id and a type CREATE, UPDATE or DELETE")
		}
		byType[op.Type]++
		av, err := marshal(syncOpItem{
			PK: SyncOpsPK(tenantID, syncID), SK: SyncOpSK(op.Type, op.ID), Type: typeSyncOp,
			OpID: op.ID, OpType: string(op.Type), ObjectType: op.ObjectType, Canonical: op.Canonical,
			Shop: op.Shop, Details: op.Details, CreatedAt: formatTime(op.CreatedAt),
		})
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.Table), Item: av, ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}})
		conds = append(conds, platform.E(platform.KindConflict, "operation "+op.ID+" already recorded"))
	}
	names := map[string]string{}
	vals := map[string]types.AttributeValue{":n": num(int64(len(ops)))}
	expr := "ADD operationsCount :n"
	for i, t := range fsync.OperationTypes {
		if c := byType[t]; c > 0 {
			a, v := "#o"+strconv.Itoa(i), ":o"+strconv.Itoa(i)
			names[a], vals[v] = countOps(t), num(c)
			expr += ", " + a + " " + v
		}
	}
	items[0] = types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.Table), Key: key(TenantPK(tenantID), SyncSK(syncID)),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
	}}
	if len(names) == 0 {
		items[0].Update.ExpressionAttributeNames = nil
	}
	return classify("append operations", s.transact(ctx, items), conds...)
}

// ListOperations is one page of sync syncID's operations (of type t, or all
// when t is ""), ordered by type then id, and their total from the sync's
// counters. Another tenant's sync id is KindNotFound.
func (s *Store) ListOperations(ctx context.Context, tenantID, syncID string, t fsync.OperationType, p Page) ([]fsync.Operation, int, error) {
	if p.Limit < 1 || p.Offset < 0 {
		return nil, 0, platform.E(platform.KindValidation, "limit must be positive and offset not negative")
	}
	var it syncItem
	found, err := s.getItem(ctx, TenantPK(tenantID), SyncSK(syncID), &it)
	if err != nil {
		return nil, 0, fmt.Errorf("get sync: %w", err)
	}
	if !found {
		return nil, 0, syncNotFound(syncID)
	}
	total := it.OperationsCount
	switch t {
	case fsync.Create:
		total = it.OpsCreate
	case fsync.Update:
		total = it.OpsUpdate
	case fsync.Delete:
		total = it.OpsDelete
	}
	raw, err := s.queryN(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.Table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(SyncOpsPK(tenantID, syncID)), ":prefix": str(SyncOpPrefix(t)),
		},
		ConsistentRead: aws.Bool(true),
	}, p.Offset+p.Limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list operations: %w", err)
	}
	var its []syncOpItem
	if err := attributevalue.UnmarshalListOfMaps(window(raw, p), &its); err != nil {
		return nil, 0, fmt.Errorf("list operations: unmarshal: %w", err)
	}
	out := make([]fsync.Operation, 0, len(its))
	for _, o := range its {
		at, err := parseTime(o.CreatedAt)
		if err != nil {
			return nil, 0, errors.Join(fmt.Errorf("operation %s", o.OpID), err)
		}
		out = append(out, fsync.Operation{
			ID: o.OpID, Type: fsync.OperationType(o.OpType), ObjectType: o.ObjectType,
			Canonical: o.Canonical, Shop: o.Shop, Details: o.Details, CreatedAt: at,
		})
	}
	return out, total, nil
}
