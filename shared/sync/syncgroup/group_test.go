package syncgroup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store"
	fsync "github.com/flux-platform/flux/shared/sync"
)

type fakeStorage struct{ groups map[string]config.StoreGroup }

func (f fakeStorage) StoreGroup(_ context.Context, tenantID string) (config.StoreGroup, error) {
	g, ok := f.groups[tenantID]
	if !ok {
		return config.StoreGroup{}, platform.E(platform.KindNotFound, "store group not found")
	}
	return g, nil
}

// fakeStore keeps syncs in memory with the store's slot rule.
type fakeStore struct {
	mu      sync.Mutex
	syncs   map[string]fsync.Sync // tenant|id
	running map[string]string     // tenant|type
	queued  map[string]string
}

func newFakeStore() *fakeStore {
	return &fakeStore{syncs: map[string]fsync.Sync{}, running: map[string]string{}, queued: map[string]string{}}
}

func (f *fakeStore) CreateSync(_ context.Context, s fsync.Sync) (fsync.Sync, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	slot := s.TenantID + "|" + string(s.Type)
	if q := f.queued[slot]; q != "" {
		return f.syncs[s.TenantID+"|"+q], false, nil
	}
	if f.running[slot] == "" {
		s.Status = fsync.Running
		f.running[slot] = s.ID
	} else {
		s.Status = fsync.Queued
		f.queued[slot] = s.ID
	}
	f.syncs[s.TenantID+"|"+s.ID] = s
	return s, true, nil
}

func (f *fakeStore) FinishSync(_ context.Context, tenantID string, t fsync.Type, id string, st fsync.Status, msg string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.syncs[tenantID+"|"+id]
	s.Status, s.Error = st, msg
	f.syncs[tenantID+"|"+id] = s
	delete(f.running, tenantID+"|"+string(t))
	return nil
}

func (f *fakeStore) GetSync(_ context.Context, tenantID, id string) (fsync.Sync, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.syncs[tenantID+"|"+id]
	if !ok {
		return fsync.Sync{}, platform.E(platform.KindNotFound, "sync "+id+" not found")
	}
	return s, nil
}

func (f *fakeStore) SyncSlot(ctx context.Context, tenantID string, t fsync.Type) (*fsync.Sync, *fsync.Sync, error) {
	get := func(id string) *fsync.Sync {
		if id == "" {
			return nil
		}
		s, _ := f.GetSync(ctx, tenantID, id)
		return &s
	}
	f.mu.Lock()
	r, q := f.running[tenantID+"|"+string(t)], f.queued[tenantID+"|"+string(t)]
	f.mu.Unlock()
	return get(r), get(q), nil
}

func (f *fakeStore) ListSyncs(_ context.Context, tenantID string, fl store.SyncFilter, p store.Page) ([]fsync.Sync, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fsync.Sync
	for _, s := range f.syncs {
		if s.TenantID == tenantID && (fl.Type == "" || fl.Type == s.Type) && (fl.Status == "" || fl.Status == s.Status) {
			out = append(out, s)
		}
	}
	return out, len(out) + 1000*p.Offset + 100000*p.Limit, nil
}

func (f *fakeStore) ListOperations(ctx context.Context, tenantID, id string, t fsync.OperationType, p store.Page) ([]fsync.Operation, int, error) {
	if _, err := f.GetSync(ctx, tenantID, id); err != nil {
		return nil, 0, err
	}
	return []fsync.Operation{{ID: "op1", Type: fsync.Create, ObjectType: "PRODUCT", Canonical: "hat", Shop: "src.myshopify.com", CreatedAt: t0}}, p.Limit, nil
}

type fakeQueue struct {
	mu   sync.Mutex
	msgs []Message
	err  error
}

func (q *fakeQueue) Send(_ context.Context, m Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.msgs = append(q.msgs, m)
	return nil
}

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func caller(tenant string, scopes ...auth.Scope) auth.Identity {
	return auth.Identity{TenantID: tenant, Principal: "key_x", PrincipalType: auth.PrincipalAPIKey, Scopes: scopes}
}

