package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	gosync "sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/infra/dev"
	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/store"
)

// Syncs over HTTP through the local stack, the API's side (the worker is
// stopped here; syncengine_test.go runs it): five concurrent startSyncs
// leave one running and one queued, the others answered "already queued";
// the message on SyncQueue for the running one; syncStatus, syncHistory's
// total, sync(id) of another tenant and a key without the sync scopes.
func TestSyncsEndToEnd(t *testing.T) {
	e := startStackWith(t, dev.LocalShopify{}, noPollers)
	demo, second := e.keys["demo"], e.keys["second"]
	data := func(r response, v any) {
		t.Helper()
		g := decode(t, r)
		if r.status != http.StatusOK || len(g.Errors) != 0 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if err := json.Unmarshal(g.Data, v); err != nil {
			t.Fatal(err)
		}
	}
	type started struct {
		SyncID  string
		Status  string
		Message string
		Config  struct {
			Stores         []struct{ Domain, Classification string }
			ReadFromStores []string
		}
	}
	start := func() started {
		t.Helper()
		var out struct{ StartSync started }
		data(e.graphql(demo, `mutation { startSync(type: OBJECTS, triggeredBy: "api") {
			syncId status message config { stores { domain classification } readFromStores } } }`, nil), &out)
		return out.StartSync
	}
	results := make([]started, 5)
	var wg gosync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = start() }()
	}
	wg.Wait()
	var first, second2 started
	ids := map[string]int{}
	for _, r := range results {
		ids[r.SyncID]++
		switch {
		case r.Status == "RUNNING":
			first = r
		case second2.SyncID == "":
			second2 = r
		}
	}
	if len(ids) != 2 || ids[first.SyncID] != 1 || ids[second2.SyncID] != 4 || second2.Status != "QUEUED" {
		t.Fatalf("five concurrent startSyncs = %+v, want one RUNNING and four answers naming one QUEUED sync", results)
	}
	already := 0
	for _, r := range results {
		if strings.Contains(r.Message, "already queued") {
			already++
		}
	}
	if already != 3 {
		t.Errorf("%d answers say 'already queued', want 3: %+v", already, results)
	}
	if len(first.Config.ReadFromStores) == 0 || first.Config.ReadFromStores[0] != "demo-source.myshopify.com" {
		t.Errorf("readFromStores %v, want the source first", first.Config.ReadFromStores)
	}

	// The running sync was announced on SyncQueue.
	queue := sqs.NewFromConfig(e.cfg)
	out, err := queue.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(e.stack.QueueURL("SyncQueue")), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range out.Messages {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	want := []string{`{"tenantId":"demo","syncId":"` + first.SyncID + `","type":"OBJECTS"}`}
	if diff := cmp.Diff(want, bodies); diff != "" {
		t.Errorf("SyncQueue (-want +got):\n%s", diff)
	}

	var status struct {
		SyncStatus struct {
			Current struct{ ID, Status, TriggeredBy, TriggeredAt string }
			Queued  struct{ ID, Status string }
		}
	}
	data(e.graphql(demo, `{ syncStatus(type: OBJECTS) { current { id status triggeredBy triggeredAt stats { processed created updated warnings errors } } queued { id status } } }`, nil), &status)
	if status.SyncStatus.Current.ID != first.SyncID || status.SyncStatus.Queued.ID != second2.SyncID || status.SyncStatus.Current.TriggeredBy != "api" {
		t.Errorf("syncStatus = %+v", status.SyncStatus)
	}

	var hist struct {
		SyncHistory struct {
			Syncs []struct {
				ID, Status      string
				OperationsCount int
			}
			Total int
		}
	}
	data(e.graphql(demo, `{ syncHistory(type: OBJECTS, limit: 1) { syncs { id type status triggeredBy triggeredAt startedAt completedAt stats { processed } operationsCount } total } }`, nil), &hist)
	if hist.SyncHistory.Total != 2 || len(hist.SyncHistory.Syncs) != 1 || hist.SyncHistory.Syncs[0].ID != second2.SyncID {
		t.Errorf("syncHistory = %+v, want total 2 and the newest (queued) first", hist.SyncHistory)
	}

	var one struct{ Sync struct{ ID, Status string } }
	data(e.graphql(demo, `query($id: ID!) { sync(id: $id) { id status stats { processed created updated } } }`, map[string]any{"id": first.SyncID}), &one)
	if one.Sync.ID != first.SyncID || one.Sync.Status != "RUNNING" {
		t.Errorf("sync = %+v", one.Sync)
	}
	var ops struct {
		SyncOperations struct {
			Operations []struct{ ID string }
			Total      int
		}
	}
	data(e.graphql(demo, `query($id: ID!) { syncOperations(syncId: $id, type: CREATE, limit: 50) { operations { id type objectType canonical shop details createdAt } total } }`, map[string]any{"id": first.SyncID}), &ops)
	if ops.SyncOperations.Total != 0 || len(ops.SyncOperations.Operations) != 0 {
		t.Errorf("syncOperations of a sync no worker ran = %+v", ops.SyncOperations)
	}

	// Another tenant's sync id is NOT_FOUND.
	r := e.graphql(second, `query($id: ID!) { sync(id: $id) { id } }`, map[string]any{"id": first.SyncID})
	if g := decode(t, r); len(g.Errors) != 1 || g.Errors[0].Extensions.Code != "NOT_FOUND" {
		t.Errorf("second tenant reading the demo tenant's sync: %d %s", r.status, r.body)
	}

	// A key without sync:write cannot start a sync; without sync:read cannot read.
	st := store.New(dynamodb.NewFromConfig(e.cfg), e.stack.TableName())
	readOnly, _, err := (&auth.Keys{Store: st}).Issue(context.Background(), "demo", "e2e", "sync read only", []auth.Scope{auth.ScopeSyncRead})
	if err != nil {
		t.Fatal(err)
	}
	configOnly, _, err := (&auth.Keys{Store: st}).Issue(context.Background(), "demo", "e2e", "config only", []auth.Scope{auth.ScopeConfigRead})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, key, query string }{
		{"startSync without sync:write", readOnly, `mutation { startSync(type: THEME) { syncId } }`},
		{"syncHistory without sync:read", configOnly, `{ syncHistory { total } }`},
	} {
		r := e.graphql(c.key, c.query, nil)
		if g := decode(t, r); len(g.Errors) != 1 || g.Errors[0].Extensions.Code != "FORBIDDEN" {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
}
