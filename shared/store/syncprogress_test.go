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

// mustStart creates sync id of type t for tenant "acme" and checks its status.
func mustStart(t *testing.T, s *store.Store, id string, typ fsync.Type, want fsync.Status) fsync.Sync {
	t.Helper()
	sy, created, err := s.CreateSync(t.Context(), newSync("acme", id, typ, syncT0))
	if err != nil || !created || sy.Status != want {
		t.Fatalf("create %s: %+v created %v err %v, want %s", id, sy, created, err, want)
	}
	return sy
}

func mustGetSync(t *testing.T, s *store.Store, id string) fsync.Sync {
	t.Helper()
	sy, err := s.GetSync(t.Context(), "acme", id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return sy
}

func TestSaveCheckpointVersionsAndStats(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
	if cp, err := s.SyncCheckpoint(ctx, "acme", "sync_01"); err != nil || cp != (store.Checkpoint{}) {
		t.Fatalf("checkpoint before the first save: %+v %v", cp, err)
	}
	page := fsync.Stats{Processed: 10, Created: 7, Updated: 3, Warnings: 1, Errors: 2}
	steps := []struct {
		name     string
		prev     int64
		pos      string
		conflict bool
		wantCP   store.Checkpoint
		wantProc int
	}{
		{"first save", 0, "p1", false, store.Checkpoint{Position: "p1", Version: 1}, 10},
		{"first save replayed", 0, "p1-again", true, store.Checkpoint{Position: "p1", Version: 1}, 10},
		{"second save", 1, "p2", false, store.Checkpoint{Position: "p2", Version: 2}, 20},
		{"stale prev", 1, "p2-again", true, store.Checkpoint{Position: "p2", Version: 2}, 20},
		{"future prev", 7, "p7", true, store.Checkpoint{Position: "p2", Version: 2}, 20},
		{"third save", 2, "p3", false, store.Checkpoint{Position: "p3", Version: 3}, 30},
	}
	for _, st := range steps {
		err := s.SaveCheckpoint(ctx, "acme", "sync_01", st.prev, st.pos, page, syncT0)
		if (err != nil) != st.conflict || (err != nil && platform.KindOf(err) != platform.KindConflict) {
			t.Fatalf("%s: err %v, want conflict %v", st.name, err, st.conflict)
		}
		cp, err := s.SyncCheckpoint(ctx, "acme", "sync_01")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(st.wantCP, cp); diff != "" {
			t.Errorf("%s: checkpoint (-want +got):\n%s", st.name, diff)
		}
		n := st.wantProc / 10
		// Created and updated are the operation counters (none recorded
		// here), not the page's stats.
		want := fsync.Stats{Processed: 10 * n, Warnings: n, Errors: 2 * n}
		if diff := cmp.Diff(want, mustGetSync(t, s, "sync_01").Stats); diff != "" {
			t.Errorf("%s: stats (-want +got):\n%s", st.name, diff)
		}
	}

	// Not RUNNING: queued, finished, unknown.
	mustStart(t, s, "sync_02", fsync.Objects, fsync.Queued)
	if err := s.SaveCheckpoint(ctx, "acme", "sync_02", 0, "q", page, syncT0); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("queued sync: %v, want conflict", err)
	}
	if cp, _ := s.SyncCheckpoint(ctx, "acme", "sync_02"); cp.Version != 0 {
		t.Errorf("queued sync got a checkpoint: %+v", cp)
	}
	if err := s.SaveCheckpoint(ctx, "acme", "sync_none", 0, "q", page, syncT0); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("unknown sync: %v, want conflict", err)
	}
	if _, err := s.EndSync(ctx, "acme", fsync.Objects, "sync_01", fsync.Completed, "", syncT0); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCheckpoint(ctx, "acme", "sync_01", 3, "p4", page, syncT0); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("completed sync: %v, want conflict", err)
	}
	if got := mustGetSync(t, s, "sync_01").Stats.Processed; got != 30 {
		t.Errorf("processed after refused saves %d, want 30", got)
	}
	// Another tenant's sync of the same id is not touched.
	if err := s.SaveCheckpoint(ctx, "other", "sync_02", 0, "x", page, syncT0); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("other tenant: %v, want conflict", err)
	}
}

