package graphql

import (
	"context"

	graphqlgo "github.com/graph-gophers/graphql-go"

	"github.com/flux-platform/flux/shared/sync/syncgroup"
)

// The sync fields of seed 000 (resolver group sync). The group's wire types
// are wrapped where GraphQL wants other Go types (ID, 32-bit Int).

// SyncStatus resolves Query.syncStatus.
func (r *queryResolver) SyncStatus(ctx context.Context, args struct{ Type *string }) (*syncStatusResolver, error) {
	out, err := call[syncgroup.SyncStatusResult](ctx, r.t, syncgroup.GroupName, syncgroup.OpSyncStatus,
		syncgroup.SyncStatusArgs{Type: args.Type})
	if err != nil {
		return nil, err
	}
	return &syncStatusResolver{Current: syncRes(out.Current), Queued: syncRes(out.Queued)}, nil
}

// SyncHistory resolves Query.syncHistory.
func (r *queryResolver) SyncHistory(ctx context.Context, args struct {
	Type   *string
	Status *string
	Limit  graphqlgo.NullInt
	Offset graphqlgo.NullInt
}) (*syncHistoryResolver, error) {
	out, err := call[syncgroup.SyncHistoryResult](ctx, r.t, syncgroup.GroupName, syncgroup.OpSyncHistory,
		syncgroup.SyncHistoryArgs{Type: args.Type, Status: args.Status, Limit: intOf(args.Limit), Offset: intOf(args.Offset)})
	if err != nil {
		return nil, err
	}
	res := &syncHistoryResolver{Syncs: make([]*syncResolver, len(out.Syncs)), Total: int32(out.Total)}
	for i := range out.Syncs {
		res.Syncs[i] = syncRes(&out.Syncs[i])
	}
	return res, nil
}

// Sync resolves Query.sync.
func (r *queryResolver) Sync(ctx context.Context, args struct{ ID graphqlgo.ID }) (*syncResolver, error) {
	out, err := call[syncgroup.Sync](ctx, r.t, syncgroup.GroupName, syncgroup.OpSync, syncgroup.SyncArgs{ID: string(args.ID)})
	if err != nil {
		return nil, err
	}
	return syncRes(&out), nil
}

// SyncOperations resolves Query.syncOperations.
func (r *queryResolver) SyncOperations(ctx context.Context, args struct {
	SyncID graphqlgo.ID
	Type   *string
	Limit  graphqlgo.NullInt
	Offset graphqlgo.NullInt
}) (*syncOperationsResolver, error) {
	out, err := call[syncgroup.SyncOperationsResult](ctx, r.t, syncgroup.GroupName, syncgroup.OpSyncOperations,
		syncgroup.SyncOperationsArgs{SyncID: string(args.SyncID), Type: args.Type, Limit: intOf(args.Limit), Offset: intOf(args.Offset)})
	if err != nil {
		return nil, err
	}
	res := &syncOperationsResolver{Operations: make([]*syncOperationResolver, len(out.Operations)), Total: int32(out.Total)}
	for i, o := range out.Operations {
		res.Operations[i] = &syncOperationResolver{o: o}
	}
	return res, nil
}

// StartSync resolves Mutation.startSync.
func (r *mutationResolver) StartSync(ctx context.Context, args struct {
	Type        string
	TriggeredBy *string
}) (*startSyncResolver, error) {
	out, err := call[syncgroup.StartSyncResult](ctx, r.t, syncgroup.GroupName, syncgroup.OpStartSync,
		syncgroup.StartSyncArgs{Type: args.Type, TriggeredBy: args.TriggeredBy})
	if err != nil {
		return nil, err
	}
	return &startSyncResolver{r: out}, nil
}

type syncStatusResolver struct {
	Current *syncResolver
	Queued  *syncResolver
}

type syncHistoryResolver struct {
	Syncs []*syncResolver
	Total int32
}

type syncOperationsResolver struct {
	Operations []*syncOperationResolver
	Total      int32
}

func syncRes(s *syncgroup.Sync) *syncResolver {
	if s == nil {
		return nil
	}
	return &syncResolver{s: *s}
}

// syncResolver is Sync.
type syncResolver struct{ s syncgroup.Sync }

func (r *syncResolver) ID() graphqlgo.ID       { return graphqlgo.ID(r.s.ID) }
func (r *syncResolver) Type() string           { return r.s.Type }
func (r *syncResolver) Status() string         { return r.s.Status }
func (r *syncResolver) TriggeredBy() *string   { return r.s.TriggeredBy }
func (r *syncResolver) TriggeredAt() string    { return r.s.TriggeredAt }
func (r *syncResolver) StartedAt() *string     { return r.s.StartedAt }
func (r *syncResolver) CompletedAt() *string   { return r.s.CompletedAt }
func (r *syncResolver) Error() *string         { return r.s.Error }
func (r *syncResolver) OperationsCount() int32 { return int32(r.s.OperationsCount) }
func (r *syncResolver) Stats() *syncStatsResolver {
	st := r.s.Stats
	return &syncStatsResolver{
		Processed: int32(st.Processed), Created: int32(st.Created), Updated: int32(st.Updated),
		Warnings: int32(st.Warnings), Errors: int32(st.Errors),
	}
}

type syncStatsResolver struct {
	Processed, Created, Updated, Warnings, Errors int32
}

// syncOperationResolver is SyncOperation.
type syncOperationResolver struct{ o syncgroup.Operation }

func (r *syncOperationResolver) ID() graphqlgo.ID   { return graphqlgo.ID(r.o.ID) }
func (r *syncOperationResolver) Type() string       { return r.o.Type }
func (r *syncOperationResolver) ObjectType() string { return r.o.ObjectType }
func (r *syncOperationResolver) Canonical() string  { return r.o.Canonical }
func (r *syncOperationResolver) Shop() string       { return r.o.Shop }
func (r *syncOperationResolver) CreatedAt() string  { return r.o.CreatedAt }
func (r *syncOperationResolver) Details() *string {
	if r.o.Details == "" {
		return nil
	}
	return &r.o.Details
}

// startSyncResolver is StartSyncResult.
type startSyncResolver struct{ r syncgroup.StartSyncResult }

func (r *startSyncResolver) SyncID() graphqlgo.ID { return graphqlgo.ID(r.r.SyncID) }
func (r *startSyncResolver) Status() string       { return r.r.Status }
func (r *startSyncResolver) Message() *string     { return &r.r.Message }
func (r *startSyncResolver) Config() *syncConfigResolver {
	return &syncConfigResolver{Stores: r.r.Config.Stores, ReadFromStores: r.r.Config.ReadFromStores}
}

type syncConfigResolver struct {
	Stores         []syncgroup.StoreRef
	ReadFromStores []string
}
