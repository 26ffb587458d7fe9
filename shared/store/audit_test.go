package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flux-platform/flux/shared/audit"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

func TestAuditKeys(t *testing.T) {
	at := time.Date(2026, 4, 1, 10, 0, 0, 5, time.FixedZone("x", 3600))
	if got, want := store.AuditPK("acme"), "TENANT#acme#AUDIT"; got != want {
		t.Errorf("AuditPK = %q, want %q", got, want)
	}
	if got, want := store.AuditSK(at, "aud_1"), "AUDIT#2026-04-01T09:00:00.000000005Z#aud_1"; got != want {
		t.Errorf("AuditSK = %q, want %q", got, want)
	}
	p, ok := store.AuditPositionOfSK(store.AuditSK(at, "aud_1"))
	if !ok || !p.At.Equal(at) || p.ID != "aud_1" {
		t.Errorf("AuditPositionOfSK = %v %v", p, ok)
	}
	for _, bad := range []string{"", "AUDIT#", "AUDIT#2026-04-01#x", "SYNC#2026-04-01T09:00:00.000000005Z#x"} {
		if _, ok := store.AuditPositionOfSK(bad); ok {
			t.Errorf("AuditPositionOfSK(%q) accepted", bad)
		}
	}
	// Bounds bracket every entry of their instant: from inclusive, to exclusive.
	if !(store.AuditBoundSK(at) < store.AuditSK(at, "aud_0") && store.AuditSK(at, "aud_z") < store.AuditBoundSK(at.Add(time.Nanosecond))) {
		t.Error("bounds do not bracket the entries of an instant")
	}
}

var auditBase = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

func auditEntry(tenant string, i int) audit.Entry {
	actions := []string{audit.ActionAPIKeyCreate, audit.ActionSyncStart, audit.ActionMappingsUpsert}
	results := []audit.Result{audit.Success, audit.Failure, audit.Denied}
	e := audit.Entry{
		ID: fmt.Sprintf("aud_%04d", i), TenantID: tenant, At: auditBase.Add(time.Duration(i) * time.Minute),
		Actor: fmt.Sprintf("api_key:key_%d", i%2), Action: actions[i%3], ResourceType: "thing",
		ResourceID: fmt.Sprintf("r%d", i), Result: results[i%3], Detail: "d", RequestID: "req",
	}
	if i%4 == 0 {
		e.Shop = "demo.myshopify.com"
	}
	return e
}

// all pages through QueryAudit.
func all(t *testing.T, s *store.Store, tenant string, f audit.Filter, limit int) ([]audit.Entry, int) {
	t.Helper()
	var out []audit.Entry
	var after *audit.Position
	calls := 0
	for {
		calls++
		es, next, err := s.QueryAudit(t.Context(), tenant, f, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) > limit {
			t.Fatalf("page of %d > limit %d", len(es), limit)
		}
		out = append(out, es...)
		if next == nil {
			return out, calls
		}
		after = next
	}
}

