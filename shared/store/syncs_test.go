package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
)

var syncT0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func newSync(tenant, id string, t fsync.Type, at time.Time) fsync.Sync {
	return fsync.Sync{ID: id, TenantID: tenant, Type: t, TriggeredBy: "test", TriggeredAt: at, ReadFromStores: []string{"src.myshopify.com"}}
}

func TestCreateSyncConcurrentOneRunningOneQueued(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	const n = 5
	type res struct {
		s       fsync.Sync
		created bool
		err     error
	}
	out := make([]res, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sy, created, err := s.CreateSync(ctx, newSync("acme", fmt.Sprintf("sync_%02d", i), fsync.Objects, syncT0))
			out[i] = res{sy, created, err}
		}()
	}
	wg.Wait()
	statuses := map[fsync.Status]int{}
	var queuedID string
	for _, r := range out {
		if r.err != nil {
			t.Fatalf("CreateSync: %v", r.err)
		}
		if r.created {
			statuses[r.s.Status]++
			if r.s.Status == fsync.Queued {
				queuedID = r.s.ID
			}
		}
	}
	if diff := cmp.Diff(map[fsync.Status]int{fsync.Running: 1, fsync.Queued: 1}, statuses); diff != "" {
		t.Fatalf("created (-want +got):\n%s", diff)
	}
	for _, r := range out {
		if !r.created && (r.s.ID != queuedID || r.s.Status != fsync.Queued) {
			t.Errorf("not created, got %s %s, want the queued %s", r.s.ID, r.s.Status, queuedID)
		}
	}
	running, queued, err := s.SyncSlot(ctx, "acme", fsync.Objects)
	if err != nil || running == nil || queued == nil || queued.ID != queuedID {
		t.Fatalf("slot: running %v queued %v err %v", running, queued, err)
	}
	_, total, err := s.ListSyncs(ctx, "acme", store.SyncFilter{}, store.Page{Limit: 10})
	if err != nil || total != 2 {
		t.Fatalf("total %d err %v, want 2", total, err)
	}
	// Another type has its own slot.
	if sy, created, err := s.CreateSync(ctx, newSync("acme", "sync_theme", fsync.Theme, syncT0)); err != nil || !created || sy.Status != fsync.Running {
		t.Fatalf("theme sync: %+v %v %v", sy, created, err)
	}
}