var (
	reader     = caller("acme", auth.ScopeSyncRead)
	writer     = caller("acme", auth.ScopeSyncRead, auth.ScopeSyncWrite)
	storeGroup = config.StoreGroup{Name: "g", Stores: []config.Store{
		{Domain: "prod.myshopify.com", Classification: config.Production},
		{Domain: "src.myshopify.com", Classification: config.Source},
	}}
)

func newGroup(st *fakeStore, q *fakeQueue) *rpc.Group {
	n := 0
	var mu sync.Mutex
	return New(Options{
		Storage: fakeStorage{groups: map[string]config.StoreGroup{"acme": storeGroup, "other": storeGroup}},
		Store:   st, Queue: q, Now: func() time.Time { return t0 },
		NewID: func() string { mu.Lock(); defer mu.Unlock(); n++; return fmt.Sprintf("sync_%02d", n) },
	})
}

func do(t *testing.T, g *rpc.Group, id auth.Identity, op string, args any) (json.RawMessage, *rpc.Error) {
	t.Helper()
	raw, _ := json.Marshal(args)
	resp, err := g.Handle(t.Context(), rpc.Request{Group: GroupName, Operation: op, Identity: id, Arguments: raw})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Result, resp.Error
}

func TestStartSyncRunningQueuedAlreadyQueued(t *testing.T) {
	st, q := newFakeStore(), &fakeQueue{}
	g := newGroup(st, q)
	by := "api"
	var got []StartSyncResult
	for range 3 {
		raw, e := do(t, g, writer, OpStartSync, StartSyncArgs{Type: "OBJECTS", TriggeredBy: &by})
		if e != nil {
			t.Fatal(e)
		}
		var r StartSyncResult
		_ = json.Unmarshal(raw, &r)
		got = append(got, r)
	}
	cfg := StartSyncConfig{
		Stores:         []StoreRef{{"prod.myshopify.com", "PRODUCTION"}, {"src.myshopify.com", "SOURCE"}},
		ReadFromStores: []string{"src.myshopify.com", "prod.myshopify.com"},
	}
	want := []StartSyncResult{
		{SyncID: "sync_01", Status: "RUNNING", Message: "OBJECTS sync started.", Config: cfg},
		{SyncID: "sync_02", Status: "QUEUED", Message: "A OBJECTS sync is running; this sync is queued and starts when it ends.", Config: cfg},
		{SyncID: "sync_02", Status: "QUEUED", Message: "A OBJECTS sync is already queued (sync_02); it will start when the running one ends. No new sync was created.", Config: cfg},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Message{{TenantID: "acme", SyncID: "sync_01", Type: "OBJECTS"}}, q.msgs); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}
}

func TestStartSyncQueueFailureFreesTheSlot(t *testing.T) {
	st, q := newFakeStore(), &fakeQueue{err: errors.New("sqs down")}
	g := newGroup(st, q)
	if _, e := do(t, g, writer, OpStartSync, StartSyncArgs{Type: "THEME"}); e == nil || e.Code != "INTERNAL_ERROR" {
		t.Fatalf("error %+v, want INTERNAL_ERROR", e)
	}
	if s, _ := st.GetSync(t.Context(), "acme", "sync_01"); s.Status != fsync.Failed {
		t.Errorf("status %s, want FAILED", s.Status)
	}
	q.err = nil
	raw, e := do(t, g, writer, OpStartSync, StartSyncArgs{Type: "THEME"})
	if e != nil || !json.Valid(raw) {
		t.Fatal(e)
	}
	var r StartSyncResult
	_ = json.Unmarshal(raw, &r)
	if r.Status != "RUNNING" {
		t.Errorf("after the failure: %s, want RUNNING", r.Status)
	}
}

