package store_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
)

func TestEventSyncIDIsPerTypeAndDayAndSortsByTime(t *testing.T) {
	morning := time.Date(2026, 12, 3, 0, 0, 1, 0, time.UTC)
	evening := time.Date(2026, 12, 3, 23, 59, 59, 0, time.FixedZone("x", 0))
	id := store.EventSyncID(fsync.Objects, morning)
	if id != store.EventSyncID(fsync.Objects, evening) {
		t.Fatalf("same UTC day, two ids")
	}
	if id == store.EventSyncID(fsync.Theme, morning) || id == store.EventSyncID(fsync.Objects, morning.Add(24*time.Hour)) {
		t.Fatalf("another type or day, same id %s", id)
	}
	if !strings.HasSuffix(id, "-webhook-objects-20261203") || len(id) > 64 {
		t.Fatalf("id %q", id)
	}
	// Ordered among syncgroup's "sync_" + lower-case ULID ids by time.
	full := func(at time.Time) string {
		return "sync_" + strings.ToLower(ulid.MustNew(ulid.Timestamp(at), ulid.DefaultEntropy()).String())
	}
	if !(full(morning.Add(-2*time.Second)) < id && id < full(morning) && id < store.EventSyncID(fsync.Objects, morning.Add(24*time.Hour))) {
		t.Fatalf("%s does not sort at its day's start", id)
	}
}

func TestEnsureEventSyncConcurrentCreatesOnceAndCountsOnce(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	at := time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC)
	const n = 8
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = s.EnsureEventSync(ctx, "acme", fsync.Objects, at.Add(time.Duration(i)*time.Minute))
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("worker %d: id %q err %v (want %q)", i, ids[i], errs[i], ids[0])
		}
	}
	again, err := s.EnsureEventSync(ctx, "acme", fsync.Objects, at.Add(5*time.Hour))
	if err != nil || again != ids[0] {
		t.Fatalf("again: %q %v", again, err)
	}
	sy, err := s.GetSync(ctx, "acme", ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if sy.Status != fsync.Completed || sy.Type != fsync.Objects || sy.TriggeredBy != "webhook" ||
		sy.StartedAt == nil || sy.StartedAt.Sub(at) < 0 || sy.StartedAt.Sub(at) >= n*time.Minute || sy.CompletedAt != nil {
		t.Fatalf("event sync %+v", sy)
	}
	for _, f := range []store.SyncFilter{{}, {Type: fsync.Objects}, {Status: fsync.Completed}, {Type: fsync.Objects, Status: fsync.Completed}} {
		_, total, err := s.ListSyncs(ctx, "acme", f, store.Page{Limit: 10})
		if err != nil || total != 1 {
			t.Fatalf("ListSyncs %+v: total %d err %v, want 1", f, total, err)
		}
	}
	// Another tenant has none.
	if _, err := s.GetSync(ctx, "other", ids[0]); platform.KindOf(err) != platform.KindNotFound {
		t.Fatalf("other tenant: %v", err)
	}
}

func TestEventSyncNeitherBlocksNorIsBlockedByFullSyncs(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	full, created, err := s.CreateSync(ctx, newSync("acme", "sync_01full", fsync.Objects, at))
	if err != nil || !created || full.Status != fsync.Running {
		t.Fatalf("full sync: %+v %v %v", full, created, err)
	}
	id, err := s.EnsureEventSync(ctx, "acme", fsync.Objects, at.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	running, queued, err := s.SyncSlot(ctx, "acme", fsync.Objects)
	if err != nil || running == nil || running.ID != full.ID || queued != nil {
		t.Fatalf("slot: running %+v queued %+v err %v", running, queued, err)
	}
	if err := s.FinishSync(ctx, "acme", fsync.Objects, full.ID, fsync.Completed, "", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	next, _, err := s.CreateSync(ctx, newSync("acme", "sync_02full", fsync.Objects, at.Add(2*time.Hour)))
	if err != nil || next.Status != fsync.Running {
		t.Fatalf("next full sync: %+v %v", next, err)
	}
	// Operations are recorded and listed under the event sync like any other.
	op := fsync.Operation{ID: "op1", Type: fsync.Update, ObjectType: "PRODUCT", Canonical: "bag", Shop: "src.myshopify.com", CreatedAt: at}
	if err := s.AppendOperations(ctx, "acme", id, []fsync.Operation{op}); err != nil {
		t.Fatal(err)
	}
	ops, total, err := s.ListOperations(ctx, "acme", id, "", store.Page{Limit: 10})
	if err != nil || total != 1 || len(ops) != 1 || ops[0].ID != "op1" {
		t.Fatalf("operations %+v total %d err %v", ops, total, err)
	}
	_, total, err = s.ListSyncs(ctx, "acme", store.SyncFilter{Status: fsync.Completed}, store.Page{Limit: 10})
	if err != nil || total != 2 {
		t.Fatalf("completed total %d err %v, want 2", total, err)
	}
}

func TestEnsureEventSyncValidates(t *testing.T) {
	s := storetest.NewTable(t)
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for name, call := range map[string]func() error{
		"tenant": func() error { _, err := s.EnsureEventSync(t.Context(), "a#b", fsync.Objects, at); return err },
		"type":   func() error { _, err := s.EnsureEventSync(t.Context(), "acme", "NOPE", at); return err },
		"time":   func() error { _, err := s.EnsureEventSync(t.Context(), "acme", fsync.Objects, time.Time{}); return err },
	} {
		if err := call(); platform.KindOf(err) != platform.KindValidation {
			t.Errorf("%s: %v, want validation", name, err)
		}
	}
}