func TestSaveCheckpointConcurrentOneWins(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.SaveCheckpoint(ctx, "acme", "sync_01", 0, fmt.Sprintf("w%d", i), fsync.Stats{Processed: 5}, syncT0)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case platform.KindOf(err) != platform.KindConflict:
			t.Errorf("loser: %v, want conflict", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d saves succeeded, want 1", ok)
	}
	if cp, err := s.SyncCheckpoint(ctx, "acme", "sync_01"); err != nil || cp.Version != 1 {
		t.Errorf("checkpoint %+v %v", cp, err)
	}
	if got := mustGetSync(t, s, "sync_01").Stats.Processed; got != 5 {
		t.Errorf("processed %d, want 5 (one page)", got)
	}
}

func TestAddSyncStats(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
	mustStart(t, s, "sync_02", fsync.Objects, fsync.Queued) // any status
	for _, id := range []string{"sync_01", "sync_02"} {
		for range 2 {
			if err := s.AddSyncStats(ctx, "acme", id, fsync.Stats{Processed: 3, Created: 9, Updated: 9, Warnings: 2, Errors: 1}); err != nil {
				t.Fatalf("%s: %v", id, err)
			}
		}
		if diff := cmp.Diff(fsync.Stats{Processed: 6, Warnings: 4, Errors: 2}, mustGetSync(t, s, id).Stats); diff != "" {
			t.Errorf("%s stats (-want +got):\n%s", id, diff)
		}
	}
	if err := s.AddSyncStats(ctx, "acme", "sync_none", fsync.Stats{Processed: 1}); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("unknown sync: %v, want not found", err)
	}
	if err := s.AddSyncStats(ctx, "other", "sync_01", fsync.Stats{Processed: 1}); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("other tenant: %v, want not found", err)
	}
	if _, err := s.GetSync(ctx, "other", "sync_01"); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("AddSyncStats created another tenant's sync: %v", err)
	}
}

func op(id string, typ fsync.OperationType) fsync.Operation {
	return fsync.Operation{ID: id, Type: typ, ObjectType: "PRODUCT", Canonical: id, Shop: "src.myshopify.com", CreatedAt: syncT0}
}

// opCounts are a sync's operation totals: all, then per type (from
// ListOperations), and the stats' created and updated.
type opCounts struct {
	All, Create, Update, Delete int
	Created, Updated            int
	Listed                      int
}

