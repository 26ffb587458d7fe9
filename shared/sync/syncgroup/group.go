// Package syncgroup is the sync resolver group (the graphql-sync function):
// seed 000's startSync, syncStatus, syncHistory, sync and syncOperations.
// Queries need sync:read, startSync needs sync:write; every read is under the
// caller's tenant, so another tenant's sync id is NOT_FOUND.
//
// startSync creates the sync RUNNING when no sync of its type runs for the
// tenant and sends {tenantId, syncId, type} to the SyncQueue for the worker;
// QUEUED when one runs and none waits (no message: the worker promotes the
// queued sync when the running one ends); and when one already waits it
// returns that one with a message saying so, creating nothing.
package syncgroup

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
	"github.com/flux-platform/flux/shared/sync/syncqueue"
)

// GroupName is the name of this resolver group on the rpc contract.
const GroupName = "sync"

// Operations of the sync group, named as the GraphQL fields.
const (
	OpStartSync      = "startSync"
	OpSyncStatus     = "syncStatus"
	OpSyncHistory    = "syncHistory"
	OpSync           = "sync"
	OpSyncOperations = "syncOperations"
)

// Limits and defaults (seed 000: syncHistory limit 20, syncOperations 100).
const (
	DefaultHistoryLimit    = 20
	DefaultOperationsLimit = 100
	MaxLimit               = 500
	// MaxOffset bounds offsets: an offset is read and skipped.
	MaxOffset = 10000
	// MaxTriggeredBy bounds the triggeredBy label.
	MaxTriggeredBy = 200
)

// Store is what the group needs of the table (*store.Store).
type Store interface {
	CreateSync(ctx context.Context, s fsync.Sync) (fsync.Sync, bool, error)
	FinishSync(ctx context.Context, tenantID string, t fsync.Type, syncID string, st fsync.Status, errMsg string, at time.Time) error
	GetSync(ctx context.Context, tenantID, syncID string) (fsync.Sync, error)
	SyncSlot(ctx context.Context, tenantID string, t fsync.Type) (running, queued *fsync.Sync, err error)
	ListSyncs(ctx context.Context, tenantID string, f store.SyncFilter, p store.Page) ([]fsync.Sync, int, error)
	ListOperations(ctx context.Context, tenantID, syncID string, t fsync.OperationType, p store.Page) ([]fsync.Operation, int, error)
}

// Queue is where a started sync is announced to the worker (an SQS queue,
// see NewSQSQueue).
type Queue interface {
	Send(ctx context.Context, m Message) error
}

// Message is the SyncQueue message body.
type Message = fsync.Message