func TestErrors(t *testing.T) {
	st, q := newFakeStore(), &fakeQueue{}
	g := newGroup(st, q)
	if _, e := do(t, g, writer, OpStartSync, StartSyncArgs{Type: "OBJECTS"}); e != nil {
		t.Fatal(e)
	}
	neg, big := -1, 501
	tests := []struct {
		name string
		id   auth.Identity
		op   string
		args any
		code string
	}{
		{"startSync needs sync:write", reader, OpStartSync, StartSyncArgs{Type: "OBJECTS"}, "FORBIDDEN"},
		{"queries need sync:read", caller("acme", auth.ScopeSyncWrite), OpSyncStatus, SyncStatusArgs{}, "FORBIDDEN"},
		{"history needs sync:read", caller("acme"), OpSyncHistory, SyncHistoryArgs{}, "FORBIDDEN"},
		{"bad type", writer, OpStartSync, StartSyncArgs{Type: "PAGES"}, "VALIDATION_ERROR"},
		{"no store group", caller("nogroup", auth.ScopeSyncWrite), OpStartSync, StartSyncArgs{Type: "OBJECTS"}, "VALIDATION_ERROR"},
		{"bad status", reader, OpSyncHistory, SyncHistoryArgs{Status: ptr("DONE")}, "VALIDATION_ERROR"},
		{"negative offset", reader, OpSyncHistory, SyncHistoryArgs{Offset: &neg}, "VALIDATION_ERROR"},
		{"limit too large", reader, OpSyncOperations, SyncOperationsArgs{SyncID: "sync_01", Limit: &big}, "VALIDATION_ERROR"},
		{"bad operation type", reader, OpSyncOperations, SyncOperationsArgs{SyncID: "sync_01", Type: ptr("MOVE")}, "VALIDATION_ERROR"},
		{"another tenant's sync", caller("other", auth.ScopeSyncRead), OpSync, SyncArgs{ID: "sync_01"}, "NOT_FOUND"},
		{"another tenant's operations", caller("other", auth.ScopeSyncRead), OpSyncOperations, SyncOperationsArgs{SyncID: "sync_01"}, "NOT_FOUND"},
		{"empty id", reader, OpSync, SyncArgs{}, "VALIDATION_ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := do(t, g, tt.id, tt.op, tt.args)
			if e == nil || e.Code != tt.code {
				t.Errorf("error %+v, want %s", e, tt.code)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestQueriesAndDefaults(t *testing.T) {
	st, q := newFakeStore(), &fakeQueue{}
	g := newGroup(st, q)
	for range 2 {
		if _, e := do(t, g, writer, OpStartSync, StartSyncArgs{Type: "OBJECTS", TriggeredBy: ptr("ci")}); e != nil {
			t.Fatal(e)
		}
	}
	raw, e := do(t, g, reader, OpSyncStatus, SyncStatusArgs{})
	if e != nil {
		t.Fatal(e)
	}
	var status SyncStatusResult
	_ = json.Unmarshal(raw, &status)
	if status.Current == nil || status.Current.ID != "sync_01" || status.Queued == nil || status.Queued.ID != "sync_02" {
		t.Errorf("status %+v", status)
	}
	if *status.Current.TriggeredBy != "ci" || status.Current.TriggeredAt != "2026-11-24T10:00:00Z" {
		t.Errorf("current %+v", status.Current)
	}
	// Defaults: history limit 20 offset 0 (the fake encodes them in the total).
	raw, _ = do(t, g, reader, OpSyncHistory, SyncHistoryArgs{Type: ptr("OBJECTS")})
	var h SyncHistoryResult
	_ = json.Unmarshal(raw, &h)
	if h.Total != 2+100000*20 || len(h.Syncs) != 2 {
		t.Errorf("history total %d len %d", h.Total, len(h.Syncs))
	}
	raw, _ = do(t, g, reader, OpSyncOperations, SyncOperationsArgs{SyncID: "sync_01"})
	var ops SyncOperationsResult
	_ = json.Unmarshal(raw, &ops)
	if ops.Total != 100 || len(ops.Operations) != 1 || ops.Operations[0].CreatedAt != "2026-11-24T10:00:00Z" {
		t.Errorf("operations %+v", ops)
	}
	raw, e = do(t, g, reader, OpSync, SyncArgs{ID: "sync_02"})
	var s Sync
	_ = json.Unmarshal(raw, &s)
	if e != nil || s.Status != "QUEUED" || s.Type != "OBJECTS" {
		t.Errorf("sync %+v %v", s, e)
	}
}