func countOps(t *testing.T, s *store.Store, syncID string) opCounts {
	t.Helper()
	ctx := t.Context()
	var c opCounts
	for typ, dst := range map[fsync.OperationType]*int{"": &c.All, fsync.Create: &c.Create, fsync.Update: &c.Update, fsync.Delete: &c.Delete} {
		got, total, err := s.ListOperations(ctx, "acme", syncID, typ, store.Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		*dst = total
		if typ == "" {
			c.Listed = len(got)
		}
	}
	sy := mustGetSync(t, s, syncID)
	if sy.OperationsCount != c.All {
		t.Errorf("operationsCount %d, ListOperations total %d", sy.OperationsCount, c.All)
	}
	c.Created, c.Updated = sy.Stats.Created, sy.Stats.Updated
	return c
}

func TestRecordOperationsSkipsDuplicates(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
	a, b, c := op("a", fsync.Create), op("b", fsync.Update), op("c", fsync.Delete)
	if err := s.RecordOperations(ctx, "acme", "sync_01", []fsync.Operation{a, b}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOperations(ctx, "acme", "sync_01", []fsync.Operation{a, b, c}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOperations(ctx, "acme", "sync_01", []fsync.Operation{a, b, c}); err != nil {
		t.Fatal(err)
	}
	// One id twice in one call is recorded once.
	d := op("d", fsync.Create)
	if err := s.RecordOperations(ctx, "acme", "sync_01", []fsync.Operation{d, a, d}); err != nil {
		t.Fatalf("duplicate within one call: %v", err)
	}
	want := opCounts{All: 4, Create: 2, Update: 1, Delete: 1, Created: 2, Updated: 1, Listed: 4}
	if diff := cmp.Diff(want, countOps(t, s, "sync_01")); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if err := s.RecordOperations(ctx, "acme", "sync_01", nil); err != nil {
		t.Errorf("no operations: %v", err)
	}
	if err := s.RecordOperations(ctx, "acme", "sync_none", []fsync.Operation{a}); platform.KindOf(err) != platform.KindNotFound {
		t.Errorf("unknown sync: %v, want not found", err)
	}
	if err := s.RecordOperations(ctx, "acme", "sync_01", []fsync.Operation{op("e", "MOVE")}); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("bad type: %v, want validation", err)
	}
}

func TestRecordOperationsAcrossTransactions(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
	types := []fsync.OperationType{fsync.Create, fsync.Update, fsync.Delete}
	var ops []fsync.Operation
	for i := range 160 {
		ops = append(ops, op(fmt.Sprintf("op_%03d", i), types[i%3]))
	}
	// 150 first (two transactions), then all 160 replayed: the first 150
	// are skipped in both transactions, the last 10 recorded.
	if err := s.RecordOperations(ctx, "acme", "sync_01", ops[:150]); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOperations(ctx, "acme", "sync_01", ops); err != nil {
		t.Fatal(err)
	}
	want := opCounts{All: 160, Create: 54, Update: 53, Delete: 53, Created: 54, Updated: 53, Listed: 160}
	if diff := cmp.Diff(want, countOps(t, s, "sync_01")); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

func TestRecordOperationsConcurrent(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
	// Workers record overlapping pages at once: every op lands once, and
	// none is lost to a conflict on the sync item.
	const workers, per = 6, 40
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var ops []fsync.Operation
			for i := range per {
				ops = append(ops, op(fmt.Sprintf("op_%03d", w*per/2+i), fsync.Create))
			}
			errs[w] = s.RecordOperations(ctx, "acme", "sync_01", ops)
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", w, err)
		}
	}
	n := (workers-1)*per/2 + per
	want := opCounts{All: n, Create: n, Created: n, Listed: n}
	if diff := cmp.Diff(want, countOps(t, s, "sync_01")); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

// syncTotals are ListSyncs totals by status for OBJECTS, and overall.
func syncTotals(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, st := range fsync.Statuses {
		for _, typ := range []fsync.Type{"", fsync.Objects} {
			got, total, err := s.ListSyncs(t.Context(), "acme", store.SyncFilter{Type: typ, Status: st}, store.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if total != 0 {
				out[string(typ)+"/"+string(st)] = total
			}
			_ = got
		}
	}
	_, all, err := s.ListSyncs(t.Context(), "acme", store.SyncFilter{}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out["all"] = all
	return out
}

func TestEndSync(t *testing.T) {
	later := syncT0.Add(time.Hour)
	tests := []struct {
		name       string
		queue      bool
		st         fsync.Status
		errMsg     string
		wantTotals map[string]int
	}{
		{"completed, none queued", false, fsync.Completed, "", map[string]int{
			"/COMPLETED": 1, "OBJECTS/COMPLETED": 1, "all": 1}},
		{"failed, none queued", false, fsync.Failed, "shop gone", map[string]int{
			"/FAILED": 1, "OBJECTS/FAILED": 1, "all": 1}},
		{"completed, queued promoted", true, fsync.Completed, "", map[string]int{
			"/COMPLETED": 1, "OBJECTS/COMPLETED": 1, "/RUNNING": 1, "OBJECTS/RUNNING": 1, "all": 2}},
		{"failed, queued promoted", true, fsync.Failed, "boom", map[string]int{
			"/FAILED": 1, "OBJECTS/FAILED": 1, "/RUNNING": 1, "OBJECTS/RUNNING": 1, "all": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storetest.NewTable(t)
			ctx := t.Context()
			mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
			mustStart(t, s, "sync_th", fsync.Theme, fsync.Running) // another slot, untouched
			if tt.queue {
				mustStart(t, s, "sync_02", fsync.Objects, fsync.Queued)
			}
			promoted, err := s.EndSync(ctx, "acme", fsync.Objects, "sync_01", tt.st, tt.errMsg, later)
			if err != nil {
				t.Fatal(err)
			}
			ended := mustGetSync(t, s, "sync_01")
			if ended.Status != tt.st || ended.Error != tt.errMsg || ended.CompletedAt == nil || !ended.CompletedAt.Equal(later) {
				t.Errorf("ended sync: %+v", ended)
			}
			running, queued, err := s.SyncSlot(ctx, "acme", fsync.Objects)
			if err != nil {
				t.Fatal(err)
			}
			if queued != nil {
				t.Errorf("slot still has queued %s", queued.ID)
			}
			if !tt.queue {
				if promoted != nil || running != nil {
					t.Errorf("promoted %+v, running %+v, want none", promoted, running)
				}
			} else {
				if promoted == nil || promoted.ID != "sync_02" || promoted.Status != fsync.Running ||
					promoted.StartedAt == nil || !promoted.StartedAt.Equal(later) || promoted.TriggeredBy != "test" {
					t.Fatalf("promoted %+v", promoted)
				}
				if running == nil || running.ID != "sync_02" {
					t.Errorf("slot running %+v, want sync_02", running)
				}
				if diff := cmp.Diff(*promoted, mustGetSync(t, s, "sync_02")); diff != "" {
					t.Errorf("promoted vs stored (-returned +stored):\n%s", diff)
				}
			}
			tt.wantTotals["/RUNNING"]++ // the THEME sync
			tt.wantTotals["all"]++
			if diff := cmp.Diff(tt.wantTotals, syncTotals(t, s)); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
			// The status index agrees with the counters.
			got, _, err := s.ListSyncs(ctx, "acme", store.SyncFilter{Status: tt.st}, store.Page{Limit: 10})
			if err != nil || len(got) != 1 || got[0].ID != "sync_01" {
				t.Errorf("ListSyncs %s: %+v %v", tt.st, got, err)
			}
			// Ending it again, or ending a sync that is not the running one.
			if _, err := s.EndSync(ctx, "acme", fsync.Objects, "sync_01", fsync.Completed, "", later); platform.KindOf(err) != platform.KindConflict {
				t.Errorf("ending it again: %v, want conflict", err)
			}
			if _, err := s.EndSync(ctx, "acme", fsync.Theme, "sync_01", fsync.Completed, "", later); platform.KindOf(err) != platform.KindConflict {
				t.Errorf("ending under another type: %v, want conflict", err)
			}
			// The slot takes a new sync: RUNNING when none runs, else QUEUED.
			want := fsync.Running
			if tt.queue {
				want = fsync.Queued
			}
			mustStart(t, s, "sync_03", fsync.Objects, want)
		})
	}
}

func TestEndSyncRefusals(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
	mustStart(t, s, "sync_02", fsync.Objects, fsync.Queued)
	tests := []struct {
		name string
		id   string
		st   fsync.Status
		want platform.Kind
	}{
		{"queued sync", "sync_02", fsync.Completed, platform.KindConflict},
		{"unknown sync", "sync_none", fsync.Completed, platform.KindConflict},
		{"to running", "sync_01", fsync.Running, platform.KindValidation},
		{"to cancelled", "sync_01", fsync.Cancelled, platform.KindValidation},
	}
	for _, tt := range tests {
		if _, err := s.EndSync(ctx, "acme", fsync.Objects, tt.id, tt.st, "", syncT0); platform.KindOf(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	if _, err := s.EndSync(ctx, "other", fsync.Objects, "sync_01", fsync.Completed, "", syncT0); platform.KindOf(err) != platform.KindConflict {
		t.Errorf("other tenant: %v, want conflict", err)
	}
	if diff := cmp.Diff(map[string]int{"/RUNNING": 1, "OBJECTS/RUNNING": 1, "/QUEUED": 1, "OBJECTS/QUEUED": 1, "all": 2}, syncTotals(t, s)); diff != "" {
		t.Errorf("refusals changed the totals (-want +got):\n%s", diff)
	}
}

func TestEndSyncConcurrentOneWins(t *testing.T) {
	for _, queue := range []bool{false, true} {
		t.Run(fmt.Sprintf("queued=%v", queue), func(t *testing.T) {
			s := storetest.NewTable(t)
			ctx := t.Context()
			mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
			if queue {
				mustStart(t, s, "sync_02", fsync.Objects, fsync.Queued)
			}
			const n = 6
			errs := make([]error, n)
			promoted := make([]*fsync.Sync, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					promoted[i], errs[i] = s.EndSync(ctx, "acme", fsync.Objects, "sync_01", fsync.Completed, "", syncT0)
				})
			}
			wg.Wait()
			ok := 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
					if queue != (promoted[i] != nil) {
						t.Errorf("winner promoted %+v", promoted[i])
					}
				case platform.KindOf(err) != platform.KindConflict:
					t.Errorf("loser: %v, want conflict", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d EndSync calls succeeded, want 1", ok)
			}
			want := map[string]int{"/COMPLETED": 1, "OBJECTS/COMPLETED": 1, "all": 1}
			if queue {
				want = map[string]int{"/COMPLETED": 1, "OBJECTS/COMPLETED": 1, "/RUNNING": 1, "OBJECTS/RUNNING": 1, "all": 2}
			}
			if diff := cmp.Diff(want, syncTotals(t, s)); diff != "" {
				t.Errorf("totals (-want +got):\n%s", diff)
			}
		})
	}
}

// A sync queued while the running one ends is either promoted by that end
// or queued behind... nothing: EndSync must not fail because the slot
// gained a queued sync after it read it.
func TestEndSyncRacingCreateSync(t *testing.T) {
	for i := range 5 {
		s := storetest.NewTable(t)
		ctx := t.Context()
		mustStart(t, s, "sync_01", fsync.Objects, fsync.Running)
		var wg sync.WaitGroup
		var endErr, createErr error
		var promoted *fsync.Sync
		var created fsync.Sync
		wg.Go(func() {
			promoted, endErr = s.EndSync(ctx, "acme", fsync.Objects, "sync_01", fsync.Completed, "", syncT0)
		})
		wg.Go(func() {
			created, _, createErr = s.CreateSync(ctx, newSync("acme", "sync_02", fsync.Objects, syncT0))
		})
		wg.Wait()
		if endErr != nil || createErr != nil {
			t.Fatalf("round %d: end %v, create %v", i, endErr, createErr)
		}
		running, queued, err := s.SyncSlot(ctx, "acme", fsync.Objects)
		if err != nil || queued != nil || running == nil || running.ID != "sync_02" {
			t.Fatalf("round %d: slot running %+v queued %+v err %v (created %s, promoted %v)", i, running, queued, err, created.Status, promoted != nil)
		}
	}
}

func TestSyncWatermark(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	const shop = "src.myshopify.com"
	mark := func(typ fsync.Type, shop string) time.Time {
		t.Helper()
		at, err := s.SyncWatermark(ctx, "acme", typ, shop)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	if got := mark(fsync.Objects, shop); !got.IsZero() {
		t.Fatalf("no watermark yet: %v", got)
	}
	t1 := syncT0.Add(1500 * time.Millisecond) // sub-second: compares as a fixed-width string
	steps := []struct {
		set, want time.Time
	}{
		{syncT0, syncT0},
		{t1, t1},
		{syncT0.Add(time.Second), t1}, // older: kept
		{syncT0.Add(-time.Hour), t1},  // much older: kept
		{t1, t1},                      // equal
		{syncT0.Add(2 * time.Second), syncT0.Add(2 * time.Second)},
	}
	for i, st := range steps {
		if err := s.SetSyncWatermark(ctx, "acme", fsync.Objects, shop, st.set); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := mark(fsync.Objects, shop); !got.Equal(st.want) {
			t.Errorf("step %d: set %v, got %v, want %v", i, st.set, got, st.want)
		}
	}
	// Per type, shop and tenant.
	if got := mark(fsync.Theme, shop); !got.IsZero() {
		t.Errorf("THEME watermark %v", got)
	}
	if got := mark(fsync.Objects, "qa.myshopify.com"); !got.IsZero() {
		t.Errorf("other shop's watermark %v", got)
	}
	if got, err := s.SyncWatermark(ctx, "other", fsync.Objects, shop); err != nil || !got.IsZero() {
		t.Errorf("other tenant's watermark %v %v", got, err)
	}
}