// Stats is the wire shape of SyncStats.
type Stats struct {
	Processed int `json:"processed"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Warnings  int `json:"warnings"`
	Errors    int `json:"errors"`
}

// Sync is the wire shape of Sync (times RFC 3339).
type Sync struct {
	ID              string  `json:"id"`
	Type            string  `json:"type"`
	Status          string  `json:"status"`
	TriggeredBy     *string `json:"triggeredBy,omitempty"`
	TriggeredAt     string  `json:"triggeredAt"`
	StartedAt       *string `json:"startedAt,omitempty"`
	CompletedAt     *string `json:"completedAt,omitempty"`
	Error           *string `json:"error,omitempty"`
	Stats           Stats   `json:"stats"`
	OperationsCount int     `json:"operationsCount"`
}

// Operation is the wire shape of SyncOperation.
type Operation struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	ObjectType string `json:"objectType"`
	Canonical  string `json:"canonical"`
	Shop       string `json:"shop"`
	Details    string `json:"details,omitempty"`
	CreatedAt  string `json:"createdAt"`
}

// StartSyncArgs are startSync's arguments.
type StartSyncArgs struct {
	Type        string  `json:"type"`
	TriggeredBy *string `json:"triggeredBy,omitempty"`
}

// StoreRef is the wire shape of a store of the config.
type StoreRef struct {
	Domain         string `json:"domain"`
	Classification string `json:"classification"`
}

// StartSyncConfig is what the sync reads.
type StartSyncConfig struct {
	Stores         []StoreRef `json:"stores"`
	ReadFromStores []string   `json:"readFromStores"`
}

// StartSyncResult is startSync's answer.
type StartSyncResult struct {
	SyncID  string          `json:"syncId"`
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Config  StartSyncConfig `json:"config"`
}

// SyncStatusArgs are syncStatus's arguments (type optional: OBJECTS).
type SyncStatusArgs struct {
	Type *string `json:"type,omitempty"`
}

// SyncStatusResult is syncStatus's answer.
type SyncStatusResult struct {
	Current *Sync `json:"current,omitempty"`
	Queued  *Sync `json:"queued,omitempty"`
}

// SyncHistoryArgs are syncHistory's arguments.
type SyncHistoryArgs struct {
	Type   *string `json:"type,omitempty"`
	Status *string `json:"status,omitempty"`
	Limit  *int    `json:"limit,omitempty"`
	Offset *int    `json:"offset,omitempty"`
}

// SyncHistoryResult is syncHistory's answer.
type SyncHistoryResult struct {
	Syncs []Sync `json:"syncs"`
	Total int    `json:"total"`
}

// SyncArgs are sync's arguments.
type SyncArgs struct {
	ID string `json:"id"`
}

// SyncOperationsArgs are syncOperations' arguments.
type SyncOperationsArgs struct {
	SyncID string  `json:"syncId"`
	Type   *string `json:"type,omitempty"`
	Limit  *int    `json:"limit,omitempty"`
	Offset *int    `json:"offset,omitempty"`
}

// SyncOperationsResult is syncOperations' answer.
type SyncOperationsResult struct {
	Operations []Operation `json:"operations"`
	Total      int         `json:"total"`
}

// Options are the group's dependencies.
type Options struct {
	Storage config.Storage
	Store   Store
	Queue   Queue
	Log     *slog.Logger
	// Audit records every startSync, allowed or not (store.AuditLog in
	// the function; nil records nothing).
	Audit audit.Recorder
	// Now and NewID default to time.Now and "sync_" + a ULID.
	Now   func() time.Time
	NewID func() string
}

// New is the sync resolver group.
func New(o Options) *rpc.Group {
	g := &group{Options: o}
	if g.Now == nil {
		g.Now = time.Now
	}
	if g.NewID == nil {
		g.NewID = fsync.NewID
	}
	return &rpc.Group{
		Name: GroupName,
		Log:  o.Log,
		Ops: map[string]rpc.Operation{
			OpStartSync:      rpc.Op(g.startSync),
			OpSyncStatus:     rpc.Op(g.syncStatus),
			OpSyncHistory:    rpc.Op(g.syncHistory),
			OpSync:           rpc.Op(g.sync),
			OpSyncOperations: rpc.Op(g.syncOperations),
		},
	}
}

type group struct{ Options }

func timeStr(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func timePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timeStr(*t)
	return &s
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Wire is the wire shape of a sync.
func Wire(s fsync.Sync) Sync {
	return Sync{
		ID: s.ID, Type: string(s.Type), Status: string(s.Status), TriggeredBy: strPtr(s.TriggeredBy),
		TriggeredAt: timeStr(s.TriggeredAt), StartedAt: timePtr(s.StartedAt), CompletedAt: timePtr(s.CompletedAt),
		Error: strPtr(s.Error),
		Stats: Stats{
			Processed: s.Stats.Processed, Created: s.Stats.Created, Updated: s.Stats.Updated,
			Warnings: s.Stats.Warnings, Errors: s.Stats.Errors,
		},
		OperationsCount: s.OperationsCount,
	}
}

func wirePtr(s *fsync.Sync) *Sync {
	if s == nil {
		return nil
	}
	w := Wire(*s)
	return &w
}

func page(limit, offset *int, def int) (store.Page, error) {
	p := store.Page{Limit: def}
	if limit != nil {
		p.Limit = *limit
	}
	if offset != nil {
		p.Offset = *offset
	}
	if p.Limit < 1 || p.Limit > MaxLimit {
		return p, platform.E(platform.KindValidation, fmt.Sprintf("limit must be between 1 and %d, got %d", MaxLimit, p.Limit))
	}
	if p.Offset < 0 || p.Offset > MaxOffset {
		return p, platform.E(platform.KindValidation, fmt.Sprintf("offset must be between 0 and %d, got %d", MaxOffset, p.Offset))
	}
	return p, nil
}

// startSync audits every call: the sync started or queued (success, with
// the sync id), an existing queued sync returned (success, nothing
// created), or the refusal.
func (g *group) startSync(ctx context.Context, args StartSyncArgs) (StartSyncResult, error) {
	res, err := g.doStartSync(ctx, args)
	e := audit.Entry{Action: audit.ActionSyncStart, ResourceType: audit.ResourceSync, ResourceID: res.SyncID,
		Result: audit.ResultOf(err), Detail: audit.DetailOf(err)}
	if err == nil {
		e.Detail = fmt.Sprintf("type %s, status %s: %s", args.Type, res.Status, res.Message)
	}
	audit.Write(ctx, g.Audit, e)
	return res, err
}

func (g *group) doStartSync(ctx context.Context, args StartSyncArgs) (StartSyncResult, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeSyncWrite); err != nil {
		return StartSyncResult{}, err
	}
	t, err := fsync.ParseType(args.Type)
	if err != nil {
		return StartSyncResult{}, err
	}
	triggeredBy := ""
	if args.TriggeredBy != nil {
		triggeredBy = strings.TrimSpace(*args.TriggeredBy)
	}
	if len(triggeredBy) > MaxTriggeredBy {
		return StartSyncResult{}, platform.E(platform.KindValidation, fmt.Sprintf("triggeredBy must be at most %d characters", MaxTriggeredBy))
	}
	sg, err := g.Storage.StoreGroup(ctx, caller.TenantID)
	if platform.KindOf(err) == platform.KindNotFound || (err == nil && len(sg.Stores) == 0) {
		return StartSyncResult{}, platform.E(platform.KindValidation, "your store group has no stores: add a store before syncing")
	}
	if err != nil {
		return StartSyncResult{}, fmt.Errorf("store group of tenant %s: %w", caller.TenantID, err)
	}
	cfg := StartSyncConfig{ReadFromStores: fsync.ReadFromStores(sg)}
	for _, s := range sg.Stores {
		cfg.Stores = append(cfg.Stores, StoreRef{Domain: s.Domain, Classification: string(s.Classification)})
	}
	starter := fsync.Starter{Store: g.Store, Send: g.Queue.Send, Now: g.Now, NewID: g.NewID}
	sy, created, err := starter.Start(ctx, caller.TenantID, sg, t, triggeredBy)
	if err != nil {
		return StartSyncResult{}, err
	}
	res := StartSyncResult{SyncID: sy.ID, Status: string(sy.Status), Config: cfg}
	switch {
	case !created:
		res.Message = fmt.Sprintf("A %s sync is already queued (%s); it will start when the running one ends. No new sync was created.", t, sy.ID)
		if len(sy.ReadFromStores) > 0 {
			res.Config.ReadFromStores = sy.ReadFromStores
		}
	case sy.Status == fsync.Queued:
		res.Message = fmt.Sprintf("A %s sync is running; this sync is queued and starts when it ends.", t)
	default:
		res.Message = fmt.Sprintf("%s sync started.", t)
	}
	return res, nil
}

func (g *group) syncStatus(ctx context.Context, args SyncStatusArgs) (SyncStatusResult, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeSyncRead); err != nil {
		return SyncStatusResult{}, err
	}
	t := fsync.Objects
	if args.Type != nil {
		var err error
		if t, err = fsync.ParseType(*args.Type); err != nil {
			return SyncStatusResult{}, err
		}
	}
	running, queued, err := g.Store.SyncSlot(ctx, caller.TenantID, t)
	if err != nil {
		return SyncStatusResult{}, err
	}
	return SyncStatusResult{Current: wirePtr(running), Queued: wirePtr(queued)}, nil
}

func (g *group) syncHistory(ctx context.Context, args SyncHistoryArgs) (SyncHistoryResult, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeSyncRead); err != nil {
		return SyncHistoryResult{}, err
	}
	var f store.SyncFilter
	var err error
	if args.Type != nil {
		if f.Type, err = fsync.ParseType(*args.Type); err != nil {
			return SyncHistoryResult{}, err
		}
	}
	if args.Status != nil {
		if f.Status, err = fsync.ParseStatus(*args.Status); err != nil {
			return SyncHistoryResult{}, err
		}
	}
	p, err := page(args.Limit, args.Offset, DefaultHistoryLimit)
	if err != nil {
		return SyncHistoryResult{}, err
	}
	syncs, total, err := g.Store.ListSyncs(ctx, caller.TenantID, f, p)
	if err != nil {
		return SyncHistoryResult{}, err
	}
	out := SyncHistoryResult{Syncs: make([]Sync, len(syncs)), Total: total}
	for i, s := range syncs {
		out.Syncs[i] = Wire(s)
	}
	return out, nil
}

func validID(id string) error {
	if id == "" || len(id) > 64 {
		return platform.E(platform.KindValidation, "a sync id is 1 to 64 characters")
	}
	return nil
}

func (g *group) sync(ctx context.Context, args SyncArgs) (Sync, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeSyncRead); err != nil {
		return Sync{}, err
	}
	if err := validID(args.ID); err != nil {
		return Sync{}, err
	}
	s, err := g.Store.GetSync(ctx, caller.TenantID, args.ID)
	if err != nil {
		return Sync{}, err
	}
	return Wire(s), nil
}

func (g *group) syncOperations(ctx context.Context, args SyncOperationsArgs) (SyncOperationsResult, error) {
	caller := auth.IdentityFrom(ctx)
	if err := caller.Require(auth.ScopeSyncRead); err != nil {
		return SyncOperationsResult{}, err
	}
	if err := validID(args.SyncID); err != nil {
		return SyncOperationsResult{}, err
	}
	var t fsync.OperationType
	if args.Type != nil {
		var err error
		if t, err = fsync.ParseOperationType(*args.Type); err != nil {
			return SyncOperationsResult{}, err
		}
	}
	p, err := page(args.Limit, args.Offset, DefaultOperationsLimit)
	if err != nil {
		return SyncOperationsResult{}, err
	}
	ops, total, err := g.Store.ListOperations(ctx, caller.TenantID, args.SyncID, t, p)
	if err != nil {
		return SyncOperationsResult{}, err
	}
	out := SyncOperationsResult{Operations: make([]Operation, len(ops)), Total: total}
	for i, o := range ops {
		out.Operations[i] = Operation{
			ID: o.ID, Type: string(o.Type), ObjectType: o.ObjectType, Canonical: o.Canonical,
			Shop: o.Shop, Details: o.Details, CreatedAt: timeStr(o.CreatedAt),
		}
	}
	return out, nil
}

// SQSQueue sends Messages to SyncQueue.
type SQSQueue = syncqueue.SQSQueue
