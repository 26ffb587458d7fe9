package reconcile

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/store/storetest"
	fsync "github.com/flux-platform/flux/shared/sync"
)

type sent struct{ msgs []fsync.Message }

func (s *sent) send(_ context.Context, m fsync.Message) error {
	s.msgs = append(s.msgs, m)
	return nil
}

// Against DynamoDB Local: a tenant with stores gets a running
// reconciliation, one with a running sync gets one queued, one with a
// queued sync keeps it, one without stores is skipped; a second run the
// same day adds nothing new where a sync waits.
func TestRun(t *testing.T) {
	st := storetest.NewTable(t)
	ctx := t.Context()
	for _, id := range []string{"idle", "busy", "full", "empty"} {
		storetest.NewTenant(t, st, id, id)
		if id == "empty" {
			continue
		}
		if err := st.AddStore(ctx, id, config.Store{Domain: id + "-src.myshopify.com", Classification: config.Source}); err != nil {
			t.Fatal(err)
		}
	}
	q := &sent{}
	starter := fsync.Starter{Store: st, Send: q.send}
	g := func(id string) config.StoreGroup {
		sg, err := st.StoreGroup(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return sg
	}
	for _, id := range []string{"busy", "full", "full"} {
		if _, _, err := starter.Start(ctx, id, g(id), fsync.Objects, "api"); err != nil {
			t.Fatal(err)
		}
	}
	q.msgs = nil
	// ListTenants reads a GSI: wait for it to show the four tenants.
	deadline := time.Now().Add(5 * time.Second)
	for ts, _ := st.ListTenants(ctx); len(ts) < 4 && time.Now().Before(deadline); ts, _ = st.ListTenants(ctx) {
		time.Sleep(50 * time.Millisecond)
	}
	r := Reconciler{Tenants: st, Starter: starter, Log: slog.New(slog.DiscardHandler)}
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// idle: 3 started; busy: OBJECTS queued, THEME and FILES started;
	// full: OBJECTS already queued, THEME and FILES started; empty: none.
	if diff := cmp.Diff(Result{Started: 7, Queued: 1, AlreadyQueued: 1, NoStores: 1}, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if len(q.msgs) != 7 {
		t.Fatalf("messages %+v, want one per started sync", q.msgs)
	}
	running, _, err := st.SyncSlot(ctx, "idle", fsync.Objects)
	if err != nil || running == nil || running.TriggeredBy != Trigger {
		t.Fatalf("idle tenant's running sync %+v %v, want a reconciliation", running, err)
	}
	_, queued, err := st.SyncSlot(ctx, "busy", fsync.Objects)
	if err != nil || queued == nil || queued.TriggeredBy != Trigger {
		t.Fatalf("busy tenant's queued sync %+v %v, want a reconciliation", queued, err)
	}
}