func ids(es []audit.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestAuditLogOnDynamoDB(t *testing.T) {
	s := storetest.NewTable(t)
	ctx := t.Context()
	const n = 60
	log := store.AuditLog{Store: s, Retention: 48 * time.Hour}
	for i := range n {
		if err := log.Record(ctx, auditEntry("acme", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := log.Record(ctx, auditEntry("other", 5)); err != nil {
		t.Fatal(err)
	}
	full := audit.Filter{From: auditBase, To: auditBase.Add(24 * time.Hour)}

	t.Run("an entry reads back as written", func(t *testing.T) {
		got, _ := all(t, s, "acme", audit.Filter{From: auditBase.Add(4 * time.Minute), To: auditBase.Add(5 * time.Minute)}, 10)
		if d := cmp.Diff([]audit.Entry{auditEntry("acme", 4)}, got); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})

	t.Run("time range: from inclusive, to exclusive, oldest first", func(t *testing.T) {
		got, _ := all(t, s, "acme", audit.Filter{From: auditBase.Add(10 * time.Minute), To: auditBase.Add(20 * time.Minute)}, 1000)
		var want []string
		for i := 10; i < 20; i++ {
			want = append(want, fmt.Sprintf("aud_%04d", i))
		}
		if d := cmp.Diff(want, ids(got)); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})

	t.Run("pages of 7 give every entry once", func(t *testing.T) {
		got, calls := all(t, s, "acme", full, 7)
		if len(got) != n || calls < n/7 {
			t.Fatalf("%d entries in %d calls", len(got), calls)
		}
		for i, e := range got {
			if e.ID != fmt.Sprintf("aud_%04d", i) {
				t.Fatalf("entry %d is %s", i, e.ID)
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			name string
			f    func(*audit.Filter)
			keep func(audit.Entry) bool
		}{
			{"action", func(f *audit.Filter) { f.Action = audit.ActionSyncStart }, func(e audit.Entry) bool { return e.Action == audit.ActionSyncStart }},
			{"actor", func(f *audit.Filter) { f.Actor = "api_key:key_1" }, func(e audit.Entry) bool { return e.Actor == "api_key:key_1" }},
			{"result", func(f *audit.Filter) { f.Result = audit.Denied }, func(e audit.Entry) bool { return e.Result == audit.Denied }},
			{"shop", func(f *audit.Filter) { f.Shop = "demo.myshopify.com" }, func(e audit.Entry) bool { return e.Shop == "demo.myshopify.com" }},
			{"resourceType none", func(f *audit.Filter) { f.ResourceType = "release" }, func(audit.Entry) bool { return false }},
			{"action and result", func(f *audit.Filter) { f.Action, f.Result = audit.ActionAPIKeyCreate, audit.Success },
				func(e audit.Entry) bool { return e.Action == audit.ActionAPIKeyCreate && e.Result == audit.Success }},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f := full
				tc.f(&f)
				got, _ := all(t, s, "acme", f, 5)
				var want []string
				for i := range n {
					if e := auditEntry("acme", i); tc.keep(e) {
						want = append(want, e.ID)
					}
				}
				if d := cmp.Diff(want, ids(got), cmpopts.EquateEmpty()); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			})
		}
	})

	t.Run("another tenant's entries never appear", func(t *testing.T) {
		got, _ := all(t, s, "other", full, 100)
		if d := cmp.Diff([]string{"aud_0005"}, ids(got)); d != "" {
			t.Errorf("other (-want +got):\n%s", d)
		}
		got, _ = all(t, s, "nobody", full, 100)
		if len(got) != 0 {
			t.Errorf("unknown tenant sees %v", ids(got))
		}
	})

	t.Run("TTL attribute is At + retention, epoch seconds", func(t *testing.T) {
		e := auditEntry("acme", 3)
		out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Table),
			Key: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: store.AuditPK("acme")},
				"SK": &types.AttributeValueMemberS{Value: store.AuditSK(e.At, e.ID)},
			}})
		if err != nil {
			t.Fatal(err)
		}
		n, ok := out.Item["expiresAt"].(*types.AttributeValueMemberN)
		if !ok || n.Value != fmt.Sprint(e.At.Add(48*time.Hour).Unix()) {
			t.Errorf("expiresAt = %#v, want N %d", out.Item["expiresAt"], e.At.Add(48*time.Hour).Unix())
		}
	})

	t.Run("an id is written once", func(t *testing.T) {
		err := log.Record(ctx, auditEntry("acme", 3))
		if platform.KindOf(err) != platform.KindConflict {
			t.Errorf("rewrite: %v, want conflict", err)
		}
	})

	t.Run("invalid entries and queries are refused", func(t *testing.T) {
		e := auditEntry("acme", 1)
		e.Result = "maybe"
		if err := log.Record(ctx, e); platform.KindOf(err) != platform.KindValidation {
			t.Errorf("bad entry: %v", err)
		}
		if _, _, err := s.QueryAudit(ctx, "acme", audit.Filter{From: auditBase, To: auditBase}, nil, 10); platform.KindOf(err) != platform.KindValidation {
			t.Errorf("empty range: %v", err)
		}
		if _, _, err := s.QueryAudit(ctx, "acme", full, nil, 0); platform.KindOf(err) != platform.KindValidation {
			t.Errorf("limit 0: %v", err)
		}
	})
}

func TestDefaultAuditRetention(t *testing.T) {
	s := storetest.NewTable(t)
	e := auditEntry("acme", 1)
	if err := (store.AuditLog{Store: s}).Record(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	l := store.NewAuditLog(s, platform.EnvFrom(map[string]string{"AUDIT_RETENTION": "24h"}))
	if l.Retention != 24*time.Hour {
		t.Errorf("AUDIT_RETENTION 24h: %v", l.Retention)
	}
	env := platform.EnvFrom(map[string]string{"AUDIT_RETENTION": "soon"})
	if store.NewAuditLog(s, env); env.Err() == nil {
		t.Error("a malformed AUDIT_RETENTION is not a configuration problem")
	}
	if store.DefaultAuditRetention != 400*24*time.Hour {
		t.Errorf("default retention %v", store.DefaultAuditRetention)
	}
}
