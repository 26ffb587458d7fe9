package syncgroup_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/rpc"
	"github.com/flux-platform/flux/shared/store/storetest"
	"github.com/flux-platform/flux/shared/sync/syncgroup"
)

type countingQueue struct {
	mu   sync.Mutex
	msgs []syncgroup.Message
}

func (q *countingQueue) Send(_ context.Context, m syncgroup.Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, m)
	return nil
}

// Five concurrent startSync calls through the group against DynamoDB Local
// leave exactly one running and one queued sync, and one message.
func TestFiveConcurrentStartSyncs(t *testing.T) {
	st := storetest.NewTable(t)
	storetest.NewTenant(t, st, "acme", "Acme")
	if err := st.AddStore(t.Context(), "acme", config.Store{Domain: "acme-src.myshopify.com", Classification: config.Source}); err != nil {
		t.Fatalf("seeding the group: %v", err)
	}
	q := &countingQueue{}
	g := syncgroup.New(syncgroup.Options{Storage: st, Store: st, Queue: q})
	id := auth.Identity{TenantID: "acme", Principal: "k", PrincipalType: auth.PrincipalAPIKey, Scopes: []auth.Scope{auth.ScopeSyncRead, auth.ScopeSyncWrite}}
	const n = 5
	results := make([]syncgroup.StartSyncResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := g.Handle(context.Background(), rpc.Request{Group: syncgroup.GroupName, Operation: syncgroup.OpStartSync, Identity: id, Arguments: json.RawMessage(`{"type":"OBJECTS"}`)})
			if err != nil || resp.Error != nil {
				t.Errorf("startSync: %v %+v", err, resp.Error)
				return
			}
			_ = json.Unmarshal(resp.Result, &results[i])
		}()
	}
	wg.Wait()
	ids := map[string]string{}
	for _, r := range results {
		ids[r.SyncID] = r.Status
	}
	running, queued := 0, 0
	for _, s := range ids {
		switch s {
		case "RUNNING":
			running++
		case "QUEUED":
			queued++
		}
	}
	if len(ids) != 2 || running != 1 || queued != 1 {
		t.Errorf("distinct syncs %v, want one RUNNING and one QUEUED", ids)
	}
	if len(q.msgs) != 1 {
		t.Errorf("%d messages, want 1", len(q.msgs))
	}
	resp, _ := g.Handle(t.Context(), rpc.Request{Group: syncgroup.GroupName, Operation: syncgroup.OpSyncHistory, Identity: id, Arguments: json.RawMessage(`{}`)})
	var h syncgroup.SyncHistoryResult
	_ = json.Unmarshal(resp.Result, &h)
	if h.Total != 2 || len(h.Syncs) != 2 {
		t.Errorf("history total %d len %d, want 2", h.Total, len(h.Syncs))
	}
}