func TestSyncLifecycleHistoryAndIsolation(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	mustCreate := func(id string, typ fsync.Type, i int) fsync.Sync {
		t.Helper()
		sy, created, err := s.CreateSync(ctx, newSync("acme", id, typ, syncT0.Add(time.Duration(i)*time.Minute)))
		if err != nil || !created {
			t.Fatalf("create %s: %v %v", id, created, err)
		}
		return sy
	}
	// sync_01 runs and completes, sync_02 runs and fails, sync_03 runs, sync_04 queued; one THEME.
	mustCreate("sync_01", fsync.Objects, 1)
	if err := s.FinishSync(ctx, "acme", fsync.Objects, "sync_01", fsync.Completed, "", syncT0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	mustCreate("sync_02", fsync.Objects, 2)
	if err := s.FinishSync(ctx, "acme", fsync.Objects, "sync_02", fsync.Failed, "boom", syncT0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishSync(ctx, "acme", fsync.Objects, "sync_02", fsync.Completed, "", syncT0); platform.KindOf(err) != platform.KindConflict {
		t.Fatalf("finishing a finished sync: %v, want conflict", err)
	}
	mustCreate("sync_03", fsync.Objects, 3)
	mustCreate("sync_04", fsync.Objects, 4)
	mustCreate("sync_05", fsync.Theme, 5)

	ids := func(ss []fsync.Sync) []string {
		out := []string{}
		for _, x := range ss {
			out = append(out, x.ID)
		}
		return out
	}
	tests := []struct {
		name      string
		f         store.SyncFilter
		p         store.Page
		want      []string
		wantTotal int
	}{
		{"all newest first", store.SyncFilter{}, store.Page{Limit: 10}, []string{"sync_05", "sync_04", "sync_03", "sync_02", "sync_01"}, 5},
		{"offset and limit", store.SyncFilter{}, store.Page{Limit: 2, Offset: 1}, []string{"sync_04", "sync_03"}, 5},
		{"offset past the end", store.SyncFilter{}, store.Page{Limit: 2, Offset: 9}, []string{}, 5},
		{"type", store.SyncFilter{Type: fsync.Objects}, store.Page{Limit: 10}, []string{"sync_04", "sync_03", "sync_02", "sync_01"}, 4},
		{"status", store.SyncFilter{Status: fsync.Running}, store.Page{Limit: 10}, []string{"sync_05", "sync_03"}, 2},
		{"type and status", store.SyncFilter{Type: fsync.Objects, Status: fsync.Running}, store.Page{Limit: 10}, []string{"sync_03"}, 1},
		{"failed", store.SyncFilter{Status: fsync.Failed}, store.Page{Limit: 10}, []string{"sync_02"}, 1},
		{"completed theme", store.SyncFilter{Type: fsync.Theme, Status: fsync.Completed}, store.Page{Limit: 10}, []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.ListSyncs(ctx, "acme", tt.f, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" || total != tt.wantTotal {
				t.Errorf("ids (-want +got):\n%s total %d want %d", diff, total, tt.wantTotal)
			}
		})
	}
	failed, err := s.GetSync(ctx, "acme", "sync_02")
	if err != nil || failed.Status != fsync.Failed || failed.Error != "boom" || failed.CompletedAt == nil {
		t.Fatalf("failed sync: %+v %v", failed, err)
	}
	// Isolation: another tenant sees none of it.
	if _, err := s.GetSync(ctx, "other", "sync_02"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("other tenant's GetSync: %v, want not found", err)
	}
	if got, total, err := s.ListSyncs(ctx, "other", store.SyncFilter{}, store.Page{Limit: 10}); err != nil || len(got) != 0 || total != 0 {
		t.Errorf("other tenant's history: %v %d %v", got, total, err)
	}
	if _, _, err := s.ListOperations(ctx, "other", "sync_03", "", store.Page{Limit: 10}); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("other tenant's operations: %v, want not found", err)
	}
}

func TestAppendAndListOperations(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	if _, _, err := s.CreateSync(ctx, newSync("acme", "sync_01", fsync.Objects, syncT0)); err != nil {
		t.Fatal(err)
	}
	var ops []fsync.Operation
	for i := range 150 { // two transactions
		typ := []fsync.OperationType{fsync.Create, fsync.Update, fsync.Delete}[i%3]
		ops = append(ops, fsync.Operation{
			ID: fmt.Sprintf("op_%03d", i), Type: typ, ObjectType: "PRODUCT", Canonical: fmt.Sprintf("p-%03d", i),
			Shop: "src.myshopify.com", Details: "d", CreatedAt: syncT0,
		})
	}
	if err := s.AppendOperations(ctx, "acme", "sync_01", ops); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendOperations(ctx, "acme", "sync_01", ops[:1]); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("re-append: %v, want conflict", err)
	}
	if err := s.AppendOperations(ctx, "acme", "sync_none", ops[:1]); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("append to missing sync: %v, want not found", err)
	}
	sy, err := s.GetSync(ctx, "acme", "sync_01")
	if err != nil || sy.OperationsCount != 150 {
		t.Fatalf("operationsCount %d err %v", sy.OperationsCount, err)
	}
	tests := []struct {
		typ       fsync.OperationType
		p         store.Page
		wantFirst string
		wantLen   int
		wantTotal int
	}{
		{"", store.Page{Limit: 100}, "op_000", 100, 150},
		{fsync.Update, store.Page{Limit: 10, Offset: 2}, "op_007", 10, 50},
		{fsync.Delete, store.Page{Limit: 100, Offset: 45}, "op_137", 5, 50},
	}
	for _, tt := range tests {
		got, total, err := s.ListOperations(ctx, "acme", "sync_01", tt.typ, tt.p)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.wantLen || total != tt.wantTotal || got[0].ID != tt.wantFirst {
			t.Errorf("%s %+v: len %d total %d first %s, want %d %d %s", tt.typ, tt.p, len(got), total, got[0].ID, tt.wantLen, tt.wantTotal, tt.wantFirst)
		}
		for _, o := range got {
			if tt.typ != "" && o.Type != tt.typ {
				t.Errorf("type filter %s returned %s", tt.typ, o.Type)
			}
		}
	}
}
