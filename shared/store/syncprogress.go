package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/flux-platform/flux/shared/platform"
	fsync "github.com/flux-platform/flux/shared/sync"
)

// A running sync's progress: the worker's checkpoint item, its stats, the
// end of a sync and the start of the queued one.
//
//	PK             SK                  item
//	TENANT#<t>     SYNCRUN#<syncId>    checkpoint: position (opaque JSON), version, updatedAt
//
// The checkpoint is written with a condition on its version, in the same
// transaction as the stats it adds to the sync: a page's counts land exactly
// once, and of two workers handed the same sync (a redelivered message) only
// one can move it on; the other stops.
const skSyncRun = "SYNCRUN#"

// SyncRunSK is the sort key of a sync's checkpoint.
func SyncRunSK(syncID string) string { return skSyncRun + syncID }

type syncRunItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	Position  string `dynamodbav:"position"`
	Version   int64  `dynamodbav:"version"`
	UpdatedAt string `dynamodbav:"updatedAt"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

const typeSyncRun = "SYNCRUN"

// checkpointTTL: a checkpoint outlives its sync by this much, then TTL
// removes it (it is only needed while the sync runs).
const checkpointTTL = 30 * 24 * time.Hour

// Checkpoint is where a running sync is.
type Checkpoint struct {
	// Position is the worker's opaque position ("" before the first save).
	Position string
	// Version counts saves (0 before the first).
	Version int64
}

// SyncCheckpoint is sync syncID's checkpoint (Version 0 when none yet).
func (s *Store) SyncCheckpoint(ctx context.Context, tenantID, syncID string) (Checkpoint, error) {
	var it syncRunItem
	if _, err := s.getItem(ctx, TenantPK(tenantID), SyncRunSK(syncID), &it); err != nil {
		return Checkpoint{}, fmt.Errorf("read checkpoint: %w", err)
	}
	return Checkpoint{Position: it.Position, Version: it.Version}, nil
}

// SaveCheckpoint moves sync syncID from checkpoint version prev to
// position, adding stats' processed, warnings and errors to the sync, in
// one transaction. KindConflict when the checkpoint is no longer at prev
// (another worker moved it) or the sync is not RUNNING.
func (s *Store) SaveCheckpoint(ctx context.Context, tenantID, syncID string, prev int64, position string, stats fsync.Stats, at time.Time) error {
	av, err := marshal(syncRunItem{
		PK: TenantPK(tenantID), SK: SyncRunSK(syncID), Type: typeSyncRun, Position: position,
		Version: prev + 1, UpdatedAt: formatTime(at), ExpiresAt: at.Add(checkpointTTL).Unix(),
	})
	if err != nil {
		return err
	}
	put := &types.Put{TableName: aws.String(s.Table), Item: av}
	if prev == 0 {
		put.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		put.ConditionExpression = aws.String("version = :prev")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":prev": num(prev)}
	}
	upd := s.statsUpdate(tenantID, syncID, stats, true)
	err = s.transact(ctx, []types.TransactWriteItem{{Put: put}, {Update: upd}})
	return classify("save checkpoint", err,
		platform.E(platform.KindConflict, "sync "+syncID+" was moved on by another worker"),
		platform.E(platform.KindConflict, "sync "+syncID+" is not running"))
}

// AddSyncStats adds d's processed, warnings and errors to sync syncID (its
// created and updated counts are its CREATE and UPDATE operations, counted
// with the operations). KindNotFound when the tenant has no such sync.
func (s *Store) AddSyncStats(ctx context.Context, tenantID, syncID string, d fsync.Stats) error {
	_, err := s.DB.UpdateItem(ctx, updateInput(s.statsUpdate(tenantID, syncID, d, false)))
	return classify("add sync stats", err, syncNotFound(syncID))
}

func (s *Store) statsUpdate(tenantID, syncID string, d fsync.Stats, running bool) *types.Update {
	u := &types.Update{
		TableName: aws.String(s.Table), Key: key(TenantPK(tenantID), SyncSK(syncID)),
		UpdateExpression: aws.String("ADD #p :p, #w :w, #e :e"),
		ExpressionAttributeNames: map[string]string{
			"#p": "processed", "#w": "warnings", "#e": "errors",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": num(int64(d.Processed)), ":w": num(int64(d.Warnings)), ":e": num(int64(d.Errors)),
		},
		ConditionExpression: aws.String("attribute_exists(PK)"),
	}
	if running {
		u.ConditionExpression = aws.String("#status = :running")
		u.ExpressionAttributeNames["#status"] = "status"
		u.ExpressionAttributeValues[":running"] = str(string(fsync.Running))
	}
	return u
}

// RecordOperations appends ops to sync syncID like AppendOperations, except
// that operations already recorded (same id) are skipped: a worker that
// replays a page after a crash, or a redelivered webhook, records each
// operation once.
func (s *Store) RecordOperations(ctx context.Context, tenantID, syncID string, ops []fsync.Operation) error {
	// One id twice in the list is one operation (a transaction may not
	// write one item twice, nor BatchGetItem read one key twice).
	seen := make(map[string]bool, len(ops))
	uniq := make([]fsync.Operation, 0, len(ops))
	for _, op := range ops {
		if k := SyncOpSK(op.Type, op.ID); !seen[k] {
			seen[k] = true
			uniq = append(uniq, op)
		}
	}
	ops = uniq
	for len(ops) > 0 {
		n := min(len(ops), maxOpsPerTransaction)
		if err := s.recordOps(ctx, tenantID, syncID, ops[:n]); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return nil
}

func (s *Store) recordOps(ctx context.Context, tenantID, syncID string, ops []fsync.Operation) error {
	var err error
	for range 3 {
		err = s.appendOps(ctx, tenantID, syncID, ops)
		if platform.KindOf(err) != platform.KindConflict {
			return err
		}
		// Some are recorded already: keep the others and try again.
		keys := make([]map[string]types.AttributeValue, len(ops))
		for i, op := range ops {
			keys[i] = key(SyncOpsPK(tenantID, syncID), SyncOpSK(op.Type, op.ID))
		}
		have, gerr := s.batchGet(ctx, keys)
		if gerr != nil {
			return fmt.Errorf("record operations: %w", gerr)
		}
		recorded := make(map[string]bool, len(have))
		for _, it := range have {
			if sk, ok := it[AttrSK].(*types.AttributeValueMemberS); ok {
				recorded[sk.Value] = true
			}
		}
		var rest []fsync.Operation
		for _, op := range ops {
			if !recorded[SyncOpSK(op.Type, op.ID)] {
				rest = append(rest, op)
			}
		}
		if len(rest) == 0 {
			return nil
		}
		// Some were new: record the rest. None was (the transaction lost
		// to concurrent writers of the sync item): try again, a bounded
		// number of times, then report the conflict.
		ops = rest
	}
	return err
}

// EndSync ends the RUNNING sync syncID of type t (COMPLETED or FAILED, with
// errMsg) and, in the same transaction, starts the QUEUED sync of the slot
// if there is one, which it returns (nil when none). Doing both at once
// means a crash cannot leave a queued sync waiting behind a finished one.
func (s *Store) EndSync(ctx context.Context, tenantID string, t fsync.Type, syncID string, st fsync.Status, errMsg string, at time.Time) (*fsync.Sync, error) {
	if st != fsync.Completed && st != fsync.Failed {
		return nil, platform.E(platform.KindValidation, "a running sync ends COMPLETED or FAILED")
	}
	var err error
	for range startAttempts {
		var promoted *fsync.Sync
		var again bool
		promoted, again, err = s.endSync(ctx, tenantID, t, syncID, st, errMsg, at)
		if !again {
			return promoted, err
		}
		// The slot changed between the read and the transaction (a sync
		// was queued meanwhile): read it again.
	}
	return nil, err
}

// endSync is one round of EndSync; again is true when the slot changed
// after it was read.
func (s *Store) endSync(ctx context.Context, tenantID string, t fsync.Type, syncID string, st fsync.Status, errMsg string, at time.Time) (_ *fsync.Sync, again bool, _ error) {
	pk := TenantPK(tenantID)
	var slot syncSlotItem
	if _, err := s.getItem(ctx, pk, SyncSlotSK(t), &slot); err != nil {
		return nil, false, fmt.Errorf("end sync: read slot: %w", err)
	}
	if slot.Running != syncID {
		return nil, false, platform.E(platform.KindConflict, "sync "+syncID+" is not the running sync")
	}
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
	delta := moved(t, fsync.Running, st)
	slotUpd := &types.Update{
		TableName: aws.String(s.Table), Key: key(pk, SyncSlotSK(t)),
		UpdateExpression:          aws.String("REMOVE running"),
		ConditionExpression:       aws.String("running = :id AND attribute_not_exists(queued)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(syncID)},
	}
	items := []types.TransactWriteItem{{Update: slotUpd}, {Update: &types.Update{
		TableName: aws.String(s.Table), Key: key(pk, SyncSK(syncID)),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("#status = :running AND syncId = :id"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: vals,
	}}}
	var promoted *fsync.Sync
	if q := slot.Queued; q != "" {
		slotUpd.UpdateExpression = aws.String("SET running = :q REMOVE queued")
		slotUpd.ConditionExpression = aws.String("running = :id AND queued = :q")
		slotUpd.ExpressionAttributeValues[":q"] = str(q)
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.Table), Key: key(pk, SyncSK(q)),
			UpdateExpression:         aws.String("SET #status = :running, startedAt = :at, GSI2PK = :g2"),
			ConditionExpression:      aws.String("#status = :queued"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":running": str(string(fsync.Running)), ":queued": str(string(fsync.Queued)),
				":at": str(formatTime(at)), ":g2": str(SyncStatusGSI2PK(tenantID, fsync.Running)),
			},
		}})
		for k, v := range moved(t, fsync.Queued, fsync.Running) {
			delta[k] += v
		}
		promoted = &fsync.Sync{ID: q, TenantID: tenantID, Type: t, Status: fsync.Running}
	}
	items = append(items, s.counterUpdate(tenantID, nonZero(delta)))
	err := s.transact(ctx, items)
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) > 0 &&
		aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		again = true // the slot is not as read; the next round tells why
	}
	if err = classify("end sync", err,
		platform.E(platform.KindConflict, "sync slot changed"),
		platform.E(platform.KindConflict, "sync "+syncID+" is not running"),
		platform.E(platform.KindConflict, "queued sync is not queued")); err != nil {
		return nil, again, err
	}
	if promoted != nil {
		sy, err := s.GetSync(ctx, tenantID, promoted.ID)
		if err != nil {
			return nil, false, fmt.Errorf("end sync: promoted sync: %w", err)
		}
		promoted = &sy
	}
	return promoted, false, nil
}

func nonZero(d map[string]int64) map[string]int64 {
	for k, v := range d {
		if v == 0 {
			delete(d, k)
		}
	}
	return d
}

func updateInput(u *types.Update) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ConditionExpression: u.ConditionExpression, ExpressionAttributeNames: u.ExpressionAttributeNames,
		ExpressionAttributeValues: u.ExpressionAttributeValues,
	}
}

// Watermarks: per (tenant, sync type, shop), when the last completed sync
// that read the shop started. The next sync reads the shop incrementally
// from there.
//
//	PK             SK                          item
//	TENANT#<t>     SYNCMARK#<type>#<shop>      at
const skSyncMark = "SYNCMARK#"

// SyncMarkSK is the sort key of a shop's watermark for syncs of type t.
func SyncMarkSK(t fsync.Type, shop string) string { return skSyncMark + string(t) + sep + shop }

type syncMarkItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"type"`
	At   string `dynamodbav:"at"`
}

// SyncWatermark is when the last completed sync of type t that read shop
// started (zero when none has).
func (s *Store) SyncWatermark(ctx context.Context, tenantID string, t fsync.Type, shop string) (time.Time, error) {
	var it syncMarkItem
	found, err := s.getItem(ctx, TenantPK(tenantID), SyncMarkSK(t, shop), &it)
	if err != nil || !found {
		return time.Time{}, err
	}
	return parseTime(it.At)
}

// SetSyncWatermark moves shop's watermark for type t forward to at (never
// back: a condition keeps the newest, since syncs of one type end in order
// but a retried end may come late).
func (s *Store) SetSyncWatermark(ctx context.Context, tenantID string, t fsync.Type, shop string, at time.Time) error {
	av, err := marshal(syncMarkItem{PK: TenantPK(tenantID), SK: SyncMarkSK(t, shop), Type: "SYNCMARK", At: formatTime(at)})
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.Table), Item: av,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR #at <= :at"),
		ExpressionAttributeNames:  map[string]string{"#at": "at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(formatTime(at))},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil // a newer watermark is kept
	}
	if err != nil {
		return fmt.Errorf("set sync watermark: %w", err)
	}
	return nil
}
